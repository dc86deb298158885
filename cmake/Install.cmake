# Installation: headers, library, CMake package (find_package(crm) -> crm::crm)
# and pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS crm EXPORT crmTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/capi/crm.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(EXISTS ${PROJECT_SOURCE_DIR}/include/crm)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/crm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(EXPORT crmTargets NAMESPACE crm:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/crm)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/crmConfig.cmake.in
  ${PROJECT_BINARY_DIR}/crmConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/crm)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/crmConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/crmConfig.cmake ${PROJECT_BINARY_DIR}/crmConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/crm)
# A relocatable .pc: the prefix is found from the file's own location, so an
# installed tree still works after it is moved (or installed with --prefix).
file(RELATIVE_PATH CRM_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" CRM_PC_TO_PREFIX "${CRM_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/crm.pc.in ${PROJECT_BINARY_DIR}/crm.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/crm.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
