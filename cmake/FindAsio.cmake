# FindAsio: standalone Asio (Debian: libasio-dev), as the IMPORTED target
# Asio::asio with ASIO_STANDALONE defined.
include(FindPackageHandleStandardArgs)
find_path(ASIO_INCLUDE_DIR asio/version.hpp)
if(ASIO_INCLUDE_DIR)
  file(STRINGS "${ASIO_INCLUDE_DIR}/asio/version.hpp" _asio_line
       REGEX "^#define ASIO_VERSION [0-9]+")
  string(REGEX REPLACE "^#define ASIO_VERSION ([0-9]+).*" "\\1" _asio_v "${_asio_line}")
  math(EXPR _asio_major "${_asio_v} / 100000")
  math(EXPR _asio_minor "(${_asio_v} / 100) % 1000")
  math(EXPR _asio_patch "${_asio_v} % 100")
  set(Asio_VERSION "${_asio_major}.${_asio_minor}.${_asio_patch}")
endif()
find_package_handle_standard_args(Asio
  REQUIRED_VARS ASIO_INCLUDE_DIR
  VERSION_VAR Asio_VERSION
  FAIL_MESSAGE "standalone Asio not found: on Debian 12 run 'apt-get install libasio-dev'")
if(Asio_FOUND AND NOT TARGET Asio::asio)
  find_package(Threads REQUIRED)
  add_library(Asio::asio INTERFACE IMPORTED)
  set_target_properties(Asio::asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${ASIO_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS ASIO_STANDALONE
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
mark_as_advanced(ASIO_INCLUDE_DIR)
