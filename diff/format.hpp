#pragma once
// Renders a ChangeSet as `git diff --name-only`, `--name-status` (optionally -z) or JSON.
#include <string>
#include <string_view>

#include "diff/change_set.hpp"

namespace diff {

enum class DiffFormat { name_only, name_status, json };

/// git's C-style quoting of a path (core.quotePath): returned as is when nothing needs
/// quoting, else in double quotes with \t \n \" \\ and octal escapes; bytes >= 0x80 are
/// escaped only when `quote_non_ascii`.
std::string quote_path(std::string_view path, bool quote_non_ascii = true);

/// The change set in `format`; `nul_terminated` is git's -z (no quoting, NUL separators).
std::string format_changes(const ChangeSet& changes, DiffFormat format, bool nul_terminated,
                           bool quote_non_ascii = true);

}  // namespace diff
