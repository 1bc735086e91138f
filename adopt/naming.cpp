// Names for `slipway init`: component names, the normalised stems parameters are matched
// by, stack names, and the environments the branches call for. The rules are in
// discover.hpp.
#include <algorithm>
#include <array>
#include <cctype>

#include "adopt/discover.hpp"

namespace adopt {
namespace {

constexpr std::array<std::string_view, 5> k_image_suffixes = {"repositoryuri", "imageuri",
                                                              "imageurl", "image", "uri"};
constexpr std::array<std::string_view, 7> k_role_words = {"lambda", "function",  "service", "task",
                                                          "job",    "container", "app"};

std::string alnum_lower(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    }
    return out;
}

bool is_name_char(unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
}

}  // namespace

std::string sanitize_name(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (out.empty() && !std::isalnum(c)) continue;
        out += is_name_char(c) && c < 128 ? static_cast<char>(c) : '-';
    }
    if (out.size() > 128) out.resize(128);
    return out.empty() ? "component" : out;
}

std::string parameter_stem(std::string_view name) {
    std::string s = alnum_lower(name);
    for (auto suffix : k_image_suffixes) {
        if (s.size() > suffix.size() && s.ends_with(suffix)) {
            s.resize(s.size() - suffix.size());
            break;
        }
    }
    return s;
}

bool stems_match(const std::string& parameter, const std::string& key) {
    if (parameter.empty() || key.empty()) return false;
    if (parameter == key) return true;
    for (auto word : k_role_words) {
        if (parameter == key + std::string(word) || key == parameter + std::string(word))
            return true;
    }
    return false;
}

std::string stack_name(std::string_view project, std::string_view env) {
    std::string out;
    for (unsigned char c : std::string(project) + "-" + std::string(env)) {
        if (out.empty() && !std::isalpha(c)) continue;
        const char next = std::isalnum(c) && c < 128 ? static_cast<char>(c) : '-';
        if (next == '-' && (out.empty() || out.back() == '-')) continue;
        out += next;
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    if (out.size() > 128) out.resize(128);
    return out.empty() ? "app-" + std::string(env) : out;
}

std::vector<FoundEnvironment> environments_for(const std::vector<std::string>& refs,
                                               const std::string& project) {
    auto has = [&](std::string_view branch) {
        return std::any_of(refs.begin(), refs.end(), [&](const std::string& r) {
            return r == branch || r == "origin/" + std::string(branch);
        });
    };
    const std::pair<std::string_view, std::vector<std::string_view>> wanted[] = {
        {"dev", {"dev", "develop", "development"}},
        {"test", {"test"}},
        {"staging", {"staging"}},
        {"prod", {"prod", "production", "main", "master"}},
    };
    std::vector<FoundEnvironment> out;
    for (const auto& [env, branches] : wanted) {
        for (auto branch : branches) {
            if (!has(branch)) continue;
            out.push_back({std::string(env), std::string(branch), stack_name(project, env)});
            break;
        }
    }
    return out;
}

}  // namespace adopt
