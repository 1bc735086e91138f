// Signature Version 4, step by step (AWS General Reference, "Create a signed AWS API
// request"; checked against AWS's own test suite in tests/aws/sigv4_test.cpp):
//
// 1. Canonical request: method; the path, with `.`/`..`/empty segments removed (not for
//    S3) and each segment URI-encoded; the query pairs URI-encoded (`/` too) and sorted by
//    key, then value; the headers with lower-case names, values trimmed and inner runs of
//    white space (folded lines included) collapsed to one space, repeated names joined with
//    `,`, sorted, each line ending in LF, then an empty line; the signed header names
//    joined with `;`; the hex SHA-256 of the body.
// 2. String to sign: "AWS4-HMAC-SHA256", the request time, the scope
//    (date/region/service/aws4_request), the hex SHA-256 of the canonical request.
// 3. Signing key: HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request".
// 4. Authorization: algorithm, Credential=key/scope, SignedHeaders=..., Signature=hex(HMAC).
#include "aws/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "aws/crypto.hpp"

namespace aws {
namespace {

constexpr std::string_view k_algorithm = "AWS4-HMAC-SHA256";

bool unreserved(unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return out;
}

// Trims and collapses every run of white space (spaces, tabs, folded newlines) to one space.
std::string canonical_value(std::string_view v) {
    std::string out;
    bool space = false;
    for (unsigned char c : v) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += static_cast<char>(c);
    }
    return out;
}

std::string canonical_path(const std::string& path, bool normalize) {
    if (!normalize) return uri_encode(path.empty() ? "/" : path, true);
    std::vector<std::string> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string seg = path.substr(start, end - start);
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!seg.empty() && seg != ".") {
            segments.push_back(seg);
        }
        start = end + 1;
    }
    std::string out;
    for (const auto& s : segments) out += "/" + uri_encode(s, false);
    const bool trailing = path.size() > 1 && path.back() == '/';
    if (out.empty() || trailing) out += "/";
    return out;
}

std::string canonical_query(const Request& r) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& [k, v] : r.query)
        pairs.emplace_back(uri_encode(k, false), uri_encode(v, false));
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto& [k, v] : pairs) out += (out.empty() ? "" : "&") + k + "=" + v;
    return out;
}

std::string scope_of(const SigningScope& s) {
    return s.amz_date.substr(0, 8) + "/" + s.region + "/" + s.service + "/aws4_request";
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string canonical_request(const Request& r, const SigningScope& scope,
                              std::string* signed_headers) {
    std::map<std::string, std::string> headers;  // sorted by lower-case name
    for (const auto& [name, value] : r.headers) {
        auto& joined = headers[lower(name)];
        joined += (joined.empty() ? "" : ",") + canonical_value(value);
    }
    std::string canonical_headers, names;
    for (const auto& [name, value] : headers) {
        canonical_headers += name + ":" + value + "\n";
        names += (names.empty() ? "" : ";") + name;
    }
    if (signed_headers) *signed_headers = names;
    return r.method + "\n" + canonical_path(r.path, scope.normalize_path) + "\n" +
           canonical_query(r) + "\n" + canonical_headers + "\n" + names + "\n" + sha256_hex(r.body);
}

Signature sign(Request& r, const Credentials& c, const SigningScope& scope) {
    r.headers.emplace_back("X-Amz-Date", scope.amz_date);
    if (!c.session_token.empty()) r.headers.emplace_back("X-Amz-Security-Token", c.session_token);
    if (scope.content_sha256_header)
        r.headers.emplace_back("X-Amz-Content-Sha256", sha256_hex(r.body));
    Signature s;
    s.canonical_request = canonical_request(r, scope, &s.signed_headers);
    const std::string scope_text = scope_of(scope);
    s.string_to_sign = std::string(k_algorithm) + "\n" + scope.amz_date + "\n" + scope_text + "\n" +
                       sha256_hex(s.canonical_request);
    std::string key = hmac_sha256("AWS4" + c.secret_access_key, scope.amz_date.substr(0, 8));
    key = hmac_sha256(key, scope.region);
    key = hmac_sha256(key, scope.service);
    key = hmac_sha256(key, "aws4_request");
    s.authorization = std::string(k_algorithm) + " Credential=" + c.access_key_id + "/" +
                      scope_text + ", SignedHeaders=" + s.signed_headers +
                      ", Signature=" + to_hex(hmac_sha256(key, s.string_to_sign));
    r.headers.emplace_back("Authorization", s.authorization);
    return s;
}

}  // namespace aws
