// See drift.hpp. DetectStackDrift starts a detection; DescribeStackDriftDetectionStatus is
// polled (every second, with the pipeline's clock, so tests move it) until it is complete;
// then DescribeStackResourceDrifts lists what differs.
#include "pipeline/drift.hpp"

#include "common/json.hpp"
#include "deploy/stack_plan.hpp"
#include "pipeline/host.hpp"

namespace pipeline {
namespace {

// One stack in one place: its status ("IN_SYNC", "DRIFTED", "UNKNOWN", "FAILED"), why, and
// the resources that differ.
struct PlaceDrift {
    std::string status, reason;
    std::vector<versioning::DriftedResource> resources;
};

common::Result<PlaceDrift> check_place(const std::string& stack_name, const std::string& env,
                                       deploy::CloudFormationApi& cfn, Services& s,
                                       std::chrono::milliseconds patience) {
    PlaceDrift out;
    const std::string what = "drift of " + env + " (" + stack_name + ")";
    auto stack = cfn.describe_stack(stack_name);
    if (!stack) return std::unexpected(stack.error().with_context(what));
    if (!*stack) return PlaceDrift{"UNKNOWN", "the stack " + stack_name + " does not exist", {}};
    auto id = cfn.detect_stack_drift(stack_name);
    if (!id) return std::unexpected(id.error().with_context(what));
    const auto until = s.clock.now() + patience.count();
    for (;;) {
        auto status = cfn.drift_detection_status(*id);
        if (!status) return std::unexpected(status.error().with_context(what));
        if (status->status == "DETECTION_FAILED")
            return PlaceDrift{"FAILED", "detection failed: " + status->reason, {}};
        if (status->status == "DETECTION_COMPLETE") {
            out.status = status->stack_status;
            break;
        }
        if (s.clock.now() >= until)
            return PlaceDrift{"FAILED", "the detection did not finish in time", {}};
        if (s.clock.interrupted && s.clock.interrupted())
            return common::fail(common::ErrorCode::interrupted, "interrupted");
        s.clock.sleep(std::chrono::seconds(1));
    }
    if (out.status == "DRIFTED") {
        auto drifts = cfn.resource_drifts(stack_name);
        if (!drifts) return std::unexpected(drifts.error().with_context(what));
        for (const auto& r : *drifts) {
            std::string differences;
            for (const auto& x : r.differences)
                differences += (differences.empty() ? "" : "; ") + x;
            out.resources.push_back({r.logical_id, r.resource_type, r.status, differences});
        }
    }
    return out;
}

// How bad a place's status is: the environment's is its worst place's.
int severity(const std::string& status) {
    if (status == "DRIFTED") return 3;
    if (status == "FAILED") return 2;
    if (status == "UNKNOWN") return 1;
    return 0;
}

}  // namespace

common::Result<versioning::DriftRecord> check_drift(const components::Environment& env, Services& s,
                                                    std::chrono::milliseconds patience) {
    // Every stack of the environment in every region and account: one record for the
    // environment, its status the worst place's; with several places, each resource and
    // reason names its stack and place ("api@eu-west-1/Fn").
    const bool several = env.stacks.size() * env.targets.size() > 1;
    std::string names;
    for (const auto& st : env.stacks) names += (names.empty() ? "" : ", ") + st.name;
    versioning::DriftRecord d{env.name, names, s.clock.now(), "IN_SYNC", "", {}};
    for (const auto& target : env.targets) {
        auto cloud = s.cloud(target);
        for (const auto& st : env.stacks) {
            auto place = check_place(st.name, env.name, *cloud.cloudformation, s, patience);
            if (!place) return std::unexpected(place.error());
            const std::string label = deploy::stack_label(st.name, target);
            if (severity(place->status) > severity(d.status)) d.status = place->status;
            if (!place->reason.empty())
                d.reason += (d.reason.empty() ? "" : "; ") +
                            (several ? label + ": " : std::string()) + place->reason;
            for (auto& r : place->resources) {
                if (several) r.logical_id = label + "/" + r.logical_id;
                d.resources.push_back(std::move(r));
            }
        }
    }
    d.checked_at = s.clock.now();
    if (auto ok = s.store.record_drift(d); !ok) return std::unexpected(ok.error());
    return d;
}

int drift_exit(const versioning::DriftRecord& d) {
    if (d.status == "IN_SYNC") return 0;
    if (d.status == "DRIFTED") return 1;
    return 4;
}

std::string drift_json(const versioning::DriftRecord& d) {
    common::JsonOut j;
    j.begin_object().field("checked_at", iso_time(d.checked_at)).field("env", d.env);
    j.field("reason", d.reason).key("resources").begin_array();
    for (const auto& r : d.resources) {
        j.begin_object().field("differences", r.differences).field("logical_id", r.logical_id);
        j.field("resource_type", r.resource_type).field("status", r.status).end_object();
    }
    j.end_array().field("stack", d.stack).field("status", d.status).end_object();
    std::string out = j.str();
    out.pop_back();
    return out;
}

}  // namespace pipeline
