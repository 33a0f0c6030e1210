# FindCAF: locates the C++ Actor Framework 0.17 (Debian: libcaf-dev).
#
# Debian ships no CMake package configuration for CAF, so this module finds
# the headers and libraries itself and defines IMPORTED targets:
#   CAF::core  CAF::io  CAF::openssl (when COMPONENTS openssl is requested)
# Set CAF_ROOT to prefer another installation (the TSan build uses a CAF
# compiled with -fsanitize=thread, see .ci/build-caf-tsan).
include(FindPackageHandleStandardArgs)

set(_caf_hints)
if(CAF_ROOT)
  set(_caf_hints HINTS "${CAF_ROOT}" NO_DEFAULT_PATH)
endif()

find_path(CAF_INCLUDE_DIR caf/config.hpp PATH_SUFFIXES include ${_caf_hints})
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line
       REGEX "^#define CAF_VERSION [0-9]+")
  string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _caf_v "${_caf_version_line}")
  if(_caf_v)
    math(EXPR _caf_major "${_caf_v} / 10000")
    math(EXPR _caf_minor "(${_caf_v} / 100) % 100")
    math(EXPR _caf_patch "${_caf_v} % 100")
    set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
  endif()
endif()

set(_caf_required_vars CAF_INCLUDE_DIR)
foreach(_comp core io ${CAF_FIND_COMPONENTS})
  if(NOT _comp MATCHES "^(core|io|openssl)$")
    message(FATAL_ERROR "FindCAF: unknown component '${_comp}'")
  endif()
  string(TOUPPER "${_comp}" _up)
  find_library(CAF_${_up}_LIBRARY NAMES caf_${_comp}
               PATH_SUFFIXES lib lib64 ${_caf_hints})
  list(APPEND _caf_required_vars CAF_${_up}_LIBRARY)
  if(CAF_${_up}_LIBRARY)
    set(CAF_${_comp}_FOUND TRUE)
  endif()
endforeach()
list(REMOVE_DUPLICATES _caf_required_vars)

find_package_handle_standard_args(CAF
  REQUIRED_VARS ${_caf_required_vars}
  VERSION_VAR CAF_VERSION
  HANDLE_COMPONENTS
  FAIL_MESSAGE "CAF 0.17 not found: on Debian 12 run 'apt-get install libcaf-dev' (or set CAF_ROOT)")

if(CAF_FOUND AND CAF_VERSION AND NOT CAF_VERSION VERSION_LESS 0.18)
  message(FATAL_ERROR "gale needs CAF 0.17.x, found ${CAF_VERSION} in ${CAF_INCLUDE_DIR}")
endif()

if(CAF_FOUND)
  find_package(Threads REQUIRED)
  foreach(_comp core io openssl)
    string(TOUPPER "${_comp}" _up)
    if(CAF_${_up}_LIBRARY AND NOT TARGET CAF::${_comp})
      add_library(CAF::${_comp} SHARED IMPORTED)
      # IMPORTED include directories are system directories: CAF's own C++20
      # deprecation warnings do not reach our -Werror build.
      set_target_properties(CAF::${_comp} PROPERTIES
        IMPORTED_LOCATION "${CAF_${_up}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}")
    endif()
  endforeach()
  set_property(TARGET CAF::core APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
  set_property(TARGET CAF::io APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::core)
  if(TARGET CAF::openssl)
    set_property(TARGET CAF::openssl APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::io)
  endif()
endif()
mark_as_advanced(CAF_INCLUDE_DIR CAF_CORE_LIBRARY CAF_IO_LIBRARY CAF_OPENSSL_LIBRARY)
