// See dockerignore.hpp. Go's code is followed closely: ReadAll's line rules, New's cleaning
// and validation (filepath.Match's syntax check), compile's translation to a regular
// expression with its exact/prefix/suffix fast paths, and RE2's reading of that expression
// (classes with POSIX names; `.` not matching a newline, a negated class matching one). The
// expression is not built as text: its few shapes are tokens, matched by a set-of-positions
// simulation (linear in pattern times path; no backtracking).
#include "components/dockerignore.hpp"

#include <algorithm>
#include <array>

namespace components {
namespace {

using Token = DockerIgnore::Token;
using CharSet = DockerIgnore::CharSet;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim_space(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool is_alnum(char32_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// One code point of UTF-8 at `i` (advanced past it); an invalid byte is U+FFFD, as Go
// decodes it. `valid` says which.
char32_t decode(std::string_view s, std::size_t& i, bool* valid = nullptr) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = len != 0 && i + static_cast<std::size_t>(len) <= s.size();
    for (int k = 1; ok && k < len; ++k) {
        const auto t = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        ok = (t >> 6) == 0x2;
        c = (c << 6) | (t & 0x3F);
    }
    static constexpr std::array<char32_t, 5> k_min = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && c >= k_min[static_cast<std::size_t>(len)] && c <= 0x10FFFF &&
         !(c >= 0xD800 && c <= 0xDFFF);
    if (valid) *valid = ok;
    i += ok ? static_cast<std::size_t>(len) : 1;
    return ok ? c : 0xFFFD;
}

std::u32string decode_all(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) out.push_back(decode(s, i));
    return out;
}

// filepath.Match's syntax check: every class well formed (`[`, optional `^`, then items
// `c` or `c-c`, an item never starting with `-` or `]`), no trailing `\`.
bool valid_glob(std::string_view p) {
    auto item = [&](std::size_t& i) {
        if (i >= p.size() || p[i] == '-' || p[i] == ']') return false;
        if (p[i] == '\\' && ++i >= p.size()) return false;
        bool ok = true;
        decode(p, i, &ok);
        return ok && i < p.size();
    };
    for (std::size_t i = 0; i < p.size();) {
        if (p[i] == '\\') {
            if (i + 1 >= p.size()) return false;
            i += 2;
        } else if (p[i] == '[') {
            if (++i < p.size() && p[i] == '^') ++i;
            for (int ranges = 0;; ++ranges) {
                if (i < p.size() && p[i] == ']' && ranges > 0) {
                    ++i;
                    break;
                }
                if (!item(i)) return false;
                if (p[i] == '-' && !item(++i)) return false;
            }
        } else {
            ++i;
        }
    }
    return true;
}

struct PosixClass {
    std::string_view name;
    std::vector<std::pair<char32_t, char32_t>> ranges;
};

// RE2's POSIX classes (ASCII only).
const std::vector<PosixClass>& posix_classes() {
    static const std::vector<PosixClass> k_classes = {
        {"alnum", {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}}},
        {"alpha", {{'A', 'Z'}, {'a', 'z'}}},
        {"ascii", {{0, 0x7F}}},
        {"blank", {{'\t', '\t'}, {' ', ' '}}},
        {"cntrl", {{0, 0x1F}, {0x7F, 0x7F}}},
        {"digit", {{'0', '9'}}},
        {"graph", {{'!', '~'}}},
        {"lower", {{'a', 'z'}}},
        {"print", {{' ', '~'}}},
        {"punct", {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}}},
        {"space", {{'\t', '\r'}, {' ', ' '}}},
        {"upper", {{'A', 'Z'}}},
        {"word", {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}, {'_', '_'}}},
        {"xdigit", {{'0', '9'}, {'A', 'F'}, {'a', 'f'}}},
    };
    return k_classes;
}

std::vector<std::pair<char32_t, char32_t>> complement(
    std::vector<std::pair<char32_t, char32_t>> r) {
    std::sort(r.begin(), r.end());
    std::vector<std::pair<char32_t, char32_t>> out;
    char32_t next = 0;
    for (const auto& [lo, hi] : r) {
        if (lo > next) out.emplace_back(next, lo - 1);
        next = std::max<char32_t>(next, hi + 1);
    }
    if (next <= 0x10FFFF) out.emplace_back(next, 0x10FFFF);
    return out;
}

// Reads `[:name:]` or `[:^name:]` at `i` into `set`. 0: not a named class (a literal `[`),
// 1: read, -1: an unknown name (an error to RE2).
int named_class(const std::u32string& p, std::size_t& i, CharSet& set) {
    if (i + 2 >= p.size() || p[i] != '[' || p[i + 1] != ':') return 0;
    std::size_t end = i + 2;
    while (end + 1 < p.size() && !(p[end] == ':' && p[end + 1] == ']')) ++end;
    if (end + 1 >= p.size()) return 0;
    std::size_t at = i + 2;
    const bool negated = at < end && p[at] == '^';
    if (negated) ++at;
    std::string name;
    for (std::size_t k = at; k < end; ++k) name += p[k] < 0x80 ? static_cast<char>(p[k]) : '?';
    for (const auto& c : posix_classes()) {
        if (c.name != name) continue;
        auto r = negated ? complement(c.ranges) : c.ranges;
        set.ranges.insert(set.ranges.end(), r.begin(), r.end());
        i = end + 2;
        return 1;
    }
    return -1;
}

// One character of a class at `i`: `\` and ASCII punctuation is that character; `\` and a
// letter, digit or non-ASCII character is refused (RE2 reads an escape sequence or fails).
bool class_char(const std::u32string& p, std::size_t& i, char32_t& out) {
    if (i >= p.size()) return false;
    if (p[i] == '\\') {
        if (++i >= p.size() || is_alnum(p[i]) || p[i] >= 0x80) return false;
    }
    out = p[i++];
    return true;
}

// RE2's class after the `[` at `i` (Perl flags: `-` may stand anywhere; `]` first is
// literal), to the closing `]`.
bool parse_set(const std::u32string& p, std::size_t& i, CharSet& set) {
    if (i < p.size() && p[i] == '^') set.negated = true, ++i;
    for (bool first = true; i >= p.size() || p[i] != ']' || first; first = false) {
        if (i >= p.size()) return false;
        const int named = named_class(p, i, set);
        if (named < 0) return false;
        if (named > 0) continue;
        char32_t lo = 0, hi = 0;
        if (!class_char(p, i, lo)) return false;
        hi = lo;
        if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
            ++i;
            if (!class_char(p, i, hi) || hi < lo) return false;
        }
        set.ranges.emplace_back(lo, hi);
    }
    ++i;  // the `]`
    return true;
}

// Go's filepath.Dir for a '/'-separated path.
std::string go_dir(std::string_view path) {
    const auto slash = path.rfind('/');
    return DockerIgnore::clean(slash == std::string_view::npos ? "" : path.substr(0, slash + 1));
}

}  // namespace

bool CharSet::contains(char32_t c) const {
    const bool in = std::any_of(ranges.begin(), ranges.end(),
                                [&](const auto& r) { return r.first <= c && c <= r.second; });
    return in != negated;
}

std::string DockerIgnore::clean(std::string_view path) {
    if (path.empty()) return ".";
    const bool rooted = path[0] == '/';
    std::string out = rooted ? "/" : "";
    std::size_t dotdot = out.size();  // where `..` can no longer back up
    for (std::size_t r = rooted ? 1 : 0; r < path.size();) {
        const auto end = std::min(path.find('/', r), path.size());
        const auto elem = path.substr(r, end - r);
        r = end + 1;
        if (elem.empty() || elem == ".") continue;
        if (elem == "..") {
            if (out.size() > dotdot) {
                auto cut = out.rfind('/');
                out.resize(cut == std::string::npos || cut < dotdot ? dotdot : cut);
                if (rooted && out.empty()) out = "/";
            } else if (!rooted) {
                out += out.empty() ? ".." : "/..";
                dotdot = out.size();
            }
            continue;
        }
        if (!out.empty() && out != "/") out += '/';
        out += elem;
    }
    return out.empty() ? "." : out;
}

common::Result<DockerIgnore::Pattern> DockerIgnore::compile(std::string cleaned, bool exception) {
    Pattern out;
    out.exception = exception;
    const std::u32string p = decode_all(cleaned);
    out.cleaned = std::move(cleaned);
    Match detected = Match::exact;
    for (std::size_t i = 0, step = 0; i < p.size(); ++step) {
        const char32_t c = p[i++];
        if (c == '*' && i < p.size() && p[i] == '*') {
            ++i;
            if (i < p.size() && p[i] == '/') ++i;
            if (i == p.size()) {
                if (detected == Match::exact) {
                    detected = Match::prefix;
                } else {
                    out.tokens.push_back({Token::rest});
                    detected = Match::regexp;
                }
            } else {
                out.tokens.push_back({Token::double_star});
                detected = Match::regexp;
            }
            if (step == 0) detected = Match::suffix;
        } else if (c == '*' || c == '?') {
            out.tokens.push_back({c == '*' ? Token::star : Token::any});
            detected = Match::regexp;
        } else if (c == '\\') {
            if (i == p.size() || is_alnum(p[i]) || p[i] >= 0x80)
                return common::fail(common::ErrorCode::input, "");
            out.tokens.push_back({Token::literal, p[i++]});
            detected = Match::regexp;
        } else if (c == '[') {
            CharSet set;
            if (!parse_set(p, i, set)) return common::fail(common::ErrorCode::input, "");
            out.tokens.push_back({Token::chars, 0, static_cast<std::uint32_t>(out.sets.size())});
            out.sets.push_back(std::move(set));
            detected = Match::regexp;
        } else {
            // `^` reaches the expression unescaped: the start of the text to RE2.
            out.tokens.push_back({c == '^' ? Token::begin : Token::literal, c});
            if (c == ']') detected = Match::regexp;
        }
    }
    out.match = detected;
    if (detected != Match::regexp) out.tokens.clear();
    return out;
}

bool DockerIgnore::Pattern::matches(std::string_view path) const {
    switch (match) {
        case Match::exact:
            return path == cleaned;
        case Match::prefix:
            return path.starts_with(std::string_view(cleaned).substr(0, cleaned.size() - 2));
        case Match::suffix: {
            const std::string_view suffix = std::string_view(cleaned).substr(2);
            if (path.ends_with(suffix)) return true;
            return !suffix.empty() && suffix[0] == '/' && path == suffix.substr(1);
        }
        case Match::regexp:
            break;
    }
    const std::u32string s = decode_all(path);
    // at[k]: the expression so far can end just before s[k].
    std::vector<char> at(s.size() + 1, 0), next(s.size() + 1, 0);
    at[0] = 1;
    for (const Token& t : tokens) {
        std::fill(next.begin(), next.end(), 0);
        bool any = false;
        for (std::size_t k = 0; k <= s.size(); ++k) {
            if (!at[k]) continue;
            switch (t.kind) {
                case Token::literal:
                    if (k < s.size() && s[k] == t.ch) next[k + 1] = 1;
                    break;
                case Token::begin:
                    if (k == 0) next[k] = 1;
                    break;
                case Token::any:
                    if (k < s.size() && s[k] != '/') next[k + 1] = 1;
                    break;
                case Token::chars:
                    if (k < s.size() && sets[t.set_index].contains(s[k])) next[k + 1] = 1;
                    break;
                case Token::star:
                    next[k] = 1;
                    for (std::size_t q = k; q < s.size() && s[q] != '/' && !next[q + 1]; ++q)
                        next[q + 1] = 1;
                    break;
                case Token::rest:  // .*
                    next[k] = 1;
                    for (std::size_t q = k; q < s.size() && s[q] != '\n' && !next[q + 1]; ++q)
                        next[q + 1] = 1;
                    break;
                case Token::double_star:  // (.*/)?
                    next[k] = 1;
                    for (std::size_t q = k; q < s.size() && s[q] != '\n'; ++q) {
                        if (s[q] == '/') next[q + 1] = 1;
                    }
                    break;
            }
        }
        for (char v : next) any = any || v;
        if (!any) return false;
        std::swap(at, next);
    }
    return at[s.size()] != 0;
}

common::Result<DockerIgnore> DockerIgnore::parse(std::string_view text, const std::string& file) {
    DockerIgnore out;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    int line_number = 0;
    for (std::size_t start = 0; start < text.size();) {
        auto end = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.starts_with('#')) continue;
        line = trim_space(line);
        if (line.empty()) continue;
        const bool exception = line[0] == '!';
        if (exception) line = trim_space(line.substr(1));
        auto bad = [&](const std::string& why) {
            return common::fail(common::ErrorCode::input,
                                file + ":" + std::to_string(line_number) + ": " + why);
        };
        if (line.empty()) return bad("illegal exclusion pattern: \"!\"");
        std::string cleaned = clean(line);
        if (cleaned.size() > 1 && cleaned[0] == '/') cleaned.erase(0, 1);
        if (!valid_glob(cleaned)) return bad("syntax error in pattern '" + cleaned + "'");
        auto compiled = compile(cleaned, exception);
        if (!compiled)
            return bad("pattern '" + cleaned +
                       "' is not supported (a malformed class, or `\\` before a letter or digit, "
                       "which Docker reads as a regular expression)");
        out.m_exceptions = out.m_exceptions || exception;
        out.m_patterns.push_back(std::move(*compiled));
    }
    return out;
}

bool DockerIgnore::excludes(std::string_view path) const {
    if (m_patterns.empty()) return false;
    const std::string parent = go_dir(path);
    std::vector<std::string_view> parents;  // "a", "a/b", ... of the parent
    if (parent != ".") {
        for (std::size_t slash = parent.find('/'); slash != std::string::npos;
             slash = parent.find('/', slash + 1))
            parents.push_back(std::string_view(parent).substr(0, slash));
        parents.push_back(parent);
    }
    bool matched = false;
    for (const auto& p : m_patterns) {
        if (p.exception != matched) continue;
        bool match = p.matches(path);
        for (std::size_t i = 0; !match && i < parents.size(); ++i) match = p.matches(parents[i]);
        if (match) matched = !p.exception;
    }
    return matched;
}

}  // namespace components
