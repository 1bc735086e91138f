#pragma once
// `credential_process` profiles: the command is split into words as the aws CLI splits it
// (Python's shlex.split: whitespace separates, '...' is literal, "..." allows \" and \\,
// a backslash outside quotes escapes the next character; no variables, globs or
// redirections) and run without a shell, stdin and stderr inherited (so its prompts and
// complaints reach the user), stdout read as JSON:
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...", "SessionToken": "...",
//    "Expiration": "2030-01-01T00:00:00Z"}
// SessionToken and Expiration are optional; without Expiration the credentials never need
// refreshing. Errors name the profile and what went wrong, never what the command printed.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.hpp"

namespace aws {

/// The words of `command`, split as shlex.split does; nullopt for an unclosed quote or a
/// trailing backslash.
std::optional<std::vector<std::string>> split_command(std::string_view command);

/// Runs profile `profile`'s `command` and reads its credentials. Fails with ErrorCode::input
/// when the command cannot be split, started, fails or prints something else than the JSON
/// above.
common::Result<TimedCredentials> process_credentials(const std::string& command,
                                                     const std::string& profile);

}  // namespace aws
