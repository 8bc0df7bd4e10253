# ctest -P script: `cascade simulate` with 1 and 2 threads must write byte-identical files.
# Variables: CASCADE (binary), WORK (scratch directory).
file(REMOVE_RECURSE ${WORK})
foreach(threads 1 2)
  execute_process(
    COMMAND ${CASCADE} simulate --events 40 --files 2 --seed 9 --energy 2:500
            --threads ${threads} --out ${WORK}/t${threads} --no-progress
    RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cascade simulate --threads ${threads} exited ${rc}")
  endif()
endforeach()
foreach(f EleEscan_0.h5 EleEscan_1.h5)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/t1/${f} ${WORK}/t2/${f}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${f} differs between 1 and 2 threads")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
