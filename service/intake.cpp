// See intake.hpp.
#include "service/intake.hpp"

#include <fmt/format.h>

namespace service {
namespace {

// Queues the push for one environment, or says why not.
common::Result<std::optional<QueuedJob>> queue_for(const Delivery& d, const std::string& env,
                                                   versioning::VersionStore& store,
                                                   std::string& why) {
    const Push& p = *d.push;
    auto current = store.current_deployments(env);
    if (!current) return std::unexpected(current.error());
    if (!current->empty() && current->front().commit == p.head) {
        why = fmt::format("{} is already deployed to {} (deployment #{})", p.head.substr(0, 12),
                          env, current->front().id);
        return std::optional<QueuedJob>{};
    }
    versioning::JobRecord job;
    job.env = env;
    job.branch = p.branch;
    job.head = p.head;
    job.trigger = d.source + ":" + d.id;
    job.actor = p.actor;
    job.created_at = d.at;
    auto stored = store.enqueue_job(job);
    if (!stored) return std::unexpected(stored.error());
    if (stored->status == versioning::JobStatus::dropped) {
        why = env + ": " + stored->reason;
        return std::optional<QueuedJob>{};
    }
    return std::optional<QueuedJob>{QueuedJob{env, stored->id}};
}

IntakeResult decide(const Delivery& d, const Triggers& triggers, const ThisRepository& mine) {
    if (d.event == "ping") return {"pong", "", {}};
    if (!d.push) return {"ignored", "the event '" + d.event + "' starts nothing", {}};
    if (auto why = foreign_reason(mine, d.source, *d.push); !why.empty())
        return {"ignored", why, {}};
    if (auto why = ignore_reason(*d.push); !why.empty()) return {"ignored", why, {}};
    if (!triggers.contains(d.push->branch))
        return {"ignored", "no environment triggers on branch '" + d.push->branch + "'", {}};
    return {"", "", {}};
}

}  // namespace

common::Result<IntakeResult> take_delivery(const Delivery& d, const Triggers& triggers,
                                           versioning::VersionStore& store,
                                           const ThisRepository& mine) {
    versioning::DeliveryRecord record{d.source, d.id, d.at, d.event, "", "", "", "", "", 0};
    if (d.push) record.ref = d.push->ref, record.head = d.push->head, record.actor = d.push->actor;
    auto first = store.record_delivery(record);
    if (!first) return std::unexpected(first.error());
    if (!*first) return IntakeResult{"duplicate", "delivery " + d.id + " was taken before", {}};
    IntakeResult out = decide(d, triggers, mine);
    if (out.result.empty()) {
        std::vector<std::string> reasons;
        for (const auto& env : triggers.at(d.push->branch)) {
            std::string why;
            auto queued = queue_for(d, env, store, why);
            if (!queued) return std::unexpected(queued.error());
            if (*queued) out.jobs.push_back(**queued);
            if (!why.empty()) reasons.push_back(why);
        }
        out.result = out.jobs.empty() ? "dropped" : "queued";
        for (const auto& r : reasons) out.reason += (out.reason.empty() ? "" : "; ") + r;
    }
    const std::int64_t job = out.jobs.empty() ? 0 : out.jobs.front().job;
    if (auto ok = store.set_delivery_result(d.source, d.id, out.result, out.reason, job); !ok)
        return std::unexpected(ok.error());
    return out;
}

}  // namespace service
