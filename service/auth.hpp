#pragma once
// Who is asking, and may they: the identities and roles of the service's callers, and the
// cross-site checks of every write. docs/api.md, "Authentication and roles".
//
// Identities come from the token file (--api-token-file: one `TOKEN ROLE IDENTITY` a line; a
// line with a token alone is the file's older form, a `viewer` named "token") sent as
// `Authorization: Bearer TOKEN`, or, with --trust-alb-identity, from the
// `x-amzn-oidc-identity` header an ALB's OIDC authentication puts on every request it
// forwards (roles for such identities are `oidc:IDENTITY ROLE` lines of the same file; an
// identity not listed is a viewer). Roles: viewer (reads), deployer (also requests promotions
// and rolls back), approver (also approves, rejects and overrides freezes).
//
// Writes (POST) are refused unless same-origin (Origin, else Referer, names the Host asked;
// a client that sends neither -- curl, a script -- must use a bearer token, which a browser
// never adds to a cross-site form) and, for a browser, carry the caller's CSRF token
// (`X-CSRF-Token` or a form field `csrf`): an HMAC of the identity under a key the service
// derives from its secrets, so replicas with the same files agree on it.
#include <map>
#include <string>

#include "common/error.hpp"

namespace service {

enum class Role { none = 0, viewer = 1, deployer = 2, approver = 3 };

std::string_view to_string(Role role);

struct Identity {
    std::string actor;       // recorded as who did it: "web:alice", "oidc:alice@example.com"
    Role role = Role::none;  // none: not authenticated (and the service needs it)
    bool bearer = false;     // came with a bearer token (not from a browser's cookie session)
};

class Access {
  public:
    /// Reads `token_file` (empty: none). Errors: input naming the file and line.
    static common::Result<Access> load(const std::string& token_file, bool trust_alb,
                                       const std::string& secret_material);

    /// Whether reads need an identity (a token file or the ALB's identity is in use).
    [[nodiscard]] bool required() const { return !m_tokens.empty() || m_trust_alb; }
    /// Whether anyone can write at all (identities exist).
    [[nodiscard]] bool writable() const { return required(); }
    /// The caller of a request with these headers.
    [[nodiscard]] Identity identify(const std::string& authorization,
                                    const std::string& oidc_identity) const;
    /// The CSRF token of `who`.
    [[nodiscard]] std::string csrf_token(const Identity& who) const;
    /// Whether a write with these headers may go on: "" when it may, else why not.
    [[nodiscard]] std::string refuse_write(const Identity& who, const std::string& origin,
                                           const std::string& referer, const std::string& host,
                                           const std::string& csrf) const;

  private:
    std::map<std::string, Identity> m_tokens;  // bearer token -> identity
    std::map<std::string, Role> m_oidc_roles;  // ALB identity -> role
    bool m_trust_alb = false;
    std::string m_key;  // for CSRF tokens
};

}  // namespace service
