// See pages.hpp.
#include "service/pages.hpp"

#include <regex>

namespace service {

bool is_page_route(const std::string& path) {
    static const std::regex routes(
        R"(^/(|components/[^/]+|runs/[^/]+|deployments/\d+/compare/\d+|queue)$)");
    return std::regex_match(path, routes);
}

Response page(const std::string& path) {
    if (!is_page_route(path)) return error_response(404, "not_found", "no page " + path);
    return {200, "text/html; charset=utf-8",
            "<!doctype html><html lang=en><meta charset=utf-8><title>slipway</title>"
            "<p>slipway: the JSON API is under <a href=\"/api/environments\">/api/</a>.</p>",
            {}};
}

}  // namespace service
