#pragma once
// Build progress on the terminal. Off a TTY (CI, CodeBuild): every output line as it comes,
// prefixed with "[component]", and one line per start and end. On a TTY: finished builds
// scroll up with their result while a status board at the bottom shows each running build
// (name, build number, elapsed time, last output line). NO_COLOR turns colours off. A
// failed build prints its last 40 log lines and the log's path either way.
#include <memory>
#include <string>

#include "components/builder.hpp"

namespace cli {

/// The observer for this terminal: status board when stdout is a TTY, else prefixed lines.
std::unique_ptr<components::BuildObserver> make_console(bool quiet);

/// "1.2s", "3m04s"
std::string format_duration(std::int64_t millis);

}  // namespace cli
