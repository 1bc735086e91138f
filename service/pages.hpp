#pragma once
// The web page's files: index.html for every page route (the page routes itself in the
// browser) and its assets under /assets/, embedded into the binary.
#include <string>

#include "service/api.hpp"

namespace service {

/// The answer for a GET of `path` outside /api/ and /hooks/: a page route gets index.html,
/// /assets/... the asset; 404 otherwise. 304 when `if_none_match` is the file's ETag.
Response page(const std::string& path, const std::string& if_none_match = "");

/// Whether `path` is one of the page's routes (/, /components/x, /runs/x, /queue, ...).
bool is_page_route(const std::string& path);

}  // namespace service
