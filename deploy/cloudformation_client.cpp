// CloudFormationApi over the Query protocol (API version 2010-05-15). Lists are sent as
// `Name.member.N` and read back from `<Name><member>` elements.
#include <pugixml.hpp>

#include "aws/config.hpp"
#include "deploy/cloudformation.hpp"
#include "deploy/stack_state.hpp"

namespace deploy {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
constexpr const char* k_version = "2010-05-15";

std::string text(const pugi::xml_node& n, const char* child) {
    return n.child(child).text().as_string();
}

class AwsCloudFormation final : public CloudFormationApi {
  public:
    explicit AwsCloudFormation(std::shared_ptr<aws::Client> client) : m_client(std::move(client)) {}

    common::Result<std::optional<StackInfo>> describe_stack(const std::string& stack) override {
        auto doc =
            call({"DescribeStacks", "cloudformation:DescribeStacks"}, {{"StackName", stack}});
        if (!doc && is_missing_stack_error(doc.error())) return std::optional<StackInfo>{};
        if (!doc) return std::unexpected(doc.error());
        auto node = doc->select_node("//Stacks/member").node();
        if (!node) return std::optional<StackInfo>{};
        StackInfo s{text(node, "StackId"),
                    text(node, "StackName"),
                    text(node, "StackStatus"),
                    text(node, "StackStatusReason"),
                    {},
                    {}};
        for (auto p : node.child("Parameters").children("member"))
            s.parameters[text(p, "ParameterKey")] = text(p, "ParameterValue");
        for (auto o : node.child("Outputs").children("member"))
            s.outputs[text(o, "OutputKey")] = text(o, "OutputValue");
        s.change_set_id = text(node, "ChangeSetId");
        s.last_updated = text(node, "LastUpdatedTime");
        if (s.last_updated.empty()) s.last_updated = text(node, "CreationTime");
        return std::optional<StackInfo>{std::move(s)};
    }

    common::Result<std::string> create_change_set(const ChangeSetRequest& r) override {
        Params p = {{"StackName", r.stack}, {"ChangeSetName", r.name}, {"ChangeSetType", r.type}};
        if (!r.template_url.empty())
            p.emplace_back("TemplateURL", r.template_url);
        else
            p.emplace_back("TemplateBody", r.template_body);
        int i = 1;
        for (const auto& [key, value] : r.parameters) {
            const std::string at = "Parameters.member." + std::to_string(i++);
            p.emplace_back(at + ".ParameterKey", key);
            p.emplace_back(at + ".ParameterValue", value);
        }
        i = 1;
        for (const auto& cap : r.capabilities)
            p.emplace_back("Capabilities.member." + std::to_string(i++), cap);
        i = 1;
        for (const auto& [key, value] : r.tags) {
            const std::string at = "Tags.member." + std::to_string(i++);
            p.emplace_back(at + ".Key", key);
            p.emplace_back(at + ".Value", value);
        }
        if (!r.role_arn.empty()) p.emplace_back("RoleARN", r.role_arn);
        if (!r.client_token.empty()) p.emplace_back("ClientToken", r.client_token);
        if (!r.description.empty()) p.emplace_back("Description", r.description);
        if (r.type == "CREATE") p.emplace_back("OnStackFailure", "DELETE");
        i = 1;
        for (const auto& arn : r.rollback_alarms) {
            const std::string at =
                "RollbackConfiguration.RollbackTriggers.member." + std::to_string(i++);
            p.emplace_back(at + ".Arn", arn);
            p.emplace_back(at + ".Type", "AWS::CloudWatch::Alarm");
        }
        if (!r.rollback_alarms.empty())
            p.emplace_back("RollbackConfiguration.MonitoringTimeInMinutes",
                           std::to_string(r.monitoring_minutes));
        auto doc = call({"CreateChangeSet", "cloudformation:CreateChangeSet"}, p);
        if (!doc) return std::unexpected(doc.error());
        return std::string(doc->select_node("//Id").node().text().as_string());
    }

    common::Result<ChangeSetInfo> describe_change_set(const std::string& stack,
                                                      const std::string& change_set) override {
        ChangeSetInfo info;
        std::string next;
        do {
            Params p = {{"StackName", stack}, {"ChangeSetName", change_set}};
            if (!next.empty()) p.emplace_back("NextToken", next);
            auto doc = call({"DescribeChangeSet", "cloudformation:DescribeChangeSet"}, p);
            if (!doc) return std::unexpected(doc.error());
            auto r = doc->select_node("//DescribeChangeSetResult").node();
            info.id = text(r, "ChangeSetId");
            info.status = text(r, "Status");
            info.status_reason = text(r, "StatusReason");
            info.execution_status = text(r, "ExecutionStatus");
            for (auto c : r.child("Changes").children("member")) {
                auto rc = c.child("ResourceChange");
                info.changes.push_back({text(rc, "Action"), text(rc, "LogicalResourceId"),
                                        text(rc, "PhysicalResourceId"), text(rc, "ResourceType"),
                                        text(rc, "Replacement")});
            }
            next = text(r, "NextToken");
        } while (!next.empty());
        return info;
    }

    // A refusal that follows an attempt which may have reached AWS (a timeout, a dropped
    // connection, a 5xx) does not say the change set did not run -- the first attempt may
    // have executed it, and the refusal be about that: such an error is marked transient
    // (the outcome is unknown, for reconciliation), not a definite failure.
    common::Result<void> execute_change_set(const std::string& stack, const std::string& change_set,
                                            const std::string& client_token) override {
        Params p = {{"StackName", stack}, {"ChangeSetName", change_set}};
        if (!client_token.empty()) p.emplace_back("ClientRequestToken", client_token);
        auto answer = call({"ExecuteChangeSet", "cloudformation:ExecuteChangeSet"}, p);
        if (!answer && !answer.error().transient && m_client->last_call_maybe_applied()) {
            auto e = answer.error();
            e.transient = true;
            e.message += " (after an attempt that may have executed it)";
            return std::unexpected(e);
        }
        return done(answer);
    }

    common::Result<std::string> get_template(const std::string& stack) override {
        auto doc = call({"GetTemplate", "cloudformation:GetTemplate"},
                        {{"StackName", stack}, {"TemplateStage", "Original"}});
        if (!doc) return std::unexpected(doc.error());
        return std::string(doc->select_node("//TemplateBody").node().text().as_string());
    }

    common::Result<void> delete_change_set(const std::string& stack,
                                           const std::string& change_set) override {
        return done(call({"DeleteChangeSet", "cloudformation:DeleteChangeSet"},
                         {{"StackName", stack}, {"ChangeSetName", change_set}}));
    }

    common::Result<void> delete_stack(const std::string& stack,
                                      const std::string& client_token) override {
        Params p = {{"StackName", stack}};
        if (!client_token.empty()) p.emplace_back("ClientRequestToken", client_token);
        return done(call({"DeleteStack", "cloudformation:DeleteStack"}, p));
    }

    common::Result<std::vector<StackEvent>> stack_events(const std::string& stack,
                                                         const std::string& stop_at) override {
        std::vector<StackEvent> out;
        std::string next;
        do {
            Params p = {{"StackName", stack}};
            if (!next.empty()) p.emplace_back("NextToken", next);
            auto doc = call({"DescribeStackEvents", "cloudformation:DescribeStackEvents"}, p);
            if (!doc) return std::unexpected(doc.error());
            auto r = doc->select_node("//DescribeStackEventsResult").node();
            for (auto e : r.child("StackEvents").children("member")) {
                StackEvent ev{text(e, "EventId"),           text(e, "Timestamp"),
                              text(e, "LogicalResourceId"), text(e, "ResourceType"),
                              text(e, "ResourceStatus"),    text(e, "ResourceStatusReason"),
                              text(e, "ClientRequestToken")};
                if (!stop_at.empty() && ev.id == stop_at) return out;
                out.push_back(std::move(ev));
            }
            next = stop_at.empty() ? "" : text(r, "NextToken");
        } while (!next.empty());
        return out;
    }

    common::Result<std::string> detect_stack_drift(const std::string& stack) override {
        auto doc =
            call({"DetectStackDrift", "cloudformation:DetectStackDrift"}, {{"StackName", stack}});
        if (!doc) return std::unexpected(doc.error());
        return std::string(doc->select_node("//StackDriftDetectionId").node().text().as_string());
    }

    common::Result<DriftDetection> drift_detection_status(const std::string& id) override {
        auto doc = call({"DescribeStackDriftDetectionStatus",
                         "cloudformation:DescribeStackDriftDetectionStatus"},
                        {{"StackDriftDetectionId", id}});
        if (!doc) return std::unexpected(doc.error());
        auto r = doc->select_node("//DescribeStackDriftDetectionStatusResult").node();
        return DriftDetection{text(r, "DetectionStatus"), text(r, "StackDriftStatus"),
                              text(r, "DetectionStatusReason"),
                              r.child("DriftedStackResourceCount").text().as_int()};
    }

    common::Result<std::vector<ResourceDrift>> resource_drifts(const std::string& stack) override {
        std::vector<ResourceDrift> out;
        std::string next;
        do {
            Params p = {{"StackName", stack},
                        {"StackResourceDriftStatusFilters.member.1", "MODIFIED"},
                        {"StackResourceDriftStatusFilters.member.2", "DELETED"}};
            if (!next.empty()) p.emplace_back("NextToken", next);
            auto doc = call(
                {"DescribeStackResourceDrifts", "cloudformation:DescribeStackResourceDrifts"}, p);
            if (!doc) return std::unexpected(doc.error());
            auto r = doc->select_node("//DescribeStackResourceDriftsResult").node();
            for (auto d : r.child("StackResourceDrifts").children("member")) {
                ResourceDrift drift{text(d, "LogicalResourceId"),
                                    text(d, "ResourceType"),
                                    text(d, "StackResourceDriftStatus"),
                                    {}};
                for (auto diff : d.child("PropertyDifferences").children("member")) {
                    drift.differences.push_back(text(diff, "PropertyPath") + ": " +
                                                text(diff, "ExpectedValue") + " -> " +
                                                text(diff, "ActualValue"));
                }
                out.push_back(std::move(drift));
            }
            next = text(r, "NextToken");
        } while (!next.empty());
        return out;
    }

  private:
    common::Result<pugi::xml_document> call(const aws::Operation& action, const Params& params) {
        auto xml = m_client->query(aws::cloudformation_service(), action, k_version, params);
        if (!xml) return std::unexpected(xml.error());
        pugi::xml_document doc;
        if (!doc.load_string(xml->c_str())) {
            return common::fail(
                common::ErrorCode::external,
                "cloudformation " + std::string(action.name) + ": unreadable answer");
        }
        return doc;
    }

    static common::Result<void> done(const common::Result<pugi::xml_document>& doc) {
        if (!doc) return std::unexpected(doc.error());
        return {};
    }

    std::shared_ptr<aws::Client> m_client;
};

}  // namespace

std::unique_ptr<CloudFormationApi> aws_cloudformation(std::shared_ptr<aws::Client> client) {
    return std::make_unique<AwsCloudFormation>(std::move(client));
}

}  // namespace deploy
