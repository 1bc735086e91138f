#pragma once
// Logging set-up: libraries log with spdlog to stderr; the CLI chooses the level once.
namespace common {

/// Sends spdlog's default logger to stderr at `debug` when verbose, else at `warn`.
void init_logging(bool verbose);

}  // namespace common
