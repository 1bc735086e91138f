#include "diff/format.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

#include "common/path_text.hpp"

namespace diff {
namespace {

std::string status_field(const Change& c) {
    std::string s(1, static_cast<char>(c.status));
    if (c.status == Status::renamed || c.status == Status::copied) {
        char score[8];
        std::snprintf(score, sizeof score, "%03d", c.similarity);
        s += score;
    }
    return s;
}

std::string format_json(const ChangeSet& changes) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("base"), w.String(changes.base.c_str());
    w.Key("base_id"), w.String(changes.base_id.c_str());
    w.Key("changes");
    w.StartArray();
    for (const auto& c : changes.changes) {
        w.StartObject();
        if (!c.old_path.empty()) w.Key("old_path"), w.String(common::json_path(c.old_path).c_str());
        w.Key("path"), w.String(common::json_path(c.path).c_str());
        if (!c.old_path.empty()) w.Key("similarity"), w.Int(c.similarity);
        w.Key("status"), w.String(std::string(1, static_cast<char>(c.status)).c_str());
        w.EndObject();
    }
    w.EndArray();
    w.Key("head"), w.String(changes.head.c_str());
    w.Key("head_id"), w.String(changes.head_id.c_str());
    w.Key("include_uncommitted"), w.Bool(changes.include_uncommitted);
    w.Key("merge_base");
    changes.merge_base.empty() ? w.Null() : w.String(changes.merge_base.c_str());
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace

std::string quote_path(std::string_view path, bool quote_non_ascii) {
    return common::quote_path(path, quote_non_ascii);
}

std::string format_changes(const ChangeSet& changes, DiffFormat format, bool nul_terminated,
                           bool quote_non_ascii) {
    if (format == DiffFormat::json) return format_json(changes);
    const char field_end = nul_terminated ? '\0' : '\t';
    const char record_end = nul_terminated ? '\0' : '\n';
    auto shown = [&](const std::string& p) {
        return nul_terminated ? p : quote_path(p, quote_non_ascii);
    };
    std::string out;
    for (const auto& c : changes.changes) {
        if (format == DiffFormat::name_status) {
            out += status_field(c);
            out += field_end;
            if (!c.old_path.empty()) out += shown(c.old_path) + field_end;
        }
        out += shown(c.path);
        out += record_end;
    }
    return out;
}

}  // namespace diff
