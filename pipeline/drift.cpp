// See drift.hpp. DetectStackDrift starts a detection; DescribeStackDriftDetectionStatus is
// polled (every second, with the pipeline's clock, so tests move it) until it is complete;
// then DescribeStackResourceDrifts lists what differs.
#include "pipeline/drift.hpp"

#include "common/json.hpp"
#include "pipeline/host.hpp"

namespace pipeline {
namespace {

versioning::DriftRecord failed_check(versioning::DriftRecord d, const std::string& status,
                                     const std::string& reason) {
    d.status = status;
    d.reason = reason;
    return d;
}

}  // namespace

common::Result<versioning::DriftRecord> check_drift(const components::Environment& env, Services& s,
                                                    std::chrono::milliseconds patience) {
    versioning::DriftRecord d{env.name, env.stack, s.clock.now(), "", "", {}};
    auto cloud = s.cloud(env);
    auto& cfn = *cloud.cloudformation;
    auto done = [&](versioning::DriftRecord out) -> common::Result<versioning::DriftRecord> {
        out.checked_at = s.clock.now();
        if (auto ok = s.store.record_drift(out); !ok) return std::unexpected(ok.error());
        return out;
    };
    auto stack = cfn.describe_stack(env.stack);
    if (!stack) return std::unexpected(stack.error().with_context("drift of " + env.name));
    if (!*stack)
        return done(failed_check(d, "UNKNOWN", "the stack " + env.stack + " does not exist"));
    auto id = cfn.detect_stack_drift(env.stack);
    if (!id) return std::unexpected(id.error().with_context("drift of " + env.name));
    const auto until = s.clock.now() + patience.count();
    for (;;) {
        auto status = cfn.drift_detection_status(*id);
        if (!status) return std::unexpected(status.error().with_context("drift of " + env.name));
        if (status->status == "DETECTION_FAILED")
            return done(failed_check(d, "FAILED", "detection failed: " + status->reason));
        if (status->status == "DETECTION_COMPLETE") {
            d.status = status->stack_status;
            break;
        }
        if (s.clock.now() >= until)
            return done(failed_check(d, "FAILED", "the detection did not finish in time"));
        if (s.clock.interrupted && s.clock.interrupted())
            return common::fail(common::ErrorCode::interrupted, "interrupted");
        s.clock.sleep(std::chrono::seconds(1));
    }
    if (d.status == "DRIFTED") {
        auto drifts = cfn.resource_drifts(env.stack);
        if (!drifts) return std::unexpected(drifts.error().with_context("drift of " + env.name));
        for (const auto& r : *drifts) {
            std::string differences;
            for (const auto& x : r.differences)
                differences += (differences.empty() ? "" : "; ") + x;
            d.resources.push_back({r.logical_id, r.resource_type, r.status, differences});
        }
    }
    return done(d);
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
