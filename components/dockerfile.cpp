// See dockerfile.hpp. Follows BuildKit's frontend (dockerfile/parser): directives are read
// only at the top, before any other line; a line ending in the escape character continues
// on the next, where comment lines and empty lines are skipped; the first word is the
// instruction. Only ARG (before the first FROM: the global scope FROM sees) and FROM matter.
#include "components/dockerfile.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace components {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

struct Line {
    std::string text;
    int number = 0;
};

// `# escape=X` among the leading directives (lines "# key=value" before anything else).
char escape_of(const std::vector<std::string_view>& lines) {
    for (auto raw : lines) {
        auto line = trim(raw);
        if (!line.starts_with('#')) break;
        line = trim(line.substr(1));
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) break;
        const std::string key = lower(trim(line.substr(0, eq)));
        if (key.empty() || key.find(' ') != std::string::npos) break;
        if (key == "escape") {
            auto value = trim(line.substr(eq + 1));
            if (value == "`") return '`';
            return '\\';
        }
    }
    return '\\';
}

// Logical lines: continuations joined, comments and blank lines dropped.
std::vector<Line> logical_lines(std::string_view text) {
    std::vector<std::string_view> raw;
    for (std::size_t start = 0; start <= text.size();) {
        auto end = std::min(text.find('\n', start), text.size());
        raw.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    const char escape = escape_of(raw);
    std::vector<Line> out;
    std::optional<Line> open;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        auto line = trim(raw[i]);
        if (line.starts_with('#') || (open && line.empty())) continue;
        if (!open && line.empty()) continue;
        if (!open) open = Line{"", static_cast<int>(i) + 1};
        if (line.ends_with(escape)) {
            open->text += line.substr(0, line.size() - 1);
            continue;
        }
        open->text += line;
        out.push_back(std::move(*open));
        open.reset();
    }
    if (open) out.push_back(std::move(*open));
    return out;
}

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    std::string word;
    char quote = 0;
    for (char c : s) {
        if (quote) {
            if (c == quote) {
                quote = 0;
            } else {
                word += c;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (is_blank(c)) {
            if (!word.empty()) out.push_back(std::move(word)), word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) out.push_back(std::move(word));
    return out;
}

bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// `$NAME`, `${NAME}`, `${NAME:-word}` and `${NAME:+word}` replaced from `vars`.
std::string substitute(std::string_view s, const std::map<std::string, std::string>& vars) {
    auto value = [&](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '$' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        if (s[i + 1] == '{') {
            const auto close = s.find('}', i + 2);
            if (close == std::string_view::npos) {
                out += s.substr(i);
                break;
            }
            const auto inner = s.substr(i + 2, close - i - 2);
            const auto colon = inner.find(':');
            const std::string name(inner.substr(0, colon));
            const auto v = value(name);
            if (colon != std::string_view::npos && colon + 1 < inner.size()) {
                const char op = inner[colon + 1];
                const std::string word = substitute(inner.substr(colon + 2), vars);
                const bool set = v && !v->empty();
                if (op == '-') out += set ? *v : word;
                if (op == '+') out += set ? word : "";
            } else {
                out += v.value_or("");
            }
            i = close;
        } else if (name_char(s[i + 1])) {
            std::size_t end = i + 1;
            while (end < s.size() && name_char(s[end])) ++end;
            out += value(std::string(s.substr(i + 1, end - i - 1))).value_or("");
            i = end - 1;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::vector<BaseImage> base_images(std::string_view dockerfile,
                                   const std::map<std::string, std::string>& args) {
    std::map<std::string, std::string> globals;  // ARGs before the first FROM
    std::vector<std::string> stages;             // names given with AS, lower case
    std::vector<BaseImage> out;
    bool seen_from = false;
    for (const auto& line : logical_lines(dockerfile)) {
        auto w = words(line.text);
        if (w.empty()) continue;
        const std::string instruction = lower(w[0]);
        if (instruction == "arg" && !seen_from) {
            for (std::size_t i = 1; i < w.size(); ++i) {
                const auto eq = w[i].find('=');
                const std::string name = w[i].substr(0, eq);
                auto given = args.find(name);
                if (given != args.end()) {
                    globals[name] = given->second;
                } else if (eq != std::string::npos) {
                    globals[name] = substitute(w[i].substr(eq + 1), globals);
                }
            }
        }
        if (instruction != "from") continue;
        seen_from = true;
        std::size_t i = 1;
        while (i < w.size() && w[i].starts_with("--")) ++i;  // --platform=...
        if (i >= w.size()) continue;
        const std::string image = substitute(w[i], globals);
        const std::string name = lower(image);
        const bool stage = std::find(stages.begin(), stages.end(), name) != stages.end();
        if (i + 2 < w.size() && lower(w[i + 1]) == "as") stages.push_back(lower(w[i + 2]));
        if (stage || name == "scratch") continue;
        const auto at = image.find('@');
        out.push_back({image, at == std::string::npos ? "" : image.substr(at + 1), line.number});
    }
    return out;
}

}  // namespace components
