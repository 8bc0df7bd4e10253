# cascade_gtest(NAME src... LIBS lib...): one gtest binary, cases discovered by ctest.
function(cascade_gtest name)
  cmake_parse_arguments(ARG "" "" "SRCS;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} cascade_testing GTest::gtest_main GTest::gmock)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # In the sanitizer scope (see cascade_sanitizer_scope) a unit test is labelled `unit-sanitizer`:
  # one label (gtest_discover_tests cannot pass a list), matched by both `-L unit` and
  # `-L sanitizer` (ctest's -L is a regex).
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  if(rel MATCHES "${CASCADE_SANITIZER_SCOPE}")
    if(ARG_LABELS STREQUAL "unit")
      set(ARG_LABELS unit-sanitizer)
    endif()
    set_property(GLOBAL APPEND PROPERTY CASCADE_SANITIZER_TARGETS ${name})
  endif()
  # Tests find the repository through tests/testing/source_dir.h; OMP_NUM_THREADS comes from the
  # caller (the Makefile runs ctest with OMP_NUM_THREADS=1 so parallel tests do not oversubscribe).
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

# cascade_sanitizer_scope(): the target `sanitizer_scope` builds the gtest binaries under the
# test folders CASCADE_SANITIZER_SCOPE matches (a regex on the path below the source root; set
# before the tests are added); their cases carry the label `unit-sanitizer`. The ASan + UBSan pass of
# `make check` builds and runs only these: the code that parses untrusted input (scan specs,
# tokens, configs, HDF5 files) and the concurrent service (coordinator), which keeps the pass
# inside CI's budget. Call once, after every test was added.
function(cascade_sanitizer_scope)
  get_property(targets GLOBAL PROPERTY CASCADE_SANITIZER_TARGETS)
  add_custom_target(sanitizer_scope DEPENDS ${targets})
endfunction()
