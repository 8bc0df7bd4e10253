# `make package`: one Debian package with the three binaries, the systemd unit, example configs,
# Slurm templates and the docs (docs/operations.md). Runtime dependencies come from
# dpkg-shlibdeps on the binaries, i.e. exactly the Debian 12 libraries they link.
install(FILES deploy/systemd/cascade-coordinator.service DESTINATION lib/systemd/system)
install(FILES deploy/examples/coordinator.yaml deploy/examples/scan.yaml
        DESTINATION share/doc/cascade/examples)
install(DIRECTORY deploy/slurm/ DESTINATION share/cascade/slurm
        FILES_MATCHING PATTERN "*.sbatch" PATTERN "*.sh")
install(DIRECTORY docs/ DESTINATION share/doc/cascade FILES_MATCHING PATTERN "*.md")
install(DIRECTORY deploy/grafana/ DESTINATION share/cascade/grafana OPTIONAL)
install(FILES README.md DESTINATION share/doc/cascade)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cascade)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "Cascade maintainers <cascade@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "3DGAN calorimeter-shower training and hyperparameter scans on CPU clusters")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/deploy/debian/postinst)
set(CPACK_STRIP_FILES ON)
include(CPack)
