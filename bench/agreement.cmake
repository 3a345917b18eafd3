# ctest bench_batch_agreement and bench_threads_agreement: gen_residents'
# records through hand_batch (the pack's outputs computed by hand) and
# through `kigen eval` must give byte-identical CSV — with the default
# threads, or (THREADS=1,2,3) with each thread count in turn, each the
# same bytes: the records go through many blocks of 512, so a block written
# out of order, twice or not at all changes the output. bench/batch.sh times
# the same job.
#   cmake -DGEN=... -DHAND=... -DKIGEN=... -DRULES=... -DDIR=... [-DN=20000] [-DTHREADS=1,2,3] -P agreement.cmake
foreach(v GEN HAND KIGEN RULES DIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "agreement.cmake: -D${v}=... is required")
  endif()
endforeach()
if(NOT DEFINED N)
  set(N 20000)
endif()
if(NOT DEFINED THREADS)
  set(THREADS default)
endif()
string(REPLACE "," ";" THREADS "${THREADS}")
set(TODAY 2026-11-30)
file(MAKE_DIRECTORY ${DIR})
set(in ${DIR}/residents.csv)

execute_process(COMMAND ${GEN} ${N} ${TODAY} OUTPUT_FILE ${in} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen_residents failed: ${rc}")
endif()
execute_process(COMMAND ${HAND} --today ${TODAY} ${in} OUTPUT_FILE ${DIR}/hand.csv RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hand_batch failed: ${rc}")
endif()
foreach(n ${THREADS})
  set(opt)
  if(NOT n STREQUAL default)
    set(opt --threads ${n})
  endif()
  execute_process(COMMAND ${KIGEN} eval --rules ${RULES} --today ${TODAY} --passthrough id --input ${in} ${opt}
                  OUTPUT_FILE ${DIR}/kigen-${n}.csv ERROR_FILE ${DIR}/kigen-${n}.err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "kigen eval ${opt} failed (exit ${rc}, see ${DIR}/kigen-${n}.err): "
                        "every generated record must evaluate")
  endif()
  file(SIZE ${DIR}/kigen-${n}.err size)
  if(NOT size EQUAL 0)
    message(FATAL_ERROR "kigen eval ${opt} wrote to stderr (see ${DIR}/kigen-${n}.err)")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DIR}/hand.csv ${DIR}/kigen-${n}.csv RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "on ${N} records, kigen eval ${opt} differs from hand_batch: "
                        "see ${DIR}/hand.csv and ${DIR}/kigen-${n}.csv")
  endif()
  file(REMOVE ${DIR}/kigen-${n}.csv ${DIR}/kigen-${n}.err)
endforeach()
file(REMOVE ${in} ${DIR}/hand.csv)
message(STATUS "on ${N} records, kigen eval (threads: ${THREADS}) writes hand_batch's bytes")
