# cmake --install support: headers, static libraries, and a package config
# so that find_package(gale) gives gale::gale (and gale::io, gale::actors).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GALE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/gale")

install(TARGETS gale gale_protocols gale_io gale_actors EXPORT galeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY protocols/include/ io/include/ actors/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT galeTargets NAMESPACE gale:: DESTINATION ${GALE_CMAKE_DIR})

configure_package_config_file(cmake/galeConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/galeConfig.cmake"
  INSTALL_DESTINATION ${GALE_CMAKE_DIR})
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/galeConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/galeConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/galeConfigVersion.cmake"
  cmake/FindCAF.cmake
  cmake/FindAsio.cmake
  DESTINATION ${GALE_CMAKE_DIR})
