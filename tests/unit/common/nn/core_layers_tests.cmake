# cascade_gtest(...) for BatchNorm, Activation, Dropout, AvgPool3d, Reshape, losses, RMSprop
