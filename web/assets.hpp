#pragma once
// The web page's files (web/index.html and web/assets/), embedded into the binary at build
// time by web/embed_assets.cmake: the service serves them without reading any file.
#include <string_view>

namespace web {

/// One embedded file: its URL path, Content-Type, bytes, and a strong ETag (quoted, from the
/// SHA-256 of the bytes).
struct Asset {
    std::string_view path;
    std::string_view content_type;
    std::string_view body;
    std::string_view etag;
};

/// The embedded file at `path` ("/assets/app.js", "/index.html"), or nullptr.
const Asset* find_asset(std::string_view path);

}  // namespace web
