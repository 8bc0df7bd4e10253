# cascade_gtest(...) for Conv3d, Dense, ZeroPad3d, UpSample3d
