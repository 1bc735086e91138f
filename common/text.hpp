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

/// `text` with control characters written as escapes (\n, \t, \r, \xNN), for messages
/// that must stay one line whatever they quote.
std::string printable(std::string_view text);

/// " (did you mean 'x'?)" naming closest_match(word, candidates), or "" when there is none:
/// the tail of every "unknown ..." message.
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

/// A copy of `text` that lives as long as the process, the same copy for equal texts: for
/// the few names that many values point back to (a manifest's file name in every position).
/// Thread-safe.
std::string_view intern(std::string_view text);

/// "1.2s", "3m04s".
std::string format_duration(std::int64_t millis);

/// `text` as one line of at most `columns` columns: control characters (escape sequences,
/// CR, tabs) dropped, each UTF-8 character counted as one column, the end cut.
std::string fit_columns(std::string_view text, std::size_t columns);

}  // namespace common
