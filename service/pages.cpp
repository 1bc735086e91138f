// See pages.hpp. The files come from web/ (embedded at build time, web/assets.hpp): every
// page route is answered with index.html (the page reads the URL and renders itself from the
// JSON API), /assets/... with the file; both with their ETag, and 304 when it matches.
//
// Inlined data: index.html holds the comment `<!--slipway:data-->` where a page's first API
// answers may go, as one JSON object {"<API path>": <answer>, ...} in a
// `<script type="application/json">` block (a data block: never run, so the CSP allows it).
// Inside a script element the HTML parser looks only for `</script` (and `<!--`), so every
// `<` of the JSON is written as `\u003c`: JSON has `<` only inside strings, where the escape
// means the same character, and no text from the store can end or reopen the block.
#include "service/pages.hpp"

#include <regex>
#include <string_view>

#include "aws/crypto.hpp"
#include "common/json.hpp"
#include "web/assets.hpp"

namespace service {

bool is_page_route(const std::string& path) {
    static const std::regex routes(
        R"(^/(|components/[^/]+|runs/[^/]+|deployments/\d+/compare/\d+|queue|pulls|pulls/\d+)$)");
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

constexpr std::string_view k_data_marker = "<!--slipway:data-->";

// Paths and limits as web/assets/matrix.js asks for them.
constexpr std::size_t k_home_components = 200;
constexpr std::size_t k_home_runs = 10;

// The JSON object of `data`, safe inside a script element (see the opening comment).
std::string data_block(const InlineData& data) {
    common::JsonOut j;
    j.begin_object();
    for (const auto& [path, body] : data) j.key(path).raw(body);
    const std::string json = j.end_object().str();
    std::string out = R"(<script type="application/json" id="slipway-data">)";
    out.reserve(out.size() + json.size() + 64);
    std::string_view rest = json;
    for (auto lt = rest.find('<'); lt != std::string_view::npos; lt = rest.find('<')) {
        out.append(rest.substr(0, lt)).append("\\u003c");
        rest.remove_prefix(lt + 1);
    }
    return out.append(rest).append("</script>");
}

}  // namespace

InlineData home_data(ApiContext& c) {
    InlineData out;
    const auto add = [&](std::string path, const Response& r) {
        if (r.status == 200) out.emplace_back(std::move(path), r.body);
    };
    add("/api/project", api_project(c));
    add("/api/environments", api_environments(c));
    add("/api/components?limit=" + std::to_string(k_home_components),
        api_components(c, {"", k_home_components}));
    add("/api/runs?limit=" + std::to_string(k_home_runs), api_runs(c, "", {"", k_home_runs}));
    return out;
}

Response page(const std::string& path, const std::string& if_none_match, const InlineData& data) {
    const web::Asset* index = web::find_asset("/index.html");
    const auto at = index ? index->body.find(k_data_marker) : std::string_view::npos;
    if (data.empty() || !is_page_route(path) || at == std::string_view::npos)
        return page(path, if_none_match);
    Response r = page(path, "");
    r.body = std::string(index->body.substr(0, at)) + data_block(data) +
             std::string(index->body.substr(at + k_data_marker.size()));
    const std::string etag = "\"" + aws::sha256_hex(r.body).substr(0, 32) + "\"";
    for (auto& [k, v] : r.headers)
        if (k == "ETag") v = etag;
    if (etag_matches(if_none_match, etag)) {
        r.status = 304;
        r.body.clear();
    }
    return r;
}

Response page(const std::string& path, const std::string& if_none_match) {
    const web::Asset* asset = nullptr;
    if (is_page_route(path))
        asset = web::find_asset("/index.html");
    else if (path.starts_with("/assets/"))
        asset = web::find_asset(path);
    if (!asset && path.starts_with("/assets/"))
        return error_response(404, "not_found", "no page " + path);
    // Any other path: the page itself, with 404, so a person sees a not-found page they can
    // navigate on from (the page says what was not found).
    const bool missing = !asset;
    if (missing) asset = web::find_asset("/index.html");
    // index.html is revalidated on every load; the assets too (their names carry no hash),
    // but a matching ETag costs one 304 and no body.
    std::vector<std::pair<std::string, std::string>> headers{{"ETag", std::string(asset->etag)},
                                                             {"Cache-Control", "no-cache"},
                                                             {"X-Content-Type-Options", "nosniff"}};
    if (is_page_route(path) || missing) {
        headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; "
                             "style-src 'self' 'unsafe-inline'; object-src 'none'; "
                             "base-uri 'none'; frame-ancestors 'none'");
        headers.emplace_back("Referrer-Policy", "no-referrer");
    }
    if (missing) {
        headers.erase(headers.begin());  // no ETag: a 404 is not revalidated
        return {404, std::string(asset->content_type), std::string(asset->body),
                std::move(headers)};
    }
    if (etag_matches(if_none_match, asset->etag))
        return {304, std::string(asset->content_type), "", std::move(headers)};
    return {200, std::string(asset->content_type), std::string(asset->body), std::move(headers)};
}

}  // namespace service
