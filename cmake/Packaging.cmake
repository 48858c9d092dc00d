# What `cmake --install` places and how `cpack` turns it into a Debian package
# (docs/packaging.md). CPack's DEB generator rather than a debian/ directory: the build is
# already CMake, the package needs no build-time tooling beyond dpkg-dev (dpkg-shlibdeps computes
# Depends: from the binaries), and one set of install rules serves both `cmake --install` and the
# package.
include(GNUInstallDirs)

# ibsr loads BPF and needs capabilities: a system program. The report and the exporter run
# unprivileged (the exporter as the ibsr user under its unit).
install(TARGETS ibsr RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS ibsr-report ibsr-export RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(_pkg ${PROJECT_SOURCE_DIR}/packaging)
# Debian keeps units, sysusers and tmpfiles under /lib and /usr/lib; configuration under /etc,
# whatever the prefix.
install(FILES ${_pkg}/systemd/ibsr-collect@.service ${_pkg}/systemd/ibsr-collect-payload@.service
              ${_pkg}/systemd/ibsr-record-incident@.service ${_pkg}/systemd/ibsr-export.service
              ${_pkg}/systemd/ibsr-export.timer
        DESTINATION /lib/systemd/system)
install(FILES ${_pkg}/sysusers.d/ibsr.conf DESTINATION /usr/lib/sysusers.d)
install(FILES ${_pkg}/tmpfiles.d/ibsr.conf DESTINATION /usr/lib/tmpfiles.d)
install(FILES ${_pkg}/etc/collect.env ${_pkg}/etc/collect-payload.env
              ${_pkg}/etc/record-incident.env
        DESTINATION /etc/ibsr)
# It may hold credentials.
install(FILES ${_pkg}/etc/export.env DESTINATION /etc/ibsr PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES ${_pkg}/logrotate.d/ibsr DESTINATION /etc/logrotate.d)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${_pkg}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ibsr)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "IBSR maintainers <ibsr@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Inline Block Simulation Report: shadow-mode eBPF traffic observer")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Counts per-source TCP behaviour with XDP and TC programs that only ever pass traffic,\n\
writes hourly artefacts, ships them to S3 and reports what a conservative inline block rule\n\
would have done. Runs as per-interface systemd services under the unprivileged ibsr user.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# systemd-sysusers and systemd-tmpfiles create the user and the directories in postinst.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus-node-exporter")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_pkg}/debian/conffiles ${_pkg}/debian/postinst ${_pkg}/debian/prerm
    ${_pkg}/debian/postrm)
include(CPack)
