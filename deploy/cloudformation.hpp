#pragma once
// The CloudFormation calls a deploy makes, behind an interface: the AWS implementation
// speaks the Query protocol through aws::Client; tests put moto or a scripted server behind
// it, or a fake where a fault must be injected.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.hpp"
#include "common/error.hpp"

namespace deploy {

struct StackInfo {
    std::string id;
    std::string name;
    std::string status;
    std::string status_reason;
    std::map<std::string, std::string> parameters;
    std::map<std::string, std::string> outputs;
    std::string change_set_id{};  // the change set the stack was last created or updated with
    std::string last_updated{};   // ISO 8601: LastUpdatedTime, else CreationTime
};

struct ChangeSetRequest {
    std::string stack;
    std::string name;
    std::string type;  // "CREATE" or "UPDATE"
    std::string template_body;
    std::string template_url;  // instead of the body, for templates over 51,200 bytes
    std::map<std::string, std::string> parameters;
    std::vector<std::string> capabilities;
    std::map<std::string, std::string> tags;
    std::string role_arn;
    std::string client_token;
    std::string description;
    /// RollbackConfiguration: CloudWatch alarms that roll the operation back when they go
    /// into ALARM during it or `monitoring_minutes` after it (none given: not sent, and
    /// CloudFormation keeps what the stack had).
    std::vector<std::string> rollback_alarms{};
    int monitoring_minutes = 0;
};

struct ResourceChange {
    std::string action;  // Add, Modify, Remove, Import, Dynamic
    std::string logical_id;
    std::string physical_id;
    std::string resource_type;
    std::string replacement;  // True, False, Conditional, or empty
};

struct ChangeSetInfo {
    std::string id;
    std::string status;  // CREATE_PENDING, CREATE_IN_PROGRESS, CREATE_COMPLETE, FAILED
    std::string status_reason;
    std::string execution_status;  // AVAILABLE, UNAVAILABLE, ...
    std::vector<ResourceChange> changes;
};

struct StackEvent {
    std::string id;
    std::string timestamp;  // ISO 8601, as AWS gives it
    std::string logical_id;
    std::string resource_type;
    std::string status;
    std::string reason;
    std::string client_request_token;  // the token of the operation that caused it (AWS)
};

/// DescribeStackDriftDetectionStatus's answer.
struct DriftDetection {
    std::string status;        // DETECTION_IN_PROGRESS, DETECTION_COMPLETE, DETECTION_FAILED
    std::string stack_status;  // DRIFTED, IN_SYNC, UNKNOWN, NOT_CHECKED
    std::string reason;
    int drifted_resources = 0;
};

/// One resource of DescribeStackResourceDrifts that is not IN_SYNC.
struct ResourceDrift {
    std::string logical_id;
    std::string resource_type;
    std::string status;                    // MODIFIED, DELETED
    std::vector<std::string> differences;  // "PropertyPath: expected -> actual"
};

class CloudFormationApi {
  public:
    virtual ~CloudFormationApi() = default;
    /// The stack, or nullopt when it does not exist.
    virtual common::Result<std::optional<StackInfo>> describe_stack(const std::string& stack) = 0;
    /// Creates a change set; returns its id (ARN).
    virtual common::Result<std::string> create_change_set(const ChangeSetRequest& request) = 0;
    /// The change set with all its changes (every page).
    virtual common::Result<ChangeSetInfo> describe_change_set(const std::string& stack,
                                                              const std::string& change_set) = 0;
    virtual common::Result<void> execute_change_set(const std::string& stack,
                                                    const std::string& change_set,
                                                    const std::string& client_token) = 0;
    virtual common::Result<void> delete_change_set(const std::string& stack,
                                                   const std::string& change_set) = 0;
    virtual common::Result<void> delete_stack(const std::string& stack,
                                              const std::string& client_token) = 0;
    /// The template the stack runs, as it was sent (GetTemplate, stage Original).
    virtual common::Result<std::string> get_template(const std::string& stack) = 0;
    /// The stack's events newest first, paging only until `stop_at` (an event id already
    /// seen; empty: one page).
    virtual common::Result<std::vector<StackEvent>> stack_events(const std::string& stack,
                                                                 const std::string& stop_at) = 0;

    /// DetectStackDrift: starts a drift detection of the stack; returns its id.
    virtual common::Result<std::string> detect_stack_drift(const std::string& stack) {
        return common::fail(common::ErrorCode::external,
                            "drift detection of " + stack + " is not available here");
    }
    /// DescribeStackDriftDetectionStatus of detection `id`.
    virtual common::Result<DriftDetection> drift_detection_status(const std::string& id) {
        return common::fail(common::ErrorCode::external,
                            "drift detection " + id + " is not available here");
    }
    /// DescribeStackResourceDrifts: the stack's resources that are MODIFIED or DELETED.
    virtual common::Result<std::vector<ResourceDrift>> resource_drifts(const std::string& stack) {
        return common::fail(common::ErrorCode::external,
                            "resource drifts of " + stack + " are not available here");
    }
};

/// CloudFormation through `client` (which knows the region, endpoint and credentials).
std::unique_ptr<CloudFormationApi> aws_cloudformation(std::shared_ptr<aws::Client> client);

}  // namespace deploy
