#pragma once
// Errors as values: anything that can fail for outside reasons returns
// `std::expected<T, common::Error>`. The code decides the exit status (and, in the
// service, the HTTP status); the message is one lower-case line naming what was at fault.
#include <expected>
#include <string>
#include <utility>

namespace common {

enum class ErrorCode {
    failed,       // the work ran and failed (a build step, a deploy)
    usage,        // bad flags or arguments
    input,        // bad manifest, unknown ref or component, unreadable input file
    busy,         // the environment is held by another deploy
    external,     // an outside service (git, AWS, database) failed
    interrupted,  // SIGINT / SIGTERM
    held,         // held by a gate: a promotion request waits (exit 5)
};

struct Error {
    ErrorCode code = ErrorCode::failed;
    std::string message;
    /// The same call may succeed later (throttling, a 5xx, a timeout, a dropped connection)
    /// though the caller's own retries gave up; false for answers that will not change.
    bool transient = false;

    /// Returns this error with `context` put in front: "context: message".
    [[nodiscard]] Error with_context(std::string_view context) const;
};

template <typename T>
using Result = std::expected<T, Error>;

/// Builds an unexpected error in one call: `return fail(ErrorCode::input, "...")`.
inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
    return std::unexpected(Error{code, std::move(message)});
}

/// The process exit status for an error code (the table in ARCHITECTURE.md).
int exit_code(ErrorCode code);

}  // namespace common
