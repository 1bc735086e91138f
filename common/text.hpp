#pragma once
// Small text helpers shared by every library: edit distance and "did you mean" hints,
// durations for people, and text fitted to a terminal's columns.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace common {

/// Levenshtein distance between two strings (bytes).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, or "" when none is close enough to be a likely typo.
std::string closest_match(std::string_view word, std::span<const std::string> candidates);

/// " (did you mean 'x'?)" for the closest candidate, or "" when none is close: the hint
/// every "unknown ..." message ends with.
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

/// "1.2s", "3m04s".
std::string format_duration(std::int64_t millis);

/// `text` as one line of at most `columns` columns: control characters (escape sequences,
/// CR, tabs) dropped, each UTF-8 character counted as one column, the end cut.
std::string fit_columns(std::string_view text, std::size_t columns);

}  // namespace common
