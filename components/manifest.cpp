// The manifest's values and the small rules on them (durations, tag placeholders);
// manifest_reader.cpp reads a manifest into them.
#include "components/manifest.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace components {

std::string SourcePos::str() const {
    return std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string_view to_string(ComponentKind kind) {
    switch (kind) {
        case ComponentKind::image:
            return "image";
        case ComponentKind::library:
            return "library";
        case ComponentKind::config:
            return "config";
    }
    return "image";
}

const Component* Manifest::find(std::string_view name) const {
    auto it = std::find_if(components.begin(), components.end(),
                           [&](const Component& c) { return c.name == name; });
    return it == components.end() ? nullptr : &*it;
}

std::vector<std::string> Manifest::component_names() const {
    std::vector<std::string> names;
    for (const auto& c : components) names.push_back(c.name);
    return names;
}

std::string Target::label() const {
    if (!named) return "";
    return account.empty() ? region : account + "/" + region;
}

const Stack* Environment::find_stack(std::string_view stack) const {
    for (const auto& s : stacks) {
        if (s.name == stack) return &s;
    }
    return nullptr;
}

const Stack* Environment::stack_of(std::string_view component) const {
    for (const auto& s : stacks) {
        if (std::find(s.members.begin(), s.members.end(), component) != s.members.end()) return &s;
    }
    return nullptr;
}

namespace {

// A duration's seconds, saturated far above any limit (so no overflow), or nullopt when
// `text` has not the form "45" or [Nh][Nm][Ns].
std::optional<long long> duration_seconds(std::string_view text) {
    constexpr long long k_saturated = 1'000'000'000'000LL;
    constexpr std::pair<char, long long> units[] = {{'h', 3600}, {'m', 60}, {'s', 1}};
    if (text.empty()) return std::nullopt;
    long long total = 0;
    std::size_t i = 0, next_unit = 0;
    while (i < text.size()) {
        const std::size_t start = i;
        long long value = 0;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            value = std::min(k_saturated, value * 10 + (text[i] - '0'));
        }
        if (i == start) return std::nullopt;
        if (i == text.size()) return start == 0 ? std::optional(value) : std::nullopt;
        const char unit = text[i++];
        while (next_unit < std::size(units) && units[next_unit].first != unit) ++next_unit;
        if (next_unit == std::size(units)) return std::nullopt;
        total = std::min(k_saturated, total + value * units[next_unit++].second);
    }
    return total;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    auto seconds = duration_seconds(text);
    if (!seconds || *seconds <= 0 || *seconds > k_max_duration.count()) return std::nullopt;
    return std::chrono::seconds(*seconds);
}

std::optional<std::chrono::seconds> parse_duration_up_to(std::string_view text,
                                                         std::chrono::seconds limit) {
    auto seconds = duration_seconds(text);
    if (!seconds || *seconds <= 0 || *seconds > limit.count()) return std::nullopt;
    return std::chrono::seconds(*seconds);
}

bool duration_exceeds_limit(std::string_view text) {
    auto seconds = duration_seconds(text);
    return seconds && *seconds > k_max_duration.count();
}

std::string unknown_placeholder(std::string_view tag_template) {
    static const std::set<std::string, std::less<>> known = {"component",    "build", "commit",
                                                             "short_commit", "env",   "timestamp"};
    for (std::size_t open = tag_template.find('{'); open != std::string_view::npos;
         open = tag_template.find('{', open + 1)) {
        auto close = tag_template.find('}', open);
        if (close == std::string_view::npos) return std::string(tag_template.substr(open));
        auto name = tag_template.substr(open + 1, close - open - 1);
        if (!known.contains(name)) return "{" + std::string(name) + "}";
    }
    return "";
}

namespace {

// `text` as one sh word: single-quoted unless plainly safe.
std::string sh_word(std::string_view text) {
    const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view("/._-=:,@+").find(c) != std::string_view::npos;
    });
    if (plain) return std::string(text);
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

std::string docker_build_command(const DockerBuild& d) {
    std::string out = "docker build --file " + sh_word(d.file);
    if (!d.platform.empty()) out += " --platform " + sh_word(d.platform);
    if (!d.target.empty()) out += " --target " + sh_word(d.target);
    for (const auto& [name, value] : d.args) out += " --build-arg " + sh_word(name + "=" + value);
    return out + " --tag \"$SLIPWAY_IMAGE_URI\" " + sh_word(d.context) +
           " && docker push \"$SLIPWAY_IMAGE_URI\"";
}

}  // namespace components
