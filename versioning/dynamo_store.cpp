// The DynamoDB store: one table, string keys `pk` (partition) and `sk` (sort); numbers in
// sort keys zero-padded (12 digits; times 13) so they sort as numbers.
//
//   C#<component> / C          counter: last_build, last_row
//   B#<component> / <row>      a build record (rows numbered per component, newest last)
//   N#<component> / <number>   the claim of a build number: row, token, run, input hash,
//                              shareable (false: its success writes no H# entry)
//   H#<component>#<hash> / <n> succeeded builds by input hash (for reuse)
//   RB#<run> / <comp>#<row>    every build of a run (builds_of_run, interrupting a run)
//   RR / <comp>#<row>          builds running remotely (for the run after an interrupted one)
//   COMPONENTS / <component>   every component seen
//   D#<commit> / <component>   the paths a commit changed
//   R#<run> / R                a run; RUNNING#<host> / <run> while it runs
//   RUNS[#<env>] / <start>#<run>  every run, and the runs of one environment, by start time
//   C#deployments / C          deployment counter
//   DEP#<env> / <id>           a deployment with its images
//   CUR / <env>                an environment's latest succeeded deployment
//   DC#<component>[#<env>] / <id>  one component's image in a deployment
//   DEPS / <id>                every deployment by id (for rollback --to)
//   PENDING / <env>#<id>       a deployment whose outcome is not read from the stack yet
//   LOCK / <name>              a lease: owner, acquired_at, expires_at
//   DL#<source> / <id>         a delivery (stored once: conditional Put)
//   DELIVERIES / <received>#<id>#<source>  every delivery by received time
//   C#jobs / C                 job counter
//   JOBS / <id>                a job of the service's queue
//   JOB#<env> / <id>           the jobs of one environment
//   QUEUE / <env>              an environment's queue slot: running job and claim, waiting
//                              job, rev (dynamo_queue.cpp)
//
// Pages (dynamo_history.cpp) are one Query each from the sort key their cursor names.
// Numbers are exactly-once: a reservation reads the counter, then one TransactWriteItems
// bumps it on the condition that it still holds what was read, claims N#<component>/<n>
// on the condition that no claim exists, and writes the build row. A conflicting writer
// makes the condition fail and the reservation starts over. A transaction whose answer
// was lost and is sent again finds the condition failing on its own write: the claim then
// carries this reservation's random token, so it is recognised as done rather than
// taking another number.
#include "versioning/dynamo_store.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "aws/config.hpp"
#include "versioning/dynamo_deployments.hpp"
#include "versioning/dynamo_history.hpp"
#include "versioning/dynamo_json.hpp"
#include "versioning/dynamo_queue.hpp"
#include "versioning/dynamo_records.hpp"
#include "versioning/dynamo_requests.hpp"
#include "versioning/dynamo_table.hpp"

namespace versioning {

using detail::build_item;
using detail::deployment_item;
using detail::get_b;
using detail::get_list;
using detail::get_n;
using detail::get_optional_n;
using detail::get_s;
using detail::is_conflict;
using detail::Item;
using detail::Json;
using detail::JsonValue;
using detail::k_max_conflicts;
using detail::pad;
using detail::pause_after_conflict;
using detail::random_token;
using detail::read_build;
using detail::read_deployment;

namespace {

constexpr const char* k_target = "DynamoDB_20120810";

// The requests are DynamoTable's; deployments DynamoDeployments'; pages and a run's builds
// DynamoHistory's; the service's deliveries and queue DynamoQueue's.
class DynamoStore final : public VersionStore, private detail::DynamoTable {
  public:
    DynamoStore(std::unique_ptr<aws::Client> client, std::string table)
        : DynamoTable(std::move(client), std::move(table)) {}

    common::Result<void> begin_run(const RunRecord& r) override {
        Json tx(rapidjson::kObjectType);
        auto& a = tx.GetAllocator();
        JsonValue items(rapidjson::kArrayType);
        items.PushBack(put(a, detail::run_item(a, r)), a);
        // Where runs() finds the run: one entry for all runs and one for its environment.
        const std::string order = detail::run_order(r.started_at, r.id);
        for (const std::string& list : {std::string("RUNS"), "RUNS#" + r.env}) {
            items.PushBack(put(a, Item(a).s("pk", list).s("sk", order).s("id", r.id).take()), a);
        }
        items.PushBack(put(a, Item(a)
                                  .s("pk", "RUNNING#" + r.host)
                                  .s("sk", r.id)
                                  .n("pid", r.pid)
                                  .n("pid_start", r.pid_start)
                                  .take()),
                       a);
        return transact(tx, items);
    }

    common::Result<void> finish_run(const std::string& run_id, RunStatus status, Millis at,
                                    const std::string& report) override {
        auto run = get("R#" + run_id, "R");
        if (!run) return std::unexpected(run.error());
        Json tx(rapidjson::kObjectType);
        auto& a = tx.GetAllocator();
        JsonValue items(rapidjson::kArrayType);
        items.PushBack(
            update(
                a, "R#" + run_id, "R", "SET #s = :s, finished_at = :f, report = :r", nullptr,
                Item(a).s(":s", std::string(to_string(status))).n(":f", at).s(":r", report).take()),
            a);
        items.PushBack(remove(a, "RUNNING#" + get_s((*run)["Item"], "host"), run_id), a);
        return transact(tx, items);
    }

    common::Result<BuildRecord> reserve_build(
        const BuildStart& s, const std::function<std::string(std::int64_t)>& image_uri) override {
        const std::string token = random_token();
        for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
            auto counter = read_counter("C#" + s.component);
            if (!counter) return std::unexpected(counter.error());
            auto [last_build, last_row] = *counter;
            BuildRecord b{s.component,
                          last_build + 1,
                          s.commit,
                          s.input_hash,
                          image_uri(last_build + 1),
                          BuildStatus::queued,
                          {},
                          s.started_at,
                          {},
                          s.log_path,
                          s.run_id,
                          last_row + 1};
            const std::string row = pad(b.row);
            Json tx(rapidjson::kObjectType);
            auto& a = tx.GetAllocator();
            JsonValue items(rapidjson::kArrayType);
            items.PushBack(bump_counter(a, "C#" + s.component, last_build, last_row, 1), a);
            items.PushBack(put(a, build_item(a, b, row), "attribute_not_exists(pk)"), a);
            items.PushBack(put(a,
                               Item(a)
                                   .s("pk", "N#" + s.component)
                                   .s("sk", pad(b.build_number))
                                   .s("row", row)
                                   .s("token", token)
                                   .s("run_id", s.run_id)
                                   .s("input_hash", s.input_hash)
                                   .b("shareable", s.shareable)
                                   .take(),
                               "attribute_not_exists(pk)"),
                           a);
            items.PushBack(put(a, Item(a).s("pk", "COMPONENTS").s("sk", s.component).take()), a);
            items.PushBack(put(a, detail::run_build_item(a, s.run_id, s.component, row)), a);
            auto ok = transact(tx, items, token + "-" + std::to_string(attempt));
            if (ok) return remember_claim(b, row, s.shareable);
            if (!is_conflict(ok.error())) return std::unexpected(ok.error());
            // Only a transaction the client sent more than once can have failed on its own write.
            auto claim = last_attempts() > 1 ? get("N#" + s.component, pad(b.build_number))
                                             : common::Result<Json>(Json(rapidjson::kObjectType));
            if (claim && (*claim).HasMember("Item") && get_s((*claim)["Item"], "token") == token)
                return remember_claim(b, row, s.shareable);
            pause_after_conflict(attempt);
        }
        return common::fail(common::ErrorCode::external,
                            "dynamodb: could not reserve a build number of '" + s.component +
                                "' (too much contention)");
    }

    common::Result<void> start_build(const std::string& component, std::int64_t n, Millis at,
                                     const BuildHandle& where) override {
        auto claim = claim_of(component, n);
        if (!claim) return std::unexpected(claim.error());
        // Only a queued build starts: one already ended stays as it is.
        Json body(rapidjson::kObjectType);
        auto& a = body.GetAllocator();
        Item values(a);
        values.s(":r", "running").n(":t", at).s(":q", "queued");
        std::string expression = "SET #s = :r, started_at = :t";
        if (where.pgid > 0) {
            values.n(":g", where.pgid).n(":gs", where.pgid_start);
            expression += ", pgid = :g, pgid_start = :gs";
        }
        if (!where.remote_id.empty())
            values.s(":x", where.remote_id), expression += ", remote_id = :x";
        JsonValue request =
            update(a, "B#" + component, claim->row, expression, "#s = :q", values.take());
        common::Result<Json> done;
        if (where.remote_id.empty()) {
            static_cast<JsonValue&>(body).Swap(request["Update"]);
            done = call({"UpdateItem", "dynamodb:UpdateItem"}, body);
        } else {  // and where the next run looks for remote builds
            JsonValue items(rapidjson::kArrayType);
            items.PushBack(request, a);
            items.PushBack(put(a, Item(a)
                                      .s("pk", "RR")
                                      .s("sk", component + "#" + claim->row)
                                      .s("component", component)
                                      .s("row", claim->row)
                                      .take()),
                           a);
            auto sent = transact(body, items);
            if (!sent) done = std::unexpected(sent.error());
        }
        if (!done && !is_conflict(done.error())) return std::unexpected(done.error());
        return {};
    }

    common::Result<void> finish_build(const std::string& component, std::int64_t n,
                                      const BuildEnd& end) override {
        auto claim = claim_of(component, n);
        if (!claim) return std::unexpected(claim.error());
        const std::string& row = claim->row;
        Json tx(rapidjson::kObjectType);
        auto& a = tx.GetAllocator();
        JsonValue items(rapidjson::kArrayType);
        Item values(a);
        values.s(":s", std::string(to_string(end.status))).n(":f", end.finished_at);
        std::string expression = "SET #s = :s, finished_at = :f";
        if (end.exit_code) values.n(":e", *end.exit_code), expression += ", exit_code = :e";
        if (end.started_at > 0) values.n(":t", end.started_at), expression += ", started_at = :t";
        if (!end.image_digest.empty())
            values.s(":d", end.image_digest), expression += ", image_digest = :d";
        items.PushBack(update(a, "B#" + component, row, expression, nullptr, values.take()), a);
        items.PushBack(remove(a, "RR", component + "#" + row), a);
        if (end.status == BuildStatus::succeeded && claim->shareable) {
            items.PushBack(put(a, Item(a)
                                      .s("pk", "H#" + component + "#" + claim->input_hash)
                                      .s("sk", pad(n))
                                      .s("row", row)
                                      .take()),
                           a);
        }
        auto done = transact(tx, items);
        if (done) m_claims.erase({component, n});
        return done;
    }

    common::Result<void> record_build(const BuildRecord& build) override {
        for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
            auto counter = read_counter("C#" + build.component);
            if (!counter) return std::unexpected(counter.error());
            auto [last_build, last_row] = *counter;
            Json tx(rapidjson::kObjectType);
            auto& a = tx.GetAllocator();
            JsonValue items(rapidjson::kArrayType);
            items.PushBack(bump_counter(a, "C#" + build.component, last_build, last_row, 0), a);
            const std::string row = pad(last_row + 1);
            items.PushBack(put(a, build_item(a, build, row), "attribute_not_exists(pk)"), a);
            items.PushBack(put(a, Item(a).s("pk", "COMPONENTS").s("sk", build.component).take()),
                           a);
            items.PushBack(put(a, detail::run_build_item(a, build.run_id, build.component, row)),
                           a);
            auto ok = transact(tx, items);
            if (ok) return ok;
            if (!is_conflict(ok.error())) return ok;
            pause_after_conflict(attempt);
        }
        return common::fail(common::ErrorCode::external,
                            "dynamodb: could not record a build of '" + build.component + "'");
    }

    common::Result<std::optional<BuildRecord>> find_reusable(const std::string& component,
                                                             const std::string& hash) override {
        auto found = query("H#" + component + "#" + hash, false, 1);
        if (!found) return std::unexpected(found.error());
        if (found->empty()) return std::optional<BuildRecord>{};
        auto row = get("B#" + component, (*found)[0].second);
        if (!row) return std::unexpected(row.error());
        if (!(*row).HasMember("Item")) return std::optional<BuildRecord>{};
        return std::optional<BuildRecord>(read_build((*row)["Item"]));
    }

    common::Result<std::int64_t> peek_next_number(const std::string& component) override {
        auto counter = read_counter("C#" + component);
        if (!counter) return std::unexpected(counter.error());
        return counter->first + 1;
    }

    common::Result<std::vector<BuildRecord>> builds_of(const std::string& component,
                                                       std::size_t limit) override {
        auto rows = query_items("B#" + component, false, limit);
        if (!rows) return std::unexpected(rows.error());
        std::vector<BuildRecord> out;
        for (const auto& item : (*rows)["Items"].GetArray()) out.push_back(read_build(item));
        return out;
    }

    common::Result<std::vector<BuildRecord>> latest_builds() override {
        auto names = known_components();
        if (!names) return std::unexpected(names.error());
        std::vector<BuildRecord> out;
        for (const auto& name : *names) {
            auto latest = builds_of(name, 1);
            if (!latest) return std::unexpected(latest.error());
            if (!latest->empty()) out.push_back(std::move((*latest)[0]));
        }
        return out;
    }

    common::Result<std::vector<std::string>> known_components() override {
        auto found = query("COMPONENTS", true, 0);
        if (!found) return std::unexpected(found.error());
        std::vector<std::string> out;
        for (auto& [sk, unused] : *found) out.push_back(sk);
        return out;
    }

    common::Result<void> record_diffs(const std::vector<DiffRecord>& diffs) override {
        for (std::size_t start = 0; start < diffs.size(); start += 100) {
            Json tx(rapidjson::kObjectType);
            auto& a = tx.GetAllocator();
            JsonValue items(rapidjson::kArrayType);
            for (std::size_t i = start; i < std::min(diffs.size(), start + 100); ++i) {
                items.PushBack(put(a, Item(a)
                                          .s("pk", "D#" + diffs[i].commit)
                                          .s("sk", diffs[i].component)
                                          .list("paths", diffs[i].paths)
                                          .take()),
                               a);
            }
            if (auto ok = transact(tx, items); !ok) return ok;
        }
        return {};
    }

    common::Result<std::vector<DiffRecord>> diffs_of(const std::string& commit) override {
        auto rows = query_items("D#" + commit, true, 0);
        if (!rows) return std::unexpected(rows.error());
        std::vector<DiffRecord> out;
        for (const auto& item : (*rows)["Items"].GetArray())
            out.push_back({commit, get_s(item, "sk"), get_list(item, "paths")});
        return out;
    }

    common::Result<std::vector<RunRecord>> runs(const std::string& env,
                                                std::size_t limit) override {
        auto page = m_history.run_page(env, "", limit);
        if (!page) return std::unexpected(page.error());
        return std::move(page->items);
    }

    // --- deployments (DynamoDeployments) ---------------------------------------------
    common::Result<std::int64_t> record_deployment(const DeploymentRecord& d) override {
        return m_deployments.record_deployment(d);
    }
    common::Result<bool> finish_deployment(std::int64_t id, const std::string& status, Millis at,
                                           const std::string& reason) override {
        return m_deployments.finish_deployment(id, status, at, reason);
    }
    common::Result<std::vector<DeploymentRecord>> pending_deployments(
        const std::string& env) override {
        return m_deployments.pending_deployments(env);
    }
    common::Result<std::vector<ComponentDeployment>> deployments_of(const std::string& component,
                                                                    const std::string& env,
                                                                    std::size_t limit) override {
        return m_deployments.deployments_of(component, env, limit);
    }
    common::Result<std::vector<DeploymentRecord>> current_deployments(
        const std::string& env) override {
        return m_deployments.current_deployments(env);
    }
    common::Result<std::optional<DeploymentRecord>> deployment(std::int64_t id) override {
        return m_deployments.deployment(id);
    }
    common::Result<std::vector<DeploymentRecord>> deployments_in(const std::string& env,
                                                                 std::size_t limit) override {
        return m_deployments.deployments_in(env, limit);
    }

    common::Result<std::size_t> recover_interrupted(
        const std::string& host, Millis now,
        const std::function<bool(std::int64_t, std::int64_t)>& alive,
        const std::function<void(const BuildRecord&)>& orphan) override;
    common::Result<std::vector<BuildRecord>> orphaned_remote_builds() override;
    common::Result<LockInfo> acquire_lock(const std::string& name, const std::string& owner,
                                          Millis now, Millis ttl) override;
    // --- paging and a run's builds (DynamoHistory) -----------------------------------
    common::Result<Page<BuildRecord>> build_page(const std::string& component,
                                                 const std::string& before,
                                                 std::size_t limit) override {
        return m_history.build_page(component, before, limit);
    }
    common::Result<Page<ComponentDeployment>> deployment_page(const std::string& component,
                                                              const std::string& env,
                                                              const std::string& before,
                                                              std::size_t limit) override {
        return m_history.deployment_page(component, env, before, limit);
    }
    common::Result<Page<RunRecord>> run_page(const std::string& env, const std::string& before,
                                             std::size_t limit) override {
        return m_history.run_page(env, before, limit);
    }
    common::Result<std::optional<RunRecord>> run(const std::string& id) override {
        return m_history.run(id);
    }
    common::Result<std::vector<BuildRecord>> builds_of_run(const std::string& run_id) override {
        return m_history.builds_of_run(run_id);
    }
    common::Result<void> interrupt_run(const std::string& run_id, Millis now) override {
        return m_history.interrupt_run(run_id, now);
    }

    // --- the service's deliveries and queue (DynamoQueue) ----------------------------
    // A batch makes the deliveries' and the queue's writes in it one TransactWriteItems
    // (a delivery, the jobs it queues and its result: service/intake.cpp), running `writes`
    // again after a conflict; its other writes land one by one, each atomic.
    common::Result<void> batch(const std::function<common::Result<void>()>& writes) override {
        return m_queue.in_one_transaction("store a batch of writes", writes);
    }
    common::Result<bool> record_delivery(const DeliveryRecord& d) override {
        return m_queue.record_delivery(d);
    }
    common::Result<void> set_delivery_result(const std::string& source, const std::string& id,
                                             const std::string& result, const std::string& reason,
                                             std::int64_t job_id) override {
        return m_queue.set_delivery_result(source, id, result, reason, job_id);
    }
    common::Result<std::vector<DeliveryRecord>> deliveries(std::size_t limit) override {
        return m_queue.deliveries(limit);
    }
    common::Result<JobRecord> enqueue_job(const JobRecord& job,
                                          const OlderThan& older = {}) override {
        return m_queue.enqueue_job(job, older);
    }
    common::Result<std::optional<JobRecord>> claim_job(
        const std::string& owner, Millis now, Millis ttl,
        std::vector<JobRecord>& interrupted) override {
        return m_queue.claim_job(owner, now, ttl, interrupted);
    }
    common::Result<bool> renew_job(std::int64_t id, const std::string& owner, Millis now,
                                   Millis ttl, const std::string& run_id) override {
        return m_queue.renew_job(id, owner, now, ttl, run_id);
    }
    common::Result<void> finish_job(std::int64_t id, const std::string& owner, JobStatus status,
                                    Millis at, const std::string& run_id,
                                    const std::string& reason) override {
        return m_queue.finish_job(id, owner, status, at, run_id, reason);
    }
    common::Result<std::vector<JobRecord>> jobs(const std::string& env,
                                                std::size_t limit) override {
        return m_queue.jobs(env, limit);
    }

    common::Result<void> release_lock(const std::string& name, const std::string& owner) override;

    // --- promotion requests and drift (DynamoRequests) -------------------------------
    common::Result<std::int64_t> record_request(const PromotionRequest& r) override {
        return m_requests.record_request(r);
    }
    common::Result<std::optional<PromotionRequest>> request(std::int64_t id) override {
        return m_requests.request(id);
    }
    common::Result<std::vector<PromotionRequest>> requests(const std::string& env,
                                                           std::size_t limit) override {
        return m_requests.requests(env, limit);
    }
    common::Result<bool> decide_request(std::int64_t id, const RequestDecision& d) override {
        return m_requests.change_open(id, [&](PromotionRequest& r) { r.decisions.push_back(d); });
    }
    common::Result<bool> finish_request(std::int64_t id, const std::string& status, Millis at,
                                        std::int64_t deployment_id, const std::string& run_id,
                                        const std::string& outcome) override {
        return m_requests.change_open(id, [&](PromotionRequest& r) {
            r.status = status;
            r.finished_at = at;
            r.deployment_id = deployment_id;
            r.run_id = run_id;
            r.outcome = outcome;
        });
    }
    common::Result<void> record_drift(const DriftRecord& d) override {
        return m_requests.record_drift(d);
    }
    common::Result<std::vector<DriftRecord>> drifts() override { return m_requests.drifts(); }

  private:
    // What a build's number claim says: its row, run and input hash, and whether its
    // success becomes a reuse entry (H#).
    struct Claim {
        std::string row;
        std::string run_id;
        std::string input_hash;
        bool shareable = true;
    };

    BuildRecord remember_claim(const BuildRecord& b, const std::string& row, bool shareable) {
        m_claims[{b.component, b.build_number}] = {row, b.run_id, b.input_hash, shareable};
        return b;
    }

    // The claim of build `n`: as this store made it, or read from the table (a build another
    // process reserved); an error when there is none.
    common::Result<Claim> claim_of(const std::string& component, std::int64_t n) {
        if (auto it = m_claims.find({component, n}); it != m_claims.end()) return it->second;
        auto claim = get("N#" + component, pad(n));
        if (!claim) return std::unexpected(claim.error());
        if (!(*claim).HasMember("Item")) {
            return common::fail(common::ErrorCode::external,
                                "dynamodb: build #" + std::to_string(n) + " of '" + component +
                                    "' was never reserved");
        }
        const JsonValue& c = (*claim)["Item"];
        const bool shareable = !c.HasMember("shareable") || get_b(c, "shareable");
        return Claim{get_s(c, "row"), get_s(c, "run_id"), get_s(c, "input_hash"), shareable};
    }

    common::Result<LockInfo> read_lock(const std::string& name);

    detail::DynamoDeployments m_deployments{*this};
    detail::DynamoHistory m_history{*this};
    detail::DynamoQueue m_queue{*this};
    detail::DynamoRequests m_requests{*this};
    std::map<std::pair<std::string, std::int64_t>, Claim> m_claims;  // made here, not yet ended
};

}  // namespace
}  // namespace versioning

namespace versioning {

common::Result<LockInfo> DynamoStore::read_lock(const std::string& name) {
    auto item = get("LOCK", name);
    if (!item) return std::unexpected(item.error());
    LockInfo info{name, "", 0, 0};
    if (!item->HasMember("Item")) return info;
    const JsonValue& i = (*item)["Item"];
    info.owner = get_s(i, "owner");
    info.acquired_at = get_n(i, "acquired_at");
    info.expires_at = get_n(i, "expires_at");
    return info;
}

// Optimistic: read the lease, then put ours on the condition that the item is still what
// was read (absent, or the same owner and expiry). A racing writer fails the condition and
// the lease is read again.
common::Result<LockInfo> DynamoStore::acquire_lock(const std::string& name,
                                                   const std::string& owner, Millis now,
                                                   Millis ttl) {
    for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
        auto held = read_lock(name);
        if (!held) return std::unexpected(held.error());
        const bool free = held->owner.empty() || held->expires_at <= now;
        if (!free && held->owner != owner) return *held;
        LockInfo mine{name, owner, held->owner == owner ? held->acquired_at : now, now + ttl};
        Json body(rapidjson::kObjectType);
        auto& a = body.GetAllocator();
        body.AddMember("TableName", this->name(a), a);
        body.AddMember("Item",
                       Item(a)
                           .s("pk", "LOCK")
                           .s("sk", name)
                           .s("owner", owner)
                           .n("acquired_at", mine.acquired_at)
                           .n("expires_at", mine.expires_at)
                           .take(),
                       a);
        if (held->owner.empty()) {
            body.AddMember("ConditionExpression", "attribute_not_exists(pk)", a);
        } else {
            body.AddMember("ConditionExpression", "#o = :o AND expires_at = :e", a);
            JsonValue names(rapidjson::kObjectType);
            names.AddMember("#o", "owner", a);
            body.AddMember("ExpressionAttributeNames", names, a);
            body.AddMember("ExpressionAttributeValues",
                           Item(a).s(":o", held->owner).n(":e", held->expires_at).take(), a);
        }
        auto done = call({"PutItem", "dynamodb:PutItem"}, body);
        if (done) return mine;
        if (!is_conflict(done.error())) return std::unexpected(done.error());
        pause_after_conflict(attempt);
    }
    return common::fail(common::ErrorCode::external,
                        "dynamodb: could not take lock " + name + " (too much contention)");
}

common::Result<void> DynamoStore::release_lock(const std::string& name, const std::string& owner) {
    Json body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    body.AddMember("TableName", this->name(a), a);
    body.AddMember("Key", Item(a).s("pk", "LOCK").s("sk", name).take(), a);
    body.AddMember("ConditionExpression", "#o = :o", a);
    JsonValue names(rapidjson::kObjectType);
    names.AddMember("#o", "owner", a);
    body.AddMember("ExpressionAttributeNames", names, a);
    body.AddMember("ExpressionAttributeValues", Item(a).s(":o", owner).take(), a);
    auto done = call({"DeleteItem", "dynamodb:DeleteItem"}, body);
    if (!done && !is_conflict(done.error())) return std::unexpected(done.error());
    return {};
}

common::Result<std::size_t> DynamoStore::recover_interrupted(
    const std::string& host, Millis now,
    const std::function<bool(std::int64_t, std::int64_t)>& alive,
    const std::function<void(const BuildRecord&)>& orphan) {
    auto running = query_items("RUNNING#" + host, true, 0);
    if (!running) return std::unexpected(running.error());
    std::size_t marked = 0;
    for (const auto& r : (*running)["Items"].GetArray()) {
        if (alive(get_n(r, "pid"), get_n(r, "pid_start"))) continue;
        auto builds = m_history.builds_of_run(get_s(r, "sk"));
        if (!builds) return std::unexpected(builds.error());
        for (const BuildRecord& b : *builds) {  // remote builds go on remotely
            const bool open = b.status == BuildStatus::queued || b.status == BuildStatus::running;
            if (open && b.handle.remote_id.empty() && b.handle.pgid > 0) orphan(b);
        }
        if (auto ok = m_history.interrupt_run(get_s(r, "sk"), now); !ok)
            return std::unexpected(ok.error());
        ++marked;
    }
    return marked;
}

// RR lists the builds started remotely and not ended; those whose run is no longer running
// were left by it.
common::Result<std::vector<BuildRecord>> DynamoStore::orphaned_remote_builds() {
    auto entries = query_items("RR", true, 0);
    if (!entries) return std::unexpected(entries.error());
    std::vector<BuildRecord> out;
    for (const auto& e : (*entries)["Items"].GetArray()) {
        auto row = get("B#" + get_s(e, "component"), get_s(e, "row"));
        if (!row) return std::unexpected(row.error());
        if (!row->HasMember("Item")) continue;
        BuildRecord b = read_build((*row)["Item"]);
        if (b.status != BuildStatus::running && b.status != BuildStatus::queued) continue;
        auto run = m_history.run(b.run_id);
        if (!run) return std::unexpected(run.error());
        if (*run && (*run)->status == RunStatus::running) continue;
        out.push_back(std::move(b));
    }
    std::ranges::sort(out, {}, [](const BuildRecord& b) { return b.started_at; });
    return out;
}

common::Result<void> init_dynamo_table(aws::Client& client, const std::string& table) {
    const std::string create =
        R"({"TableName":")" + table +
        R"(","BillingMode":"PAY_PER_REQUEST",)"
        R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],)"
        R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]})";
    auto created = client.json(aws::dynamodb_service(), k_target,
                               {"CreateTable", "dynamodb:CreateTable"}, create);
    if (!created && created.error().message.find("ResourceInUseException") == std::string::npos) {
        return std::unexpected(created.error());
    }
    for (int i = 0; i < 120; ++i) {
        auto described = client.json(aws::dynamodb_service(), k_target,
                                     {"DescribeTable", "dynamodb:DescribeTable"},
                                     R"({"TableName":")" + table + R"("})");
        if (!described) return std::unexpected(described.error());
        if (described->find(R"("TableStatus": "ACTIVE")") != std::string::npos ||
            described->find(R"("TableStatus":"ACTIVE")") != std::string::npos) {
            return {};
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return common::fail(common::ErrorCode::external,
                        "dynamodb table " + table + " did not become active in 2 minutes");
}

common::Result<std::unique_ptr<VersionStore>> open_dynamo_store(std::unique_ptr<aws::Client> client,
                                                                const std::string& table) {
    auto described =
        client->json(aws::dynamodb_service(), k_target, {"DescribeTable", "dynamodb:DescribeTable"},
                     R"({"TableName":")" + table + R"("})");
    if (!described) {
        if (described.error().message.find("ResourceNotFoundException") != std::string::npos) {
            return common::fail(common::ErrorCode::input,
                                "the DynamoDB table '" + table +
                                    "' does not exist: create it with 'slipway store init'");
        }
        return std::unexpected(described.error());
    }
    return std::unique_ptr<VersionStore>(std::make_unique<DynamoStore>(std::move(client), table));
}

}  // namespace versioning
