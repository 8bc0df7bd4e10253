# cascade_gtest(NAME src... LIBS lib...): one gtest binary, cases discovered by ctest.
function(cascade_gtest name)
  cmake_parse_arguments(ARG "" "" "SRCS;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} cascade_testing GTest::gtest_main GTest::gmock)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # Tests find the repository through tests/testing/source_dir.h; OMP_NUM_THREADS comes from the
  # caller (the Makefile runs ctest with OMP_NUM_THREADS=1 so parallel tests do not oversubscribe).
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
