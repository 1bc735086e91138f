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

#include "aws/crypto.hpp"
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

/// The signature check of a body read in parts: every secret's HMAC is computed as the bytes
/// arrive, so nothing is hashed twice and a large body is checked the moment it ends.
class SignatureCheck {
  public:
    explicit SignatureCheck(const Secrets& secrets);
    void update(std::string_view part);
    /// Whether `header` ("sha256=<hex>") signs everything given to update(); once.
    bool valid(std::string_view header);

  private:
    std::vector<aws::HmacSha256> m_macs;
};

/// "sha256=<hex>" for `body` under `secret` (tests; senders).
std::string sign(std::string_view secret, std::string_view body);

/// A branch that moved (or what else arrived, and why it is not one).
struct Push {
    std::string ref;     // "refs/heads/dev"
    std::string branch;  // "dev" (empty for tags and other refs)
    std::string head;    // the commit the branch points at now
    std::string actor;   // who pushed
    bool deleted = false;
    std::string repository;      // GitHub's OWNER/NAME, CodeCommit's repository name
    std::string repository_arn;  // CodeCommit's
};

/// GitHub's `push` event body. ErrorCode::input when it is not JSON, lacks `ref`/`after`, or
/// `after` is not a commit id (40 hex digits; 64 in a SHA-256 repository).
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

/// The repository a service takes events for; an empty field takes any (from that source).
struct ThisRepository {
    std::string github;      // OWNER/NAME
    std::string codecommit;  // a repository name, or its ARN
};

/// The repository a remote's URL names: github.com over https, ssh or git; CodeCommit's
/// git-codecommit.REGION.amazonaws.com/v1/repos/NAME (https, ssh) and codecommit::REGION://NAME.
/// Any other URL (a local path, another host) names none.
ThisRepository repository_of_url(std::string_view url);

/// Why a push that arrived from `source` ("github", "sqs") is for another repository than
/// `mine`, or "" when it is not (or nothing is configured for that source). GitHub's names
/// compare without case, as GitHub treats them.
std::string foreign_reason(const ThisRepository& mine, const std::string& source, const Push& push);

/// Why a push is not for any trigger branch, or "" when it is (deleted branches, tags and
/// other refs are not).
std::string ignore_reason(const Push& push);

}  // namespace service
