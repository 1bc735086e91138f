#pragma once
// SHA-256 and HMAC-SHA-256 on OpenSSL, for request signing; SHA-1 for the names of the
// AWS CLI's SSO token cache files.
#include <string>
#include <string_view>

namespace aws {

/// Raw 32-byte SHA-256 digest.
std::string sha256(std::string_view data);
/// Lower-case hex of SHA-256.
std::string sha256_hex(std::string_view data);
/// Lower-case hex of SHA-1 (not for security: the SSO cache names files by it).
std::string sha1_hex(std::string_view data);
/// Raw 32-byte HMAC-SHA-256.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Lower-case hex of any bytes.
std::string to_hex(std::string_view bytes);

}  // namespace aws
