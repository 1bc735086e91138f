#pragma once
// Paths as text: git's C-style quoting (core.quotePath), its reverse, and the form a path takes
// in JSON. git allows any bytes but NUL in a path; JSON must be valid UTF-8 and line output
// must not let a name fake a line. So:
// - line output quotes a path as git does: in double quotes with \t \n \" \\ and octal
//   escapes for control characters and (with quotePath) bytes >= 0x80;
// - JSON writes a path as itself when it is valid UTF-8 and does not start with '"' (control
//   characters are then JSON escapes), and otherwise in git's quoted form -- which is ASCII,
//   lossless, and always starts with '"'. A JSON path that starts with '"' is therefore always
//   a quoted form (unquote_path reverses it), as in git's own `--name-only` output.
#include <string>
#include <string_view>

namespace common {

/// git's quoting of `path`: returned as is when nothing needs quoting; bytes >= 0x80 are
/// escaped only when `quote_non_ascii` (core.quotePath).
std::string quote_path(std::string_view path, bool quote_non_ascii = true);

/// Reverses quote_path; text that is not in double quotes is returned unchanged.
std::string unquote_path(std::string_view text);

/// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values past
/// U+10FFFF).
bool is_utf8(std::string_view text);

/// The length of the well-formed UTF-8 sequence at `text[i]`, or 0 when none starts there.
std::size_t utf8_sequence(std::string_view text, std::size_t i);

/// The path as a JSON string value holds it (see above).
std::string json_path(std::string_view path);

}  // namespace common
