# Warnings, sanitizers and compiler caching for gale's own targets.

find_program(GALE_CCACHE ccache)
if(GALE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${GALE_CCACHE}")
endif()

# gale_target_defaults(<target>): warnings for code we write. CAF's and
# Asio's headers come in as system headers and stay quiet.
function(gale_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(GALE_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(GALE_BUILD_FUZZERS)
  # Coverage feedback for libFuzzer in every library the targets link.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(GALE_SANITIZE)
  add_compile_options(-fsanitize=${GALE_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${GALE_SANITIZE})
  # UBSan findings halt the run through UBSAN_OPTIONS=halt_on_error=1 (see
  # the asan test preset); compiling them as non-recoverable would also make
  # them impossible to suppress.
  if(GALE_SANITIZE MATCHES "thread")
    # g++ 12 cannot instrument atomic_thread_fence; Asio's fenced blocks
    # would warn on every TU.
    add_compile_definitions(ASIO_DISABLE_FENCED_BLOCK)
  endif()
endif()

# gale_add_library(<layer> <sources>...): the static library gale_<layer>,
# aliased and exported as gale::<layer>, with its headers in <layer>/include.
function(gale_add_library layer)
  add_library(gale_${layer} STATIC ${ARGN})
  add_library(gale::${layer} ALIAS gale_${layer})
  set_target_properties(gale_${layer} PROPERTIES
    EXPORT_NAME ${layer} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(gale_${layer} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(gale_${layer} PUBLIC cxx_std_20)
  gale_target_defaults(gale_${layer})
endfunction()
