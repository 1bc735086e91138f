# Every third-party dependency is found once, here, and exposed as an imported target.
#
# Start-up: every shared library costs every run of slipway time in the dynamic loader
# (opening, mapping, relocating, running its initialisers). slipway used to load 48 of them
# for `slipway --version`: libcurl alone brings ~30 (Kerberos, LDAP, RTMP, GnuTLS, which
# parses its ASN.1 tables as it loads). So (bench/README.md, "Start-up"):
#  - libcurl is not linked; net/http_client.cpp opens it on the first HTTP request;
#  - the libraries Debian also ships as static archives, with everything they need, are
#    linked from those: libgit2 (with mbedTLS, libssh2, http-parser, PCRE2, zlib), SQLite,
#    libyaml, pugixml and OpenSSL's libcrypto. Symbols of static archives are never exported
#    (--exclude-libs), so the libcrypto that libcurl loads later cannot bind to ours.
#  - spdlog and fmt are used header-only (their imported targets are switched here, so every
#    target that links them agrees), and --as-needed drops the shared libraries nobody calls.
#  - libgit2's GSSAPI (Kerberos has no static archive: six shared libraries) is opened on
#    first use by diff/gssapi_loader.cpp, and cpp-httplib (with a second, shared OpenSSL that
#    initialises before main) is linked only into slipway-serve (cli/CMakeLists.txt).
# What stays shared: oneTBB (in the parallel module, components/parallel_module.hpp), and
# libstdc++ for slipway-serve and the module. SLIPWAY_STATIC_DEPS=OFF links everything shared.
option(SLIPWAY_STATIC_DEPS "link the static archives of libgit2, sqlite3, libyaml, pugixml, libcrypto" ON)
# slipway itself links libstdc++ and libgcc's unwinder from GCC's static archives: loading the
# shared libstdc++ was 1.7 M of the 3.0 M instructions of `slipway --version` (bench/README,
# issue 31). Off under the sanitizers, whose runtimes need the shared one.
option(SLIPWAY_STATIC_LIBSTDCXX "link libstdc++ and libgcc into slipway statically" ON)
if(SLIPWAY_SANITIZE OR NOT SLIPWAY_STATIC_DEPS)
  set(SLIPWAY_STATIC_LIBSTDCXX OFF)
endif()

find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# The service compresses its answers itself (service/encoding.hpp says why).
pkg_check_modules(BROTLIENC REQUIRED IMPORTED_TARGET libbrotlienc)
find_package(ZLIB REQUIRED)
pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(TBB REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(pugixml REQUIRED)
find_package(RapidJSON REQUIRED)
# Generates the man page and shell completions (packaging/cli_docs.py).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
if(NOT TARGET rapidjson)
  add_library(rapidjson INTERFACE IMPORTED)
  set_target_properties(rapidjson PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIRS}")
endif()

# libcurl's headers only (the library is opened at run time).
add_library(slipway_curl_headers INTERFACE)
target_include_directories(slipway_curl_headers INTERFACE ${CURL_INCLUDE_DIRS})
target_link_libraries(slipway_curl_headers INTERFACE ${CMAKE_DL_LIBS})

# The full paths of lib<name>.a for each name, or "" when one is missing.
function(slipway_static_archives out)
  set(paths)
  foreach(name IN LISTS ARGN)
    find_library(SLIPWAY_ARCHIVE_${name} NAMES lib${name}.a)
    if(NOT SLIPWAY_ARCHIVE_${name})
      set(${out} "" PARENT_SCOPE)
      return()
    endif()
    list(APPEND paths ${SLIPWAY_ARCHIVE_${name}})
  endforeach()
  set(${out} ${paths} PARENT_SCOPE)
endfunction()

if(SLIPWAY_STATIC_DEPS)
  # libgit2's pkg-config file omits GSSAPI and libssh2's own needs; listed here by hand.
  slipway_static_archives(git2_archives git2 mbedtls mbedx509 mbedcrypto http_parser ssh2
                          gpg-error pcre2-8 z)
  # Its GSSAPI calls are answered by diff/gssapi_loader.cpp, which opens libgssapi_krb5 on
  # first use (SLIPWAY_GIT2_STATIC tells diff/ to build it in).
  if(git2_archives)
    set(SLIPWAY_GIT2_STATIC ON)
    set_target_properties(PkgConfig::LIBGIT2 PROPERTIES INTERFACE_LINK_LIBRARIES
      "${git2_archives};OpenSSL::Crypto;${CMAKE_DL_LIBS};rt;pthread")
    # libgit2's initialisation parses the system CA bundle (10-15 ms) for network code
    # slipway never runs; diff/repository.cpp wraps mbedTLS's two loaders, which libgit2's
    # archive calls across objects (a wrap of libgit2's own git_mbedtls__set_cert_location
    # would miss the call made inside its object file). Only where this archive calls them
    # (a libgit2 built with mbedTLS).
    list(GET git2_archives 0 git2_archive)
    execute_process(COMMAND ${CMAKE_NM} -g ${git2_archive} OUTPUT_VARIABLE git2_symbols ERROR_QUIET)
    if(git2_symbols MATCHES " U mbedtls_x509_crt_parse_file\n")
      target_link_options(slipway_settings INTERFACE "LINKER:--wrap=mbedtls_x509_crt_parse_file"
                          "LINKER:--wrap=mbedtls_x509_crt_parse_path")
    endif()
  endif()
  # zlib (the zip writer, deploy/zip.cpp) from the same archive libgit2 uses.
  slipway_static_archives(zlib_archive z)
  if(zlib_archive)
    set_target_properties(ZLIB::ZLIB PROPERTIES IMPORTED_LOCATION "${zlib_archive}")
  endif()
  slipway_static_archives(yaml_archive yaml)
  if(yaml_archive)
    set_target_properties(PkgConfig::LIBYAML PROPERTIES INTERFACE_LINK_LIBRARIES "${yaml_archive}")
  endif()
  slipway_static_archives(sqlite_archive sqlite3)
  if(sqlite_archive)
    set_target_properties(SQLite::SQLite3 PROPERTIES IMPORTED_LOCATION "${sqlite_archive}"
      INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS};pthread;m")
  endif()
  if(TARGET pugixml::static)
    set_target_properties(pugixml::pugixml PROPERTIES INTERFACE_LINK_LIBRARIES pugixml::static)
  endif()
  slipway_static_archives(crypto_archive crypto)
  if(crypto_archive)
    set_target_properties(OpenSSL::Crypto PROPERTIES IMPORTED_LOCATION "${crypto_archive}")
    set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS};pthread")
  endif()
  target_link_options(slipway_settings INTERFACE "LINKER:--exclude-libs,ALL")
  set_target_properties(fmt::fmt PROPERTIES INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY=1")
  set_target_properties(spdlog::spdlog PROPERTIES INTERFACE_COMPILE_DEFINITIONS "SPDLOG_FMT_EXTERNAL")
endif()
# Only the libraries a binary really calls become its dependencies.
target_link_options(slipway_settings INTERFACE "LINKER:--as-needed" "LINKER:-O1")

if(SLIPWAY_BUILD_TESTS)
  find_package(GTest REQUIRED)
  pkg_check_modules(BROTLIDEC REQUIRED IMPORTED_TARGET libbrotlidec)
endif()
if(SLIPWAY_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
