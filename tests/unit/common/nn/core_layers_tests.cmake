# BatchNorm, Activation, Dropout, AvgPool3d, Reshape, losses, RMSprop.
cascade_gtest(nn_core_layers_test
  SRCS activation_test.cc avg_pool3d_test.cc batch_norm_test.cc dropout_test.cc losses_test.cc
       reshape_test.cc rmsprop_test.cc
  LIBS cascade_nn)
