# BatchNorm, Activation, Dropout, AvgPool3d, Reshape, losses, RMSprop.
target_sources(cascade_nn PRIVATE
  activation.cc
  avg_pool3d.cc
  batch_norm.cc
  dropout.cc
  losses.cc
  reshape.cc
  rmsprop.cc
)
