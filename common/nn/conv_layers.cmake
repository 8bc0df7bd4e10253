# Conv3d, Dense (on the shared WeightedLayer), ZeroPad3d, UpSample3d.
target_sources(cascade_nn PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/conv3d.cc
  ${CMAKE_CURRENT_LIST_DIR}/dense.cc
  ${CMAKE_CURRENT_LIST_DIR}/fused_activation.cc
  ${CMAKE_CURRENT_LIST_DIR}/planned_reorder.cc
  ${CMAKE_CURRENT_LIST_DIR}/upsample3d.cc
  ${CMAKE_CURRENT_LIST_DIR}/weighted_layer.cc
  ${CMAKE_CURRENT_LIST_DIR}/zero_pad3d.cc
)
