#pragma once
// AWS Signature Version 4 (AWS4-HMAC-SHA256): canonical request, string to sign, signing
// key and the Authorization header, for requests slipway sends itself.
#include <string>
#include <utility>
#include <vector>

namespace aws {

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty for long-term keys
};

/// A request as slipway builds it: the path and query are *not* percent-encoded.
struct Request {
    std::string method = "GET";
    std::string path = "/";
    std::vector<std::pair<std::string, std::string>> query;    // in any order; keys may repeat
    std::vector<std::pair<std::string, std::string>> headers;  // names in any case; may repeat
    std::string body;
};

struct SigningScope {
    std::string region;
    std::string service;
    std::string amz_date;                // "20150830T123600Z"
    bool normalize_path = true;          // false for S3
    bool content_sha256_header = false;  // add X-Amz-Content-Sha256 (S3)
};

/// Every intermediate of a signature, for tests and --verbose debugging.
struct Signature {
    std::string canonical_request;
    std::string string_to_sign;
    std::string signed_headers;
    std::string authorization;
};

/// RFC 3986 encoding with AWS's unreserved set (A-Z a-z 0-9 - _ . ~); `/` kept when
/// `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash);
/// Reverses %XX escapes (and nothing else).
std::string percent_decode(std::string_view text);

/// The canonical request of `request` as SigV4 defines it.
std::string canonical_request(const Request& request, const SigningScope& scope,
                              std::string* signed_headers);

/// Signs `request` in place: adds X-Amz-Date, X-Amz-Security-Token (session credentials),
/// X-Amz-Content-Sha256 (when asked) and Authorization. Returns the intermediates.
Signature sign(Request& request, const Credentials& credentials, const SigningScope& scope);

}  // namespace aws
