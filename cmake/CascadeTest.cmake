# cascade_gtest(NAME src... LIBS lib...): one gtest binary, cases discovered by ctest.
function(cascade_gtest name)
  cmake_parse_arguments(ARG "" "" "SRCS;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} cascade_testing GTest::gtest_main GTest::gmock)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}"
    ENVIRONMENT "CASCADE_SOURCE_DIR=${PROJECT_SOURCE_DIR};CASCADE_BINARY_DIR=${PROJECT_BINARY_DIR};OMP_NUM_THREADS=1")
endfunction()
