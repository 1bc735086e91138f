#pragma once
// When a build command needs no shell. A command of plain words -- no quoting, expansion,
// globbing, redirection, operators, comments or assignments, and not starting with a shell
// builtin or keyword -- means to `sh -c` exactly "run this program with these arguments",
// so the runner may execute it directly and save the shell's start-up (about 2 ms a build
// here), as GNU make does. Anything else returns nullopt and runs under `/bin/sh -c`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace components {

/// The words of `command` when it is a plain program invocation; nullopt otherwise.
std::optional<std::vector<std::string>> plain_words(std::string_view command);

}  // namespace components
