#pragma once
// Git's `.gitignore` pattern rules, so that a component's `paths` list means exactly what
// it would mean as a `.gitignore` at the repository root.
#include <optional>
#include <string>
#include <string_view>

namespace components {

/// git's wildmatch(): `*`, `?`, `[...]` (ranges, `!`/`^` negation, `[:class:]`), `\`
/// escapes, and with `pathname` the `**` forms and `/`-aware `*` and `?`.
bool wildmatch(std::string_view pattern, std::string_view text, bool pathname);

/// One compiled `.gitignore` line.
struct GitignorePattern {
    std::string source;              // the line as written
    std::string pattern;             // without `!` and the trailing `/`
    std::size_t literal_length = 0;  // characters before the first wildcard
    bool negated = false;            // `!pattern`
    bool directory_only = false;     // `pattern/`
    bool basename_only = false;      // no `/` inside: matches a name at any depth
};

/// Compiles one `.gitignore` line; nullopt for a blank line or a `#` comment. Trailing
/// spaces are dropped unless escaped with a backslash, as git does.
std::optional<GitignorePattern> compile_pattern(std::string_view line);

/// Whether the pattern matches one level of a path: `path` is the full path of a file or
/// directory (no leading or trailing `/`), `is_dir` says which. Parent directories are the
/// caller's business (see PatternIndex).
bool matches_level(const GitignorePattern& p, std::string_view path, bool is_dir);

/// The portion of a pattern that every matching level path starts with, up to a `/`:
/// "" when the pattern floats (basename_only) or starts with a wildcard.
std::string_view literal_directory(const GitignorePattern& p);

/// True when the pattern holds no wildcard at all (it matches one exact name or path).
bool is_literal(const GitignorePattern& p);

}  // namespace components
