# The composed model, the training loop and the CERN weights.
cascade_gtest(gan_model_test SRCS model_test.cc LIBS cascade_gan)
cascade_gtest(cern_weights_test SRCS cern_weights_test.cc LIBS cascade_gan LABELS slow)
cascade_gtest(gan_parity_test SRCS parity_test.cc LIBS cascade_gan LABELS slow)
