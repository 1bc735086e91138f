#include "aws/error.hpp"

#include <rapidjson/document.h>
#include <pugixml.hpp>

namespace aws {

common::Error to_error(const ServiceError& e) {
    std::string text = e.service + " " + e.operation + ": " +
                       (e.code.empty() ? "HTTP " + std::to_string(e.http_status) : e.code);
    if (!e.message.empty()) text += ": " + e.message;
    if (!e.request_id.empty()) text += " (request id " + e.request_id + ")";
    return {common::ErrorCode::external, text};
}

ServiceError parse_service_error(std::string_view body, long http_status, std::string request_id) {
    ServiceError e;
    e.http_status = http_status;
    e.request_id = std::move(request_id);
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && body[first] == '{') {
        rapidjson::Document doc;
        doc.Parse(body.data(), body.size());
        if (!doc.HasParseError() && doc.IsObject()) {
            for (const char* key : {"__type", "code", "Code"}) {
                if (doc.HasMember(key) && doc[key].IsString()) {
                    std::string type = doc[key].GetString();
                    e.code =
                        type.substr(type.find('#') == std::string::npos ? 0 : type.find('#') + 1);
                    break;
                }
            }
            for (const char* key : {"message", "Message", "errorMessage"}) {
                if (doc.HasMember(key) && doc[key].IsString()) {
                    e.message = doc[key].GetString();
                    break;
                }
            }
        }
        return e;
    }
    pugi::xml_document doc;
    if (doc.load_buffer(body.data(), body.size())) {
        auto error = doc.select_node("//Error").node();
        e.code = error.child_value("Code");
        e.message = error.child_value("Message");
        if (e.request_id.empty()) {
            auto id = doc.select_node("//RequestId").node();
            e.request_id = id.child_value();
        }
    }
    return e;
}

}  // namespace aws
