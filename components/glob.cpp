// Git's pattern semantics, written after git's wildmatch.c and dir.c.
//
// wildmatch walks pattern and text together. `*` under `pathname` never crosses `/`; `**`
// crosses it only when it stands alone between slashes (or at either end): `**/x` matches
// x at any depth, `x/**` everything below x, `a/**/b` zero or more directories between.
// A failed `*` tells its callers how far to give up (ABORT_ALL: no later start can match;
// ABORT_TO_STARSTAR: only an enclosing `**` may still succeed), which keeps it linear.
//
// A `.gitignore` line is compiled as dir.c does: `!` negates, a trailing `/` restricts it
// to directories, a pattern without any other `/` matches the last path component at any
// depth (without WM_PATHNAME), and any other pattern is anchored at the root, its literal
// prefix compared bytewise before wildmatch sees the rest (so a `**` right after that
// prefix counts as standing at the start, as it does in git).
#include "components/glob.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace components {
namespace {

using uchar = unsigned char;

// k_consumed_directory is internal to `*` handling: a single `*` before `/` ate one name.
enum WildResult {
    k_match = 0,
    k_nomatch = 1,
    k_consumed_directory = 2,
    k_abort_all = -1,
    k_abort_to_starstar = -2,
};

struct Wild {
    const uchar* begin;  // pattern start (for "is `**` at the start" checks)
    const uchar* pattern_end;
    const uchar* text_end;
    bool pathname;

    uchar p_at(const uchar* p) const { return p < pattern_end ? *p : 0; }
    uchar t_at(const uchar* t) const { return t < text_end ? *t : 0; }
    const uchar* find_slash(const uchar* t) const {
        auto* s = static_cast<const uchar*>(std::memchr(t, '/', text_end - t));
        return s ? s : nullptr;
    }
};

bool is_glob_special(uchar c) {
    return c == '*' || c == '?' || c == '[' || c == '\\';
}

bool class_matches(std::string_view cls, uchar c, bool& known) {
    known = true;
    if (cls == "alnum") return std::isalnum(c);
    if (cls == "alpha") return std::isalpha(c);
    if (cls == "blank") return c == ' ' || c == '\t';
    if (cls == "cntrl") return std::iscntrl(c);
    if (cls == "digit") return std::isdigit(c);
    if (cls == "graph") return std::isgraph(c);
    if (cls == "lower") return std::islower(c);
    if (cls == "print") return std::isprint(c);
    if (cls == "punct") return std::ispunct(c);
    if (cls == "space") return std::isspace(c);
    if (cls == "upper") return std::isupper(c);
    if (cls == "xdigit") return std::isxdigit(c);
    known = false;
    return false;
}

int match_bracket(const Wild& w, const uchar*& p, uchar t_ch);
int match_star(const Wild& w, const uchar*& p, const uchar*& text);

int dowild(const Wild& w, const uchar* p, const uchar* text) {
    for (; w.p_at(p) != 0; ++text, ++p) {
        uchar p_ch = w.p_at(p);
        const uchar t_ch = w.t_at(text);
        if (t_ch == 0 && p_ch != '*') return k_abort_all;
        switch (p_ch) {
            case '\\':
                p_ch = w.p_at(++p);
                [[fallthrough]];
            default:
                if (t_ch != p_ch) return k_nomatch;
                continue;
            case '?':
                if (w.pathname && t_ch == '/') return k_nomatch;
                continue;
            case '*': {
                int r = match_star(w, p, text);
                if (r == k_consumed_directory) continue;
                return r;
            }
            case '[': {
                int r = match_bracket(w, p, t_ch);
                if (r != k_match) return r;
                continue;
            }
        }
    }
    return w.t_at(text) ? k_nomatch : k_match;
}

// Handles `*` and `**` at `p`. Returns a final result, or k_consumed_directory after a single
// `*` followed by `/` has consumed one directory name (p and text then point at the `/`).
int match_star(const Wild& w, const uchar*& p, const uchar*& text) {
    bool match_slash;
    if (w.p_at(++p) == '*') {
        const uchar* prev_p = p - 2;
        while (w.p_at(++p) == '*') {
        }
        const uchar next = w.p_at(p);
        if (!w.pathname) {
            match_slash = true;
        } else if ((prev_p < w.begin || *prev_p == '/') &&
                   (next == 0 || next == '/' || (next == '\\' && w.p_at(p + 1) == '/'))) {
            // `**/` may match no directory at all: try the rest right here first.
            if (next == '/' && dowild(w, p + 1, text) == k_match) return k_match;
            match_slash = true;
        } else {
            match_slash = false;
        }
    } else {
        match_slash = !w.pathname;
    }
    if (w.p_at(p) == 0) {
        // Trailing `**` matches everything; trailing `*` only what has no more slashes.
        if (!match_slash && w.find_slash(text)) return k_nomatch;
        return k_match;
    }
    if (!match_slash && w.p_at(p) == '/') {
        const uchar* slash = w.find_slash(text);
        if (!slash) return k_nomatch;
        text = slash;
        return k_consumed_directory;
    }
    uchar t_ch = w.t_at(text);
    while (t_ch != 0) {
        // Skip ahead to the next occurrence of a literal that follows the star.
        if (!is_glob_special(w.p_at(p))) {
            const uchar p_ch = w.p_at(p);
            while ((t_ch = w.t_at(text)) != 0 && (match_slash || t_ch != '/')) {
                if (t_ch == p_ch) break;
                ++text;
            }
            if (t_ch != p_ch) return k_nomatch;
        }
        int matched = dowild(w, p, text);
        if (matched != k_nomatch) {
            if (!match_slash || matched != k_abort_to_starstar) return matched;
        } else if (!match_slash && t_ch == '/') {
            return k_abort_to_starstar;
        }
        t_ch = w.t_at(++text);
    }
    return k_abort_all;
}

// Handles a `[...]` class at `p` (left on its closing `]`) against one text character.
int match_bracket(const Wild& w, const uchar*& p, uchar t_ch) {
    uchar p_ch = w.p_at(++p);
    if (p_ch == '^') p_ch = '!';
    const bool negated = p_ch == '!';
    if (negated) p_ch = w.p_at(++p);
    uchar prev_ch = 0;
    bool matched = false;
    do {
        if (!p_ch) return k_abort_all;
        if (p_ch == '\\') {
            p_ch = w.p_at(++p);
            if (!p_ch) return k_abort_all;
            if (t_ch == p_ch) matched = true;
        } else if (p_ch == '-' && prev_ch && w.p_at(p + 1) && w.p_at(p + 1) != ']') {
            p_ch = w.p_at(++p);
            if (p_ch == '\\') {
                p_ch = w.p_at(++p);
                if (!p_ch) return k_abort_all;
            }
            if (t_ch <= p_ch && t_ch >= prev_ch) matched = true;
            p_ch = 0;  // a range cannot start another range
        } else if (p_ch == '[' && w.p_at(p + 1) == ':') {
            const uchar* s = p += 2;
            while ((p_ch = w.p_at(p)) && p_ch != ']') ++p;
            if (!p_ch) return k_abort_all;
            const long len = p - s - 1;
            if (len < 0 || p[-1] != ':') {
                // Not a "[:class:]": the `[` is an ordinary member of the set.
                p = s - 2;
                p_ch = '[';
                if (t_ch == p_ch) matched = true;
                continue;
            }
            bool known = false;
            if (class_matches(std::string_view(reinterpret_cast<const char*>(s), len), t_ch,
                              known)) {
                matched = true;
            }
            if (!known) return k_abort_all;
            p_ch = 0;
        } else if (t_ch == p_ch) {
            matched = true;
        }
    } while (prev_ch = p_ch, (p_ch = w.p_at(++p)) != ']');
    if (matched == negated || (w.pathname && t_ch == '/')) return k_nomatch;
    return k_match;
}

// The characters before the first wildcard (dir.c: simple_length).
std::size_t simple_length(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && !is_glob_special(static_cast<uchar>(s[i]))) ++i;
    return i;
}

std::string_view trim_trailing_spaces(std::string_view line) {
    std::size_t keep = line.size();
    std::optional<std::size_t> last_space;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == ' ') {
            if (!last_space) last_space = i;
        } else if (line[i] == '\\') {
            if (++i >= line.size()) return line;
            last_space.reset();
        } else {
            last_space.reset();
        }
    }
    if (last_space) keep = *last_space;
    return line.substr(0, keep);
}

}  // namespace

bool wildmatch(std::string_view pattern, std::string_view text, bool pathname) {
    auto* p = reinterpret_cast<const uchar*>(pattern.data());
    auto* t = reinterpret_cast<const uchar*>(text.data());
    Wild w{p, p + pattern.size(), t + text.size(), pathname};
    return dowild(w, p, t) == k_match;
}

std::optional<GitignorePattern> compile_pattern(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') return std::nullopt;
    const std::string_view text = trim_trailing_spaces(line);
    if (text.empty()) return std::nullopt;
    GitignorePattern out;
    out.source = std::string(line);
    std::string_view p = text;
    if (p.front() == '!') {
        out.negated = true;
        p.remove_prefix(1);
    }
    if (!p.empty() && p.back() == '/') {
        out.directory_only = true;
        p.remove_suffix(1);
    }
    out.basename_only = p.find('/') == std::string_view::npos;
    out.pattern = std::string(p);
    out.literal_length = std::min(simple_length(p), p.size());
    return out;
}

bool matches_level(const GitignorePattern& p, std::string_view path, bool is_dir) {
    if (p.directory_only && !is_dir) return false;
    std::string_view pattern = p.pattern;
    if (p.basename_only) {
        auto slash = path.rfind('/');
        std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
        if (p.literal_length == pattern.size()) return base == pattern;
        return wildmatch(pattern, base, false);
    }
    std::size_t prefix = p.literal_length;
    if (!pattern.empty() && pattern.front() == '/') {
        pattern.remove_prefix(1);
        --prefix;
    }
    if (prefix > 0) {
        if (prefix > path.size() || path.substr(0, prefix) != pattern.substr(0, prefix)) {
            return false;
        }
        pattern.remove_prefix(prefix);
        path.remove_prefix(prefix);
        if (pattern.empty() && path.empty()) return true;
    }
    return wildmatch(pattern, path, true);
}

std::string_view literal_directory(const GitignorePattern& p) {
    if (p.basename_only) return {};
    std::string_view literal = std::string_view(p.pattern).substr(0, p.literal_length);
    if (!literal.empty() && literal.front() == '/') literal.remove_prefix(1);
    auto slash = literal.rfind('/');
    return slash == std::string_view::npos ? std::string_view{} : literal.substr(0, slash);
}

bool is_literal(const GitignorePattern& p) {
    return p.literal_length == p.pattern.size();
}

}  // namespace components
