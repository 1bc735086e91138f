// See encoding.hpp. Accept-Encoding is a list of `token[;q=value]`; a token with q=0 is
// refused, `*` stands for every token not named. Brotli quality 5 (window 2^22) compresses the
// matrix answer about as well as gzip -9 in a few milliseconds; gzip is zlib's deflate with a
// gzip header (windowBits 15 + 16).
#include "service/encoding.hpp"

#include <brotli/encode.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <map>

namespace service {
namespace {

constexpr int k_brotli_quality = 5;
constexpr int k_gzip_level = 6;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

// token -> q (1 when not given).
std::map<std::string, double> weights(std::string_view header) {
    std::map<std::string, double> out;
    while (!header.empty()) {
        const auto comma = header.find(',');
        std::string_view item = header.substr(0, comma);
        header = comma == std::string_view::npos ? "" : header.substr(comma + 1);
        double q = 1;
        if (const auto semi = item.find(';'); semi != std::string_view::npos) {
            const std::string_view param = trim(item.substr(semi + 1));
            if (param.starts_with("q=") || param.starts_with("Q="))
                q = std::strtod(std::string(param.substr(2)).c_str(), nullptr);
            item = item.substr(0, semi);
        }
        if (!trim(item).empty()) out[lower(trim(item))] = q;
    }
    return out;
}

std::string brotli(std::string_view body) {
    std::string out(BrotliEncoderMaxCompressedSize(body.size()), '\0');
    std::size_t size = out.size();
    if (out.empty() ||
        !BrotliEncoderCompress(k_brotli_quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                               body.size(), reinterpret_cast<const std::uint8_t*>(body.data()),
                               &size, reinterpret_cast<std::uint8_t*>(out.data())))
        return {};
    out.resize(size);
    return out;
}

std::string gzip(std::string_view body) {
    z_stream z{};
    if (deflateInit2(&z, k_gzip_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    std::string out(deflateBound(&z, body.size()), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
    z.avail_in = static_cast<uInt>(body.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return rc == Z_STREAM_END ? out : std::string{};
}

}  // namespace

Encoding choose_encoding(std::string_view accept_encoding) {
    const auto w = weights(accept_encoding);
    const auto accepts = [&](const std::string& token) {
        if (auto it = w.find(token); it != w.end()) return it->second > 0;
        auto star = w.find("*");
        return star != w.end() && star->second > 0;
    };
    if (accepts("br")) return Encoding::br;
    if (accepts("gzip")) return Encoding::gzip;
    return Encoding::identity;
}

bool compressible(std::string_view content_type) {
    return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
           content_type.starts_with("application/javascript") ||
           content_type.starts_with("image/svg+xml");
}

std::string encode(std::string_view body, Encoding e) {
    switch (e) {
        case Encoding::br:
            return brotli(body);
        case Encoding::gzip:
            return gzip(body);
        case Encoding::identity:
            break;
    }
    return std::string(body);
}

std::string_view encoding_name(Encoding e) {
    switch (e) {
        case Encoding::br:
            return "br";
        case Encoding::gzip:
            return "gzip";
        case Encoding::identity:
            break;
    }
    return "";
}

}  // namespace service
