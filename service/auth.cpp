// See auth.hpp.
#include "service/auth.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "aws/crypto.hpp"

namespace service {
namespace {

std::optional<Role> parse_role(const std::string& word) {
    if (word == "viewer") return Role::viewer;
    if (word == "deployer") return Role::deployer;
    if (word == "approver") return Role::approver;
    return std::nullopt;
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        std::size_t got = 0;
        while (got < n) {
            const auto r = ::read(fd, out.data() + got, n - got);
            if (r <= 0) break;
            got += static_cast<std::size_t>(r);
        }
        ::close(fd);
    }
    return out;
}

// "http://host:port" of a URL, or "".
std::string origin_of(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return "";
    const auto path = url.find('/', scheme + 3);
    return url.substr(0, path);
}

}  // namespace

std::string_view to_string(Role role) {
    switch (role) {
        case Role::viewer:
            return "viewer";
        case Role::deployer:
            return "deployer";
        case Role::approver:
            return "approver";
        case Role::none:
            break;
    }
    return "none";
}

common::Result<Access> Access::load(const std::string& token_file, bool trust_alb,
                                    const std::string& secret_material) {
    Access a;
    a.m_trust_alb = trust_alb;
    std::string material = secret_material;
    if (!token_file.empty()) {
        std::ifstream in(token_file);
        if (!in)
            return common::fail(common::ErrorCode::input,
                                "cannot read API token file " + token_file);
        int number = 0;
        for (std::string line; std::getline(in, line);) {
            ++number;
            material += line + "\n";
            std::istringstream words(line);
            std::string token, role, identity, extra;
            words >> token >> role >> identity >> extra;
            if (token.empty() || token.starts_with("#")) continue;
            const std::string where = token_file + ":" + std::to_string(number);
            auto r = role.empty() ? std::optional(Role::viewer) : parse_role(role);
            if (!r || !extra.empty())
                return common::fail(common::ErrorCode::input,
                                    where + ": expected TOKEN [viewer|deployer|approver IDENTITY]");
            if (token.starts_with("oidc:")) {
                a.m_oidc_roles[token.substr(5)] = *r;
                continue;
            }
            if (!role.empty() && identity.empty())
                return common::fail(common::ErrorCode::input,
                                    where + ": a token with a role needs an identity");
            a.m_tokens[token] = {"web:" + (identity.empty() ? std::string("token") : identity), *r,
                                 true};
        }
        if (a.m_tokens.empty() && a.m_oidc_roles.empty())
            return common::fail(common::ErrorCode::input,
                                "API token file " + token_file + " is empty");
    }
    a.m_key = material.empty() ? random_bytes(32) : aws::sha256("slipway csrf\n" + material);
    return a;
}

Identity Access::identify(const std::string& authorization,
                          const std::string& oidc_identity) const {
    if (!required()) return {"", Role::viewer, false};
    if (authorization.starts_with("Bearer ")) {
        const std::string given = authorization.substr(7);
        for (const auto& [token, who] : m_tokens) {
            if (aws::equal_in_constant_time(given, token)) return who;
        }
        return {};
    }
    if (m_trust_alb && !oidc_identity.empty()) {
        auto it = m_oidc_roles.find(oidc_identity);
        return {"oidc:" + oidc_identity, it == m_oidc_roles.end() ? Role::viewer : it->second,
                false};
    }
    return {};
}

std::string Access::csrf_token(const Identity& who) const {
    return aws::to_hex(aws::hmac_sha256(m_key, "csrf\n" + who.actor));
}

std::string Access::refuse_write(const Identity& who, const std::string& origin,
                                 const std::string& referer, const std::string& host,
                                 const std::string& csrf) const {
    const std::string from = !origin.empty() ? origin : origin_of(referer);
    if (from.empty()) {
        // Not a browser: only a bearer token, which no cross-site page can send.
        return who.bearer ? "" : "a write without Origin needs a bearer token";
    }
    if (from != "http://" + host && from != "https://" + host)
        return "cross-origin write refused (" + from + " is not " + host + ")";
    if (!aws::equal_in_constant_time(csrf, csrf_token(who)))
        return "missing or wrong CSRF token (X-CSRF-Token, from GET /api/me)";
    return "";
}

}  // namespace service
