// See pages.hpp. The files come from web/ (embedded at build time, web/assets.hpp): every
// page route is answered with index.html (the page reads the URL and renders itself from the
// JSON API), /assets/... with the file; both with their ETag, and 304 when it matches.
#include "service/pages.hpp"

#include <regex>
#include <string_view>

#include "web/assets.hpp"

namespace service {

bool is_page_route(const std::string& path) {
    static const std::regex routes(
        R"(^/(|components/[^/]+|runs/[^/]+|deployments/\d+/compare/\d+|queue)$)");
    return std::regex_match(path, routes);
}

namespace {

// If-None-Match as a browser sends it back: the ETag it was given, which for an encoded body
// names the encoding ("<hash>-br"; server.cpp), possibly weak (W/), possibly one of a list.
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    const std::string_view hash = etag.substr(0, etag.size() - (etag.ends_with('"') ? 1 : 0));
    while (!if_none_match.empty()) {
        const auto comma = if_none_match.find(',');
        std::string_view tag = if_none_match.substr(0, comma);
        if_none_match = comma == std::string_view::npos ? "" : if_none_match.substr(comma + 1);
        while (tag.starts_with(' ')) tag.remove_prefix(1);
        while (tag.ends_with(' ')) tag.remove_suffix(1);
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        if (tag == "*" || tag == etag) return true;
        for (std::string_view suffix : {"-br\"", "-gzip\""})
            if (tag.starts_with(hash) && tag.substr(hash.size()) == suffix) return true;
    }
    return false;
}

}  // namespace

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
    if (etag_matches(if_none_match, asset->etag))
        return {304, std::string(asset->content_type), "", std::move(headers)};
    return {200, std::string(asset->content_type), std::string(asset->body), std::move(headers)};
}

}  // namespace service
