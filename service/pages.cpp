// See pages.hpp. The files come from web/ (embedded at build time, web/assets.hpp): every
// page route is answered with index.html (the page reads the URL and renders itself from the
// JSON API), /assets/... with the file; both with their ETag, and 304 when it matches.
#include "service/pages.hpp"

#include <regex>

#include "web/assets.hpp"

namespace service {

bool is_page_route(const std::string& path) {
    static const std::regex routes(
        R"(^/(|components/[^/]+|runs/[^/]+|deployments/\d+/compare/\d+|queue)$)");
    return std::regex_match(path, routes);
}

Response page(const std::string& path, const std::string& if_none_match) {
    const web::Asset* asset = nullptr;
    if (is_page_route(path))
        asset = web::find_asset("/index.html");
    else if (path.starts_with("/assets/"))
        asset = web::find_asset(path);
    if (!asset) return error_response(404, "not_found", "no page " + path);
    // index.html is revalidated on every load; the assets too (their names carry no hash),
    // but a matching ETag costs one 304 and no body.
    std::vector<std::pair<std::string, std::string>> headers{{"ETag", std::string(asset->etag)},
                                                             {"Cache-Control", "no-cache"},
                                                             {"X-Content-Type-Options", "nosniff"}};
    if (is_page_route(path)) {
        headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; "
                             "style-src 'self' 'unsafe-inline'; object-src 'none'; "
                             "base-uri 'none'; frame-ancestors 'none'");
        headers.emplace_back("Referrer-Policy", "no-referrer");
    }
    if (!if_none_match.empty() && if_none_match == asset->etag)
        return {304, std::string(asset->content_type), "", std::move(headers)};
    return {200, std::string(asset->content_type), std::string(asset->body), std::move(headers)};
}

}  // namespace service
