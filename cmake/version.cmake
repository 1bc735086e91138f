# The version is set once, in project(VERSION) of the top CMakeLists.txt. The commit it is
# built from is read with git at every build (not only at configure time, so a build after a
# new commit names it) by cmake/write_version.cmake into generated/slipway_version.hpp, which
# that script rewrites only when its text changes: only main.cpp includes it, so a commit
# costs one recompile. Outside a git checkout (a source tarball) the commit is "unknown";
# -DSLIPWAY_COMMIT=... overrides it (for builds from an exported tree).
set(SLIPWAY_COMMIT "" CACHE STRING "commit shown by --version (default: git rev-parse HEAD at build time)")
set(SLIPWAY_VERSION_HEADER ${PROJECT_BINARY_DIR}/generated/slipway_version.hpp)
add_custom_target(slipway_version
  BYPRODUCTS ${SLIPWAY_VERSION_HEADER}
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${SLIPWAY_VERSION_HEADER}
          -DVERSION=${PROJECT_VERSION} -DCOMMIT=${SLIPWAY_COMMIT}
          -P ${PROJECT_SOURCE_DIR}/cmake/write_version.cmake
  VERBATIM)

# The package's version: the project's with the Debian release the build machine runs
# (/etc/debian_version, e.g. 12.11), as the statically linked libraries are that release's:
# 0.2.0+deb12.11. A rebuild for a Debian security update between point releases raises the
# revision instead: -DSLIPWAY_PACKAGE_REVISION=1 gives 0.2.0+deb12.11-1 (README, "Install").
set(SLIPWAY_DEBIAN_RELEASE unknown)
if(EXISTS /etc/debian_version)
  file(STRINGS /etc/debian_version SLIPWAY_DEBIAN_RELEASE LIMIT_COUNT 1)
endif()
set(SLIPWAY_PACKAGE_REVISION "" CACHE STRING "the .deb's revision after +deb<release> (a security rebuild)")
set(SLIPWAY_PACKAGE_VERSION ${PROJECT_VERSION})
if(SLIPWAY_DEBIAN_RELEASE MATCHES "^[0-9]+(\\.[0-9]+)*$")
  string(APPEND SLIPWAY_PACKAGE_VERSION "+deb${SLIPWAY_DEBIAN_RELEASE}")
endif()
if(SLIPWAY_PACKAGE_REVISION)
  string(APPEND SLIPWAY_PACKAGE_VERSION "-${SLIPWAY_PACKAGE_REVISION}")
endif()
