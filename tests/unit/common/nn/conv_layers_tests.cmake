# Conv3d, Dense, ZeroPad3d, UpSample3d.
cascade_gtest(nn_conv3d_test SRCS conv3d_test.cc LIBS cascade_nn)
