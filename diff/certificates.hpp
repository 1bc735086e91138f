#pragma once
// Internal to the diff library (and its tests): the CA certificates a fetch over HTTPS
// trusts, chosen from git's and OpenSSL's settings (order and reasons in certificates.cpp).
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "common/error.hpp"

struct git_repository;

namespace diff::detail {

struct CaLocation {
    std::string path;    // "" when not set
    std::string source;  // the variable or config key that named it, for errors
};

struct CaLocations {
    CaLocation file;  // a PEM bundle
    CaLocation dir;   // a folder of certificates
};

/// The CA file and folder to trust, from `env(name)` and `config(key)` ("" when unset):
/// GIT_SSL_CAINFO/GIT_SSL_CAPATH, each else http.sslCAInfo/http.sslCAPath; else
/// SSL_CERT_FILE/SSL_CERT_DIR; else the system bundle. Pure.
CaLocations choose_ca_locations(const std::function<std::string(const char*)>& env,
                                const std::function<std::string(const char*)>& config);

/// choose_ca_locations over the process environment and `repo`'s configuration (all of
/// git's levels), each chosen path checked. Errors: input naming the unreadable file or
/// folder and its variable or key; external when the configuration cannot be read.
common::Result<CaLocations> ca_locations(git_repository* repo);

/// Makes libgit2 trust ca_locations(repo), loading them when they differ from what it
/// holds; the lock keeps them loaded: hold it for the whole network operation. Errors: as
/// ca_locations, and input naming the file when mbedTLS cannot parse it.
common::Result<std::shared_lock<std::shared_mutex>> use_certificates(git_repository* repo);

/// Whether the link wraps mbedTLS's CA loaders, so that initialisation loaded no CAs
/// (diff/repository.cpp).
bool ca_loaders_wrapped();

}  // namespace diff::detail
