#pragma once
// The AWS CodeBuild and CloudWatch Logs calls remote builds need, as plain values over
// aws::Client (AWS JSON 1.1): StartBuild, BatchGetBuilds, StopBuild and GetLogEvents. Only
// the fields slipway reads are kept; every call counts itself, so a run can say what its
// builds cost in API calls.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/client.hpp"
#include "common/error.hpp"

namespace components {

/// One phase of a CodeBuild build (SUBMITTED, QUEUED, PROVISIONING, ..., COMPLETED).
struct CodeBuildPhase {
    std::string type;
    std::string status;  // SUCCEEDED, FAILED, FAULT, TIMED_OUT, STOPPED; empty while it runs
    std::int64_t seconds = 0;
    std::vector<std::string> contexts;  // "STATUS_CODE: message"
};

/// What BatchGetBuilds says of one build.
struct CodeBuildBuild {
    std::string id;      // "project:uuid"
    std::string arn;     // arn:aws:codebuild:REGION:ACCOUNT:build/project:uuid
    std::string status;  // IN_PROGRESS, SUCCEEDED, FAILED, FAULT, TIMED_OUT, STOPPED
    std::string current_phase;
    bool complete = false;
    std::vector<CodeBuildPhase> phases;
    std::string log_group;  // empty until the build has a log stream
    std::string log_stream;
    std::map<std::string, std::string> exported;  // exportedEnvironmentVariables
};

/// What a StartBuild asks for.
struct CodeBuildStart {
    std::string project;
    std::string source_version;                            // the commit
    std::vector<std::pair<std::string, std::string>> env;  // environmentVariablesOverride
    std::string idempotency_token;
    std::string compute_type;        // computeTypeOverride; empty: the project's
    std::string image;               // imageOverride; empty: the project's
    std::optional<bool> privileged;  // privilegedModeOverride
    int timeout_minutes = 0;         // timeoutInMinutesOverride; 0: the project's
};

/// A page of a log stream, oldest first.
struct LogPage {
    std::vector<std::string> messages;
    std::string next_token;  // nextForwardToken: the same token again means "nothing newer"
};

/// The build id inside a build ARN (the part after "build/"), or the text itself.
std::string build_id_of(const std::string& arn_or_id);

/// The region of a build ARN, or "".
std::string region_of(const std::string& arn);

class CodeBuildApi {
  public:
    explicit CodeBuildApi(aws::Client& client) : m_client(client) {}

    common::Result<CodeBuildBuild> start_build(const CodeBuildStart& start);
    /// Up to 100 ids (or ARNs) per call; builds CodeBuild does not know are left out.
    common::Result<std::vector<CodeBuildBuild>> batch_get_builds(
        const std::vector<std::string>& ids);
    common::Result<CodeBuildBuild> stop_build(const std::string& id);
    /// The events after `token` (from the head of the stream when `token` is empty). A
    /// stream that does not exist yet is an empty page with the same token.
    common::Result<LogPage> get_log_events(const std::string& group, const std::string& stream,
                                           const std::string& token);

    /// Calls made so far, by operation name.
    [[nodiscard]] const std::map<std::string, std::int64_t>& calls() const { return m_calls; }

  private:
    common::Result<std::string> call(const aws::Service& service, const char* target,
                                     const aws::Operation& operation, const std::string& body);

    aws::Client& m_client;
    std::map<std::string, std::int64_t> m_calls;
};

/// Whether an error says CodeBuild is at its limit of concurrent builds ("Cannot have more
/// than N active builds") or throttled: to wait out, not to fail on.
bool is_capacity_error(const common::Error& error);

}  // namespace components
