// The CA certificates a fetch over HTTPS trusts, chosen as git users expect.
//
// Debian's libgit2 1.5 (mbedTLS) reads none of git's or OpenSSL's CA settings: at
// initialisation it loads its compile-time default bundle, and only
// GIT_OPT_SET_SSL_CERT_LOCATIONS changes that (it replaces the whole CA chain). slipway's
// link skips that initial load (diff/repository.cpp), so a fetch loads the CAs here, in
// this order, each setting replacing everything after it, as curl's CAINFO does for git:
//   1. GIT_SSL_CAINFO (file) and GIT_SSL_CAPATH (folder), each else the repository's
//      http.sslCAInfo / http.sslCAPath (git's config levels, read with libgit2);
//   2. when neither names anything: SSL_CERT_FILE / SSL_CERT_DIR (OpenSSL's variables);
//   3. else the system bundle, /etc/ssl/certs/ca-certificates.crt.
// A file or folder the user named that cannot be read or parsed is an input error naming
// it and where it came from: never a silent fall back to another set. Verification is
// never turned off (http.sslVerify and GIT_SSL_NO_VERIFY are not read).
//
// The CA chain is one global of libgit2, so a change of the set waits until no fetch is
// using the current one: fetches hold a shared lock; a reload takes it exclusively.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "diff/certificates.hpp"
#include "diff/git_handles.hpp"

namespace diff::detail {
namespace {

using common::ErrorCode;

constexpr const char* k_system_bundle = "/etc/ssl/certs/ca-certificates.crt";

std::string env_value(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// A path setting of git's configuration ("" when unset); ~ expanded as git does.
common::Result<std::string> config_path(git_config* config, const char* key) {
    git_buf buf = GIT_BUF_INIT;
    const int rc = git_config_get_path(&buf, config, key);
    if (rc == GIT_ENOTFOUND) return std::string();
    if (rc != 0) return git_failure("reading " + std::string(key));
    std::string out(buf.ptr, buf.size);
    git_buf_dispose(&buf);
    return out;
}

// An input error unless `path` is a readable file (or folder, `dir`).
common::Result<void> check_readable(const CaLocation& at, bool dir) {
    struct stat st {};
    const char* kind = dir ? "CA folder " : "CA file ";
    const auto failure = [&](const std::string& why) {
        return common::fail(ErrorCode::input, "cannot read " + std::string(kind) + at.path + " (" +
                                                  at.source + "): " + why);
    };
    if (::stat(at.path.c_str(), &st) != 0) return failure(std::strerror(errno));
    if (dir && !S_ISDIR(st.st_mode)) return failure("not a folder");
    if (!dir && !S_ISREG(st.st_mode)) return failure("not a file");
    if (::access(at.path.c_str(), dir ? (R_OK | X_OK) : R_OK) != 0)
        return failure(std::strerror(errno));
    return {};
}

std::shared_mutex g_mutex;
// What libgit2 holds now: nothing where initialisation skipped the load (wrapped), else
// its default bundle.
std::optional<CaLocations> g_loaded;
bool g_initial_known = false;

bool same(const CaLocations& a, const CaLocations& b) {
    return a.file.path == b.file.path && a.dir.path == b.dir.path;
}

common::Result<void> load(const CaLocations& want) {
    const char* file = want.file.path.empty() ? nullptr : want.file.path.c_str();
    const char* dir = want.dir.path.empty() ? nullptr : want.dir.path.c_str();
    if (git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, dir) == 0) return {};
    const CaLocation& named = file ? want.file : want.dir;
    return common::fail(ErrorCode::input, "loading CA certificates from " + named.path + " (" +
                                              named.source + "): " + last_git_error());
}

// SSL_CERT_DIR is a list of folders separated by ':', as OpenSSL reads it; mbedTLS takes one:
// the first that is a folder (else the first named, so that the error names it).
std::string first_directory(const std::string& list) {
    std::string first;
    for (std::size_t at = 0; at <= list.size();) {
        const auto end = std::min(list.find(':', at), list.size());
        const std::string dir = list.substr(at, end - at);
        struct stat st {};
        if (!dir.empty() && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return dir;
        if (first.empty()) first = dir;
        at = end + 1;
    }
    return first;
}

}  // namespace

CaLocations choose_ca_locations(const std::function<std::string(const char*)>& env,
                                const std::function<std::string(const char*)>& config) {
    CaLocations out;
    const auto pick = [](CaLocation& slot, const std::string& value, const char* source) {
        if (slot.path.empty() && !value.empty()) slot = {value, source};
    };
    // A folder alone keeps the default bundle beside it, as git (libcurl) does, where there is one.
    const auto with_bundle = [](CaLocations found) {
        if (found.file.path.empty() && ::access(k_system_bundle, R_OK) == 0)
            found.file = {k_system_bundle, "the system CA bundle"};
        return found;
    };
    pick(out.file, env("GIT_SSL_CAINFO"), "GIT_SSL_CAINFO");
    pick(out.dir, env("GIT_SSL_CAPATH"), "GIT_SSL_CAPATH");
    pick(out.file, config("http.sslCAInfo"), "git config http.sslCAInfo");
    pick(out.dir, config("http.sslCAPath"), "git config http.sslCAPath");
    if (!out.file.path.empty() || !out.dir.path.empty()) return with_bundle(out);
    pick(out.file, env("SSL_CERT_FILE"), "SSL_CERT_FILE");
    pick(out.dir, first_directory(env("SSL_CERT_DIR")), "SSL_CERT_DIR");
    if (!out.file.path.empty() || !out.dir.path.empty()) return with_bundle(out);
    out.file = {k_system_bundle, "the system CA bundle"};
    return out;
}

common::Result<CaLocations> ca_locations(git_repository* repo) {
    git_config* raw = nullptr;
    if (git_repository_config_snapshot(&raw, repo) != 0)
        return git_failure("reading the repository's configuration");
    ConfigHandle config(raw);
    std::optional<common::Error> config_error;
    const auto from_config = [&](const char* key) {
        auto v = config_path(config.get(), key);
        if (!v && !config_error) config_error = v.error();
        return v ? *v : std::string();
    };
    CaLocations out = choose_ca_locations(env_value, from_config);
    if (config_error) return std::unexpected(*config_error);
    if (!out.file.path.empty())
        if (auto ok = check_readable(out.file, false); !ok) return std::unexpected(ok.error());
    if (!out.dir.path.empty())
        if (auto ok = check_readable(out.dir, true); !ok) return std::unexpected(ok.error());
    return out;
}

common::Result<std::shared_lock<std::shared_mutex>> use_certificates(git_repository* repo) {
    auto want = ca_locations(repo);
    if (!want) return std::unexpected(want.error());
    for (;;) {
        std::shared_lock shared(g_mutex);
        if (g_initial_known && g_loaded && same(*g_loaded, *want)) return shared;
        shared.unlock();
        std::unique_lock exclusive(g_mutex);
        if (!g_initial_known) {
            // Without the wrap, initialisation loaded libgit2's default (the system bundle).
            if (!ca_loaders_wrapped()) g_loaded = CaLocations{{k_system_bundle, ""}, {}};
            g_initial_known = true;
        }
        if (g_loaded && same(*g_loaded, *want)) continue;
        if (auto ok = load(*want); !ok) return std::unexpected(ok.error());
        g_loaded = *want;
    }
}

}  // namespace diff::detail
