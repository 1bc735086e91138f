#pragma once
// The web page's files: index.html for every page route (the page routes itself in the
// browser) and its assets under /assets/, embedded into the binary. The home page may carry
// the API answers it renders first, inlined into index.html (home_data), so the browser paints
// the matrix without waiting for four API round trips.
#include <string>
#include <utility>
#include <vector>

#include "service/api.hpp"

namespace service {

/// The answer for a GET of `path` outside /api/ and /hooks/: a page route gets index.html,
/// /assets/... the asset; 404 otherwise. 304 when `if_none_match` is the file's ETag.
Response page(const std::string& path, const std::string& if_none_match = "");

/// API answers inlined into a page: (API path with its query, JSON body) pairs.
using InlineData = std::vector<std::pair<std::string, std::string>>;

/// The answers the home page (web/assets/matrix.js) asks for first, under the same paths:
/// /api/project, /api/environments, /api/components?limit=200, /api/runs?limit=10. An answer
/// that is not a 200 is left out (the page then asks the API, and shows its error).
InlineData home_data(ApiContext& c);

/// `page(path, if_none_match)` for a page route with `data` inlined into index.html as a
/// `<script type="application/json" id="slipway-data">` block (`<` escaped, so no text in the
/// data can end the block); its ETag is the SHA-256 of those bytes. Empty `data`: index.html.
Response page(const std::string& path, const std::string& if_none_match, const InlineData& data);

/// Whether `path` is one of the page's routes (/, /components/x, /runs/x, /queue, ...).
bool is_page_route(const std::string& path);

}  // namespace service
