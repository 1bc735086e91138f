#pragma once
// Response bodies compressed for the client that asked (Accept-Encoding), with settings that
// cost milliseconds. Debian's cpp-httplib 0.11 compresses text and JSON answers by itself, and
// with Brotli at quality 11 whenever the client accepts `br`: 1.6-2.0 s for the 300 KB matrix
// answer of 200 components, so every API call from a browser took seconds while curl (which
// does not ask for `br`) had the same answer in 10 ms. The service therefore encodes bodies
// itself (Brotli quality 5, or gzip level 6) and hands httplib a body of known length that it
// sends as it is.
#include <string>
#include <string_view>

namespace service {

enum class Encoding { identity, gzip, br };

/// The encoding to answer with: `br` over `gzip` over none, honouring `;q=0` and `*`.
Encoding choose_encoding(std::string_view accept_encoding);

/// Whether a body of this content type is worth compressing (text, JSON, JavaScript, SVG).
bool compressible(std::string_view content_type);

/// `body` encoded; an empty string if the library failed (then send it unencoded).
std::string encode(std::string_view body, Encoding e);

/// The Content-Encoding token: "gzip", "br" ("" for identity).
std::string_view encoding_name(Encoding e);

}  // namespace service
