#pragma once
// A GitHub App's JSON Web Token: RS256 (RSASSA-PKCS1-v1_5 with SHA-256, OpenSSL) over
// base64url(header).base64url(claims), with the App's id as issuer, issued 60 s in the past
// (GitHub's advice against clock drift) and expiring 9 minutes later (GitHub allows 10).
// The token only buys an installation token (client.hpp); it is never logged.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace github {

/// The App's JWT for `now` (seconds since the epoch), signed with `private_key_pem` (the PEM
/// file GitHub hands out: PKCS#1 "RSA PRIVATE KEY" or PKCS#8). ErrorCode::input when the key
/// is not an RSA private key in PEM (the message names no key material).
common::Result<std::string> app_jwt(std::string_view app_id, std::string_view private_key_pem,
                                    std::int64_t now);

/// base64url without padding (RFC 7515), as JWTs encode their parts.
std::string base64url(std::string_view bytes);

}  // namespace github
