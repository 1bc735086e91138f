#pragma once
// What arrives from outside, as pure functions: GitHub's webhook signature (HMAC-SHA256 of
// the raw body, compared in constant time, before anything parses the body), GitHub's
// `push` event, and CodeCommit's "Repository State Change" event as EventBridge delivers it
// (through SQS). Each becomes a Push: a branch and the commit it now points at.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace service {

/// The webhook secrets: one per line of the secret file (two while rotating).
struct Secrets {
    std::vector<std::string> values;
};

/// Reads the secrets from `file` (one per non-empty line, trailing CR/LF dropped), else from
/// the environment variable's `env_value`. ErrorCode::input naming the file when it cannot
/// be read or holds none.
common::Result<Secrets> load_secrets(const std::string& file, const std::string& env_value);

/// True when `header` is "sha256=" + the hex HMAC-SHA256 of `body` under one of the secrets.
bool signature_valid(const Secrets& secrets, std::string_view header, std::string_view body);

/// "sha256=<hex>" for `body` under `secret` (tests; senders).
std::string sign(std::string_view secret, std::string_view body);

/// A branch that moved (or what else arrived, and why it is not one).
struct Push {
    std::string ref;     // "refs/heads/dev"
    std::string branch;  // "dev" (empty for tags and other refs)
    std::string head;    // the commit the branch points at now
    std::string actor;   // who pushed
    bool deleted = false;
};

/// GitHub's `push` event body. ErrorCode::input when it is not JSON or lacks `ref`/`after`.
common::Result<Push> parse_github_push(std::string_view body);

/// GitHub's `pull_request` event: what a plan needs of it.
struct PullRequestEvent {
    std::string action;  // opened, synchronize, reopened, ready_for_review, closed, ...
    std::int64_t number = 0;
    bool draft = false;
    bool merged = false;
    std::string state;  // open, closed
    std::string title;
    std::string author;  // the PR's user
    std::string url;     // its page (html_url)
    std::string head_sha;
    std::string head_ref;
    std::string head_repository;  // OWNER/NAME of the head (a fork's for a fork's PR)
    std::string base_ref;
    std::string repository;  // OWNER/NAME the PR is in
    std::string sender;      // who did it
};

/// GitHub's `pull_request` event body. ErrorCode::input when it is not JSON or lacks the
/// number, the head commit or the base branch.
common::Result<PullRequestEvent> parse_github_pull_request(std::string_view body);

/// Why a pull_request event starts no plan ("" when it does: opened, synchronize, reopened
/// or ready_for_review of an open PR that is not a draft).
std::string pull_ignore_reason(const PullRequestEvent& e);

/// An EventBridge event (the body of an SQS message): its id and, for a CodeCommit
/// "Repository State Change" on a branch, the push; nullopt push for other events.
struct QueueEvent {
    std::string id;
    std::string detail_type;
    std::optional<Push> push;
};
common::Result<QueueEvent> parse_codecommit_event(std::string_view body);

/// Why a push is not for any trigger branch, or "" when it is (deleted branches, tags and
/// other refs are not).
std::string ignore_reason(const Push& push);

}  // namespace service
