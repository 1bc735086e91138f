#pragma once
// `.dockerignore` exactly as Docker reads it, so that a docker component's input hash and
// selection see the build context Docker would send. Docker's code (moby/patternmatcher)
// is the reference, rule for rule:
//   - the file (ignorefile.ReadAll): a UTF-8 BOM is dropped; a line starting with `#` is a
//     comment (only in the first column); whitespace around a line is trimmed; `!` (and
//     whitespace after it) marks an exception; the rest is cleaned like Go's
//     filepath.Clean (`a//b/./c/` is `a/b/c`) and a leading `/` dropped;
//   - a pattern (Pattern.compile): `*` any run of characters but `/`, `?` one character
//     but `/`, `**` any number of directories (`**/` the same; a trailing `**` everything
//     below), `[...]` a class (`^` negates; a negated class also matches `/`), `\` escapes
//     the next character; other characters are literal. Characters are Unicode code points
//     (invalid UTF-8 bytes one each). Docker's fast paths decide too: a pattern of literals
//     ending in `**` is a prefix (`foo**` is "starts with foo"), one starting with `**`
//     followed by literals a suffix (`**foo` is "ends with foo");
//   - a path (MatchesOrParentMatches): every pattern is tried against the path and each of
//     its parent directories; the last pattern that matches decides (an exception
//     re-includes a file even inside an excluded directory, unlike git).
// Refused with the line at fault, as Docker refuses them (it fails the build): a lone `!`,
// a malformed class (`[`, `[]a]`, `[-x]`, `[x-]`, `[a-b-c]`, `[z-a]`), a trailing `\`.
// Also refused, where Docker would read regular-expression syntax: `\` before a letter,
// digit or non-ASCII character (`\d` is "a digit" to Docker). A `^` in a pattern with
// wildcards is, as in Docker, the start of the text (so `a^*` matches nothing). BuildKit's
// `<Dockerfile>.dockerignore` beside the Dockerfile takes precedence over the context's
// `.dockerignore` (the caller picks the file).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace components {

class DockerIgnore {
  public:
    /// Reads an ignore file's text; `file` names it in errors ("api/.dockerignore:3: ...",
    /// ErrorCode::input).
    static common::Result<DockerIgnore> parse(std::string_view text, const std::string& file);

    /// Whether the build context leaves `path` out: `path` is relative to the context,
    /// `/`-separated, clean (no `.`, `..` or empty segments).
    [[nodiscard]] bool excludes(std::string_view path) const;

    /// Whether any pattern is an exception (`!pattern`).
    [[nodiscard]] bool has_exceptions() const { return m_exceptions; }
    [[nodiscard]] std::size_t size() const { return m_patterns.size(); }

    /// Go's filepath.Clean for '/'-separated paths ("" is "."). Exposed for tests.
    static std::string clean(std::string_view path);

    /// One element of a compiled pattern (the regular expression Docker builds from it).
    struct Token {
        enum Kind : std::uint8_t {
            literal,      // one code point
            any,          // `?`: [^/]
            star,         // `*`: [^/]*
            double_star,  // `**` inside: (.*/)?
            rest,         // `**` at the end: .*
            chars,        // `[...]`: the class at set_index
            begin,        // `^`, unescaped in Docker's expression: the start of the text
        } kind = literal;
        char32_t ch = 0;
        std::uint32_t set_index = 0;
    };
    struct CharSet {
        bool negated = false;
        std::vector<std::pair<char32_t, char32_t>> ranges;
        [[nodiscard]] bool contains(char32_t c) const;
    };

  private:
    enum class Match : std::uint8_t { exact, prefix, suffix, regexp };
    struct Pattern {
        std::string cleaned;  // without `!`
        bool exception = false;
        Match match = Match::exact;
        std::vector<Token> tokens;  // Match::regexp
        std::vector<CharSet> sets;
        [[nodiscard]] bool matches(std::string_view path) const;
    };
    static common::Result<Pattern> compile(std::string cleaned, bool exception);

    std::vector<Pattern> m_patterns;
    bool m_exceptions = false;
};

}  // namespace components
