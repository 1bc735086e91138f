#pragma once
// The manifest reader's small tools, shared by the files that read parts of a manifest
// (manifest_reader.cpp, environment_reader.cpp, manifest_gates.cpp): a walker over common::yaml's document that
// turns every surprise into one positioned error line. Internal to the components library.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/text.hpp"
#include "common/time_zone.hpp"
#include "common/yaml.hpp"
#include "components/glob.hpp"
#include "components/manifest.hpp"

namespace components::detail {

using common::ErrorCode;
using common::Result;
using common::yaml::Node;

inline constexpr std::string_view k_name_rule =
    "use letters, digits, '.', '_' and '-' (up to 128, starting with a letter or digit)";

inline std::string node_type(const Node& n) {
    switch (n.kind()) {
        case common::yaml::Kind::map:
            return "a map";
        case common::yaml::Kind::sequence:
            return "a list";
        case common::yaml::Kind::scalar:
            return "a string";
        default:
            return "nothing";
    }
}

inline bool is_alnum(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

// What a value is called in messages ("component 'a'.paths", "environment 'e'.tags.x"),
// assembled only when a message is built: owner, then 'name' when given, then the parts.
struct What {
    std::string_view owner;
    std::string_view field = {};
    std::string_view key = {};
    std::string_view name = {};
    [[nodiscard]] std::string str() const {
        std::string out(owner);
        if (!name.empty()) out.append(" '").append(name).append("'");
        for (auto part : {field, key}) {
            if (!part.empty()) out.append(out.empty() ? "" : ".").append(part);
        }
        return out;
    }
};

// Walks the document; every method fails with a positioned ErrorCode::input error.
class Reader {
  public:
    explicit Reader(const common::yaml::Document& doc)
        : m_doc(doc), m_file(common::intern(doc.file())) {}

    SourcePos pos(const Node& n) const { return {m_file, n.line(), n.column()}; }

    // One line whatever the manifest holds: control characters in echoed names are escaped.
    std::unexpected<common::Error> error(const Node& n, const std::string& message) const {
        return common::fail(ErrorCode::input, m_doc.where(n) + ": " + common::printable(message));
    }

    // Every key is a known one (a string) and appears once; `where` names the map. With
    // `fields`, the value of known[i] goes to fields[i] (absent keys stay false).
    Result<void> check_keys(const Node& map, const std::vector<std::string>& known,
                            const What& where, Node* fields = nullptr) const {
        std::uint64_t seen = 0;  // bit i: known[i] was read (the lists are short)
        for (const auto& [key, value] : map.entries()) {
            const std::string_view name = key.scalar();
            auto at = std::find(known.begin(), known.end(), name);
            if (at == known.end() || !(key.is_scalar() || key.is_null())) {
                return error(key, "unknown key '" + std::string(name) + "' in " + where.str() +
                                      common::did_you_mean(name, known));
            }
            const auto bit = std::uint64_t{1} << (at - known.begin());
            if (seen & bit) {
                return error(key, "duplicate key '" + std::string(name) + "' in " + where.str());
            }
            seen |= bit;
            if (fields) fields[at - known.begin()] = value;
        }
        return {};
    }

    Result<std::string> scalar(const Node& n, const What& what) const {
        if (!n.is_scalar())
            return error(n, what.str() + ": expected a string, got " + node_type(n));
        return std::string(n.scalar());
    }

    // A map key used as a name: a string, not a collection.
    Result<std::string> key_name(const Node& key, const What& what) const {
        if (!key.is_scalar() && !key.is_null())
            return error(key, what.str() + ": expected a name, got " + node_type(key));
        return std::string(key.scalar());
    }

    // Items of a list of strings (absent or null: none).
    Result<void> check_scalar_list(const Node& n, const What& what) const {
        if (!n || n.is_null()) return {};
        if (!n.is_sequence())
            return error(n, what.str() + ": expected a list, got " + node_type(n));
        for (Node item : n.children()) {
            if (!item.is_scalar())
                return error(item, what.str() + ": expected a string, got " + node_type(item));
        }
        return {};
    }

    Result<std::vector<std::string>> strings(const Node& n, const What& what) const {
        if (auto ok = check_scalar_list(n, what); !ok) return std::unexpected(ok.error());
        std::vector<std::string> out;
        out.reserve(n.size());
        for (Node item : n.children()) out.emplace_back(item.scalar());
        return out;
    }

    Result<std::map<std::string, std::string>> scalar_map(const Node& n, const What& what) const {
        std::map<std::string, std::string> out;
        if (!n || n.is_null()) return out;
        if (!n.is_map()) return error(n, what.str() + ": expected a map, got " + node_type(n));
        for (const auto& [key, value] : n.entries()) {
            auto name = key_name(key, what);
            if (!name) return std::unexpected(name.error());
            auto text = scalar(value, {what.owner, what.field, *name, what.name});
            if (!text) return std::unexpected(text.error());
            if (!out.emplace(*name, std::move(*text)).second)
                return error(key, "duplicate key '" + *name + "' in " + what.str());
        }
        return out;
    }

    Result<std::vector<PatternSpec>> patterns(const Node& n, const What& what) const {
        if (auto ok = check_scalar_list(n, what); !ok) return std::unexpected(ok.error());
        std::vector<PatternSpec> out;
        out.reserve(n.size());
        for (Node item : n.children()) {
            const std::string_view text = item.scalar();
            const bool plainly_fine =
                !text.empty() && text.front() != '#' && text.back() != ' ' && text.back() != '\r';
            if (!plainly_fine && !compile_pattern(text)) {
                return error(item, what.str() + ": pattern '" + std::string(item.scalar()) +
                                       "' is empty or a comment");
            }
            out.push_back({std::string(item.scalar()), pos(item)});
        }
        return out;
    }

  private:
    const common::yaml::Document& m_doc;
    std::string_view m_file;
};

/// CloudFormation's rule for stack names: a letter, then letters, digits and '-', up to 128.
bool valid_stack_name(std::string_view name);

/// Reads `environments` into `m` (after its components).
Result<void> parse_environments(const Reader& r, const Node& n, Manifest& m);

/// `gates:`, `alarms:` and `promote:` of one environment (manifest_gates.cpp).
Result<void> parse_safety(const Reader& r, const Node& n, const std::string& where, Environment& e);
/// Top-level `teams: {NAME: [people]}`.
Result<void> parse_teams(const Reader& r, const Node& n, Manifest& m);
/// Rules across environments and teams: gates need promote_from, "team:x" names a team.
Result<void> check_safety(const Reader& r, const Node& environments, const Manifest& m);

}  // namespace components::detail
