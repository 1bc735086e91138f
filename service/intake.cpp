// See intake.hpp.
#include "service/intake.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace service {
namespace {

// The order of two commits in history, as far as this clone knows them yet.
struct Order {
    const diff::Repository* repo = nullptr;
    // True when `ancestor` is in `descendant`'s history; nullopt when not known here.
    [[nodiscard]] std::optional<bool> contains(const std::string& descendant,
                                               const std::string& ancestor) const {
        if (!repo) return std::nullopt;
        auto c = repo->contains(descendant, ancestor);
        if (!c) return std::nullopt;
        return *c;
    }
    [[nodiscard]] versioning::OlderThan older() const {
        return [this](const std::string& head, const std::string& than) {
            return head != than && contains(than, head).value_or(false);
        };
    }
};

// Why the push is not for `env` given what is deployed there ("" when it is), and a note
// when it is a force-push (not a descendant of what is deployed). `current` is each stack's
// current deployment in each place: the push is dropped only when every one of them holds its
// head already (a stack behind -- failed, or limited to a wave -- still takes it).
std::string deployed_reason(const Push& p, const std::string& env,
                            const std::vector<versioning::DeploymentRecord>& current,
                            const Order& order, std::string& note) {
    if (current.empty()) return "";
    const versioning::DeploymentRecord* newer = nullptr;  // one strictly newer than the head
    for (const auto& d : current) {
        if (d.commit.empty()) return "";
        if (d.commit == p.head) continue;
        if (!order.contains(d.commit, p.head).value_or(false)) {
            if (order.contains(p.head, d.commit) == std::optional<bool>(false))
                note =
                    fmt::format("force-push: {} is not a descendant of {}, deployed to {}; queued",
                                p.head.substr(0, 12), d.commit.substr(0, 12), env);
            return "";
        }
        newer = &d;
    }
    if (!newer) {
        return fmt::format("{} is already deployed to {} (deployment #{})", p.head.substr(0, 12),
                           env, current.front().id);
    }
    return fmt::format("{} is older than {}, deployed to {} (deployment #{})", p.head.substr(0, 12),
                       newer->commit.substr(0, 12), env, newer->id);
}

// Queues the push for one environment, or says why not.
common::Result<std::optional<QueuedJob>> queue_for(const Delivery& d, const std::string& env,
                                                   versioning::VersionStore& store,
                                                   const Order& order, std::string& why,
                                                   std::string& note) {
    const Push& p = *d.push;
    auto current = store.current_deployments(env);
    if (!current) return std::unexpected(current.error());
    why = deployed_reason(p, env, *current, order, note);
    if (!why.empty()) return std::optional<QueuedJob>{};
    versioning::JobRecord job;
    job.env = env;
    job.branch = p.branch;
    job.head = p.head;
    job.trigger = d.source + ":" + d.id;
    job.actor = p.actor;
    job.created_at = d.at;
    auto stored = store.enqueue_job(job, order.older());
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
                                           const ThisRepository& mine,
                                           const diff::Repository* repo) {
    const Order order{repo};
    versioning::DeliveryRecord record{d.source, d.id, d.at, d.event, "", "", "", "", "", 0};
    if (d.push) record.ref = d.push->ref, record.head = d.push->head, record.actor = d.push->actor;
    // The delivery, its jobs and its result are one transaction (SQLite: one commit; DynamoDB:
    // one TransactWriteItems, the batch run again after a conflict, so it starts afresh):
    // a failure anywhere stores nothing, so the redelivery takes it whole; of two takers of
    // one delivery, the second finds it taken.
    IntakeResult out;
    auto taken = store.batch([&]() -> common::Result<void> {
        out = IntakeResult{};
        auto first = store.record_delivery(record);
        if (!first) return std::unexpected(first.error());
        if (!*first) {
            out = IntakeResult{"duplicate", "delivery " + d.id + " was taken before", {}};
            return {};
        }
        out = decide(d, triggers, mine);
        if (out.result.empty()) {
            std::vector<std::string> reasons;
            for (const auto& env : triggers.at(d.push->branch)) {
                std::string why, note;
                auto queued = queue_for(d, env, store, order, why, note);
                if (!queued) return std::unexpected(queued.error());
                if (*queued) out.jobs.push_back(**queued);
                if (!why.empty()) reasons.push_back(why);
                if (!note.empty()) reasons.push_back(note);
            }
            out.result = out.jobs.empty() ? "dropped" : "queued";
            for (const auto& r : reasons) out.reason += (out.reason.empty() ? "" : "; ") + r;
        }
        const std::int64_t job = out.jobs.empty() ? 0 : out.jobs.front().job;
        return store.set_delivery_result(d.source, d.id, out.result, out.reason, job);
    });
    if (!taken) return std::unexpected(taken.error());
    return out;
}

}  // namespace service
