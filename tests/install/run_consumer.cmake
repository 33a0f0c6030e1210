# Builds and runs the consumer project in one of two modes (a CTest step):
#   -DMODE=install   cmake --install gale into a prefix, then find_package
#   -DMODE=subdir    add_subdirectory on gale's source tree
# Inputs: GALE_BINARY_DIR, GALE_SOURCE_DIR, WORK_DIR, CXX_FLAGS, GENERATOR.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(consumer_args -S "${GALE_SOURCE_DIR}/tests/install/consumer" -B "${WORK_DIR}/build"
    -G "${GENERATOR}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" -DCMAKE_BUILD_TYPE=Release)
if(MODE STREQUAL "install")
  run(${CMAKE_COMMAND} --install "${GALE_BINARY_DIR}" --prefix "${WORK_DIR}/prefix")
  run(${CMAKE_COMMAND} ${consumer_args} "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
else()
  run(${CMAKE_COMMAND} ${consumer_args} "-DGALE_SOURCE_DIR=${GALE_SOURCE_DIR}"
      -DGALE_BUILD_TESTS=OFF -DGALE_BUILD_EXAMPLES=OFF -DGALE_BUILD_BENCHMARKS=OFF)
endif()
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer")
if(NOT last_output MATCHES "consumer ok")
  message(FATAL_ERROR "unexpected consumer output: ${last_output}")
endif()
message(STATUS "${last_output}")
