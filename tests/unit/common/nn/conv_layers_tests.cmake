# Conv3d, Dense, ZeroPad3d, UpSample3d.
cascade_gtest(nn_conv3d_test SRCS conv3d_test.cc LIBS cascade_nn)
cascade_gtest(nn_dense_test SRCS dense_test.cc LIBS cascade_nn)
cascade_gtest(nn_zero_pad3d_test SRCS zero_pad3d_test.cc LIBS cascade_nn)
cascade_gtest(nn_upsample3d_test SRCS upsample3d_test.cc LIBS cascade_nn)
