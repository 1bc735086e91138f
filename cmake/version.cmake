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
