// The service's deliveries and job queue on DynamoDB, as safe with several processes (two
// `slipway serve` replicas on one table) as SQLite's transactions.
//
// A delivery is one conditional Put of DL#<source> / <id> (attribute_not_exists, or one
// without a result: not taken yet), with its entry in DELIVERIES (by received time): of two
// replicas storing the same delivery, one stores it and the other finds it there. The item
// carries the storing transaction's random token, so a transaction whose answer was lost and
// that was sent again recognises its own write.
//
// The service takes a delivery in a batch (VersionStore::batch, service/intake.cpp): the
// delivery, the jobs it queues and its result. Here a batch gathers those writes (Pending)
// and sends them as ONE TransactWriteItems at its end: the delivery's Put with its result,
// the job counter's bump, each new job with its JOB#<env> entry, each environment's slot
// (written, or checked for a dropped job) and the job it supersedes. A failure anywhere stores
// nothing, so the redelivery takes it whole; of two replicas taking one delivery at once, the
// transaction of the second fails on the delivery's condition (or on a slot's rev) and its
// batch runs again, to find the delivery taken. Outside a batch each of these writes is such a
// transaction of its own.
//
// Each environment's queue is one slot item, QUEUE / <env>: the running job with its claim
// (owner, expiry), the waiting job, and `rev`. Every change of the queue -- enqueueing (newest
// wins: the waiting job superseded; a head already waiting or running dropped), claiming,
// renewing, finishing, taking back an expired claim (the job waits again to run once more,
// or is interrupted: SQLite's rule, with the job's `attempts`) -- is one TransactWriteItems
// that writes the slot on the condition that `rev` is still what was read (or checks it, for
// a dropped job), together with the job items it changes. A concurrent change fails the condition
// and the loser reads again, so an environment never has two running jobs and a job is claimed
// once. The QUEUE partition is also the list of environments with a queue: claim_job reads it
// with one Query and takes the free environment whose waiting job is oldest. Job ids come
// from the counter C#jobs, bumped in the enqueueing transaction. Jobs live at JOBS / <id>
// (all jobs newest first is one Query) and are listed per environment by JOB#<env> / <id>.
#include "versioning/dynamo_queue.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "versioning/dynamo_records.hpp"

namespace versioning::detail {

// What a transaction changes in a job item (unset: unchanged).
struct DynamoQueue::JobChange {
    std::optional<JobStatus> status;
    std::optional<std::string> owner;
    std::optional<Millis> started_at;
    std::optional<Millis> finished_at;
    std::optional<Millis> lease_until;
    std::optional<std::string> reason;
    std::optional<std::string> run_id;  // empty: unchanged
    std::optional<int> attempts;
};

// The writes in_one_transaction gathers, sent as one transaction at its end.
struct DynamoQueue::Pending {
    // An environment's slot: as read, and as the gathered writes leave it.
    struct SlotChange {
        Slot read;
        Slot next;
        bool written = false;  // false: only checked (a dropped job)
    };
    std::string token;                         // stamped on deliveries and jobs (`tx`)
    std::map<Key, DeliveryRecord> deliveries;  // stored here, with their result when set
    std::map<Key, std::string> listed;         // their DELIVERIES entry before (not taken)
    std::map<Key, DeliveryRecord> results;     // results of deliveries stored before
    std::optional<std::pair<std::int64_t, std::int64_t>> counter;  // C#jobs as read
    std::int64_t ids = 0;                       // job ids handed out: counter + 1, ...
    std::map<std::string, SlotChange> slots;    // by environment
    std::map<std::int64_t, JobRecord> jobs;     // new jobs
    std::map<std::int64_t, JobChange> changes;  // jobs stored before (superseded)
};

DynamoQueue::DynamoQueue(DynamoTable& table) : m_table(table) {}
DynamoQueue::~DynamoQueue() = default;

namespace {

using JobChange = DynamoQueue::JobChange;

// What the slot remembers of a job to recognise the same one queued again: its head, and the
// promotion request it deploys.
std::string queue_key(const JobRecord& j) {
    return j.request_id ? j.head + "#request:" + std::to_string(j.request_id) : j.head;
}

JsonValue job_item(Json::AllocatorType& a, const JobRecord& j, const std::string& token) {
    Item i(a);
    i.s("pk", "JOBS")
        .s("sk", pad(j.id))
        .n("id", j.id)
        .s("env", j.env)
        .s("branch", j.branch)
        .s("head", j.head)
        .s("kind", j.kind)
        .n("request_id", j.request_id)
        .s("note", j.note)
        .s("trigger", j.trigger)
        .s("actor", j.actor)
        .s("status", std::string(to_string(j.status)))
        .n("created_at", j.created_at)
        .s("run_id", j.run_id)
        .s("owner", j.owner)
        .n("lease_until", j.lease_until)
        .s("reason", j.reason)
        .n("attempts", j.attempts)
        .s("replaced", joined_heads(j.replaced))
        .s("tx", token);
    if (j.started_at) i.n("started_at", *j.started_at);
    if (j.finished_at) i.n("finished_at", *j.finished_at);
    return i.take();
}

JobRecord job_of(const JsonValue& i) {
    JobRecord j;
    j.id = get_n(i, "id");
    j.env = get_s(i, "env");
    j.branch = get_s(i, "branch");
    j.head = get_s(i, "head");
    j.trigger = get_s(i, "trigger");
    j.actor = get_s(i, "actor");
    j.status = parse_job_status(get_s(i, "status"));
    j.created_at = get_n(i, "created_at");
    j.started_at = get_optional_n(i, "started_at");
    j.finished_at = get_optional_n(i, "finished_at");
    j.run_id = get_s(i, "run_id");
    j.owner = get_s(i, "owner");
    j.lease_until = get_n(i, "lease_until");
    j.reason = get_s(i, "reason");
    j.attempts = static_cast<int>(get_n(i, "attempts"));
    j.replaced = split_heads(get_s(i, "replaced"));
    j.kind = i.HasMember("kind") ? get_s(i, "kind") : "run";
    j.request_id = get_n(i, "request_id");
    j.note = get_s(i, "note");
    return j;
}

// The UpdateItem entry for `change` of job `id`, stamping the transaction's token.
JsonValue job_update(DynamoTable& table, Json::AllocatorType& a, std::int64_t id,
                     const JobChange& c, const std::string& token) {
    Item values(a);
    std::string expression = "SET tx = :x";
    values.s(":x", token);
    auto set = [&](const char* attribute, const char* placeholder) {
        expression += std::string(", ") + attribute + " = " + placeholder;
    };
    if (c.status) values.s(":s", std::string(to_string(*c.status))), set("#s", ":s");
    if (c.owner) values.s(":o", *c.owner), set("#o", ":o");
    if (c.started_at) values.n(":t", *c.started_at), set("started_at", ":t");
    if (c.finished_at) values.n(":f", *c.finished_at), set("finished_at", ":f");
    if (c.lease_until) values.n(":l", *c.lease_until), set("lease_until", ":l");
    if (c.reason) values.s(":why", *c.reason), set("reason", ":why");
    if (c.run_id && !c.run_id->empty()) values.s(":run", *c.run_id), set("run_id", ":run");
    if (c.attempts) values.n(":a", *c.attempts), set("attempts", ":a");
    return table.update(a, "JOBS", pad(id), expression, nullptr, values.take());
}

JobRecord applied(JobRecord j, const JobChange& c) {
    if (c.status) j.status = *c.status;
    if (c.owner) j.owner = *c.owner;
    if (c.started_at) j.started_at = c.started_at;
    if (c.finished_at) j.finished_at = c.finished_at;
    if (c.lease_until) j.lease_until = *c.lease_until;
    if (c.reason) j.reason = *c.reason;
    if (c.run_id && !c.run_id->empty()) j.run_id = *c.run_id;
    if (c.attempts) j.attempts = *c.attempts;
    return j;
}

DynamoQueue::Slot slot_of(const JsonValue& i) {
    return {get_s(i, "sk"),           get_n(i, "running"),     get_s(i, "running_head"),
            get_s(i, "owner"),        get_n(i, "lease_until"), get_n(i, "waiting"),
            get_s(i, "waiting_head"), get_n(i, "rev")};
}

DeliveryRecord delivery_of(const JsonValue& i) {
    return {get_s(i, "source"), get_s(i, "id"),    get_n(i, "received_at"), get_s(i, "event"),
            get_s(i, "ref"),    get_s(i, "head"),  get_s(i, "actor"),       get_s(i, "result"),
            get_s(i, "reason"), get_n(i, "job_id")};
}

// The sort key of a delivery's DELIVERIES entry: by received time.
std::string delivery_order(const DeliveryRecord& d) {
    return run_order(d.received_at, d.id) + "#" + d.source;
}

// A delivery's item. One not taken yet has no `result`: one stored without it (by a slipway
// that stored a delivery before queueing its jobs, or by record_delivery alone) is taken
// again by its redelivery.
JsonValue delivery_item(Json::AllocatorType& a, const DeliveryRecord& d, const std::string& token) {
    Item delivery(a);
    delivery.s("pk", "DL#" + d.source)
        .s("sk", d.id)
        .s("source", d.source)
        .s("id", d.id)
        .n("received_at", d.received_at)
        .s("event", d.event)
        .s("ref", d.ref)
        .s("head", d.head)
        .s("actor", d.actor)
        .s("reason", d.reason)
        .n("job_id", d.job_id)
        .s("tx", token);
    if (!d.result.empty()) delivery.s("result", d.result);
    return delivery.take();
}

// Why a gathering of `items` writes cannot be one transaction, naming the delivery it takes.
std::unexpected<common::Error> too_many_writes(const DynamoQueue::Pending& p, std::size_t items) {
    const std::string what = p.deliveries.empty()
                                 ? std::string("a batch of the queue's writes")
                                 : "delivery " + p.deliveries.begin()->second.id + " and its jobs";
    return common::fail(
        common::ErrorCode::input,
        fmt::format(
            "dynamodb: {} would be {} writes, more than the {} of one DynamoDB "
            "transaction; nothing was stored (a delivery takes up to 4, and up to 4 for each "
            "environment its branch triggers: at most 24 environments per branch with a "
            "DynamoDB store)",
            what, items, DynamoQueue::k_max_items));
}

}  // namespace

// --- gathering writes into one transaction -----------------------------------------------

common::Result<void> DynamoQueue::in_one_transaction(
    const std::string& doing, const std::function<common::Result<void>()>& writes) {
    if (m_pending) return writes();
    struct Ended {  // the gathering ends with this call, also when `writes` throws
        std::unique_ptr<Pending>& pending;
        ~Ended() { pending.reset(); }
    };
    const std::string token = random_token();
    for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
        m_pending = std::make_unique<Pending>();
        m_pending->token = token + "-" + std::to_string(attempt);
        Ended ended{m_pending};
        if (auto ok = writes(); !ok) return ok;
        auto done = commit(*m_pending);
        if (!done) return std::unexpected(done.error());
        if (*done) return {};
        pause_after_conflict(attempt);
    }
    return common::fail(common::ErrorCode::external,
                        "dynamodb: could not " + doing + " (too much contention)");
}

common::Result<bool> DynamoQueue::commit(const Pending& p) {
    Json tx(rapidjson::kObjectType);
    auto& a = tx.GetAllocator();
    JsonValue items(rapidjson::kArrayType);
    for (const auto& [key, d] : p.deliveries) {
        items.PushBack(m_table.put(a, delivery_item(a, d, p.token),
                                   "attribute_not_exists(pk) OR attribute_not_exists(#r)"),
                       a);
        const std::string order = delivery_order(d);
        items.PushBack(m_table.put(a, Item(a)
                                          .s("pk", "DELIVERIES")
                                          .s("sk", order)
                                          .s("source", d.source)
                                          .s("id", d.id)
                                          .take()),
                       a);
        // A delivery taken again is listed once: at its new time.
        if (auto before = p.listed.find(key); before != p.listed.end() && before->second != order)
            items.PushBack(m_table.remove(a, "DELIVERIES", before->second), a);
    }
    for (const auto& [key, d] : p.results) {
        items.PushBack(m_table.update(a, key.first, key.second,
                                      "SET #r = :r, reason = :why, job_id = :j, tx = :x",
                                      "attribute_exists(pk)",
                                      Item(a)
                                          .s(":r", d.result)
                                          .s(":why", d.reason)
                                          .n(":j", d.job_id)
                                          .s(":x", p.token)
                                          .take()),
                       a);
    }
    if (p.ids > 0)
        items.PushBack(m_table.bump_counter(a, "C#jobs", p.counter->first, p.counter->second,
                                            static_cast<int>(p.ids)),
                       a);
    for (const auto& [id, j] : p.jobs) {
        items.PushBack(m_table.put(a, job_item(a, j, p.token), "attribute_not_exists(pk)"), a);
        items.PushBack(
            m_table.put(a, Item(a).s("pk", "JOB#" + j.env).s("sk", pad(id)).n("id", id).take()), a);
    }
    for (const auto& [id, c] : p.changes) items.PushBack(job_update(m_table, a, id, c, p.token), a);
    for (const auto& [env, slot] : p.slots) {
        if (slot.written) {
            items.PushBack(write_slot(a, slot.read, slot.next), a);
        } else if (slot.read.rev == 0) {
            items.PushBack(m_table.check(a, "QUEUE", env, "attribute_not_exists(pk)",
                                         JsonValue(rapidjson::kObjectType)),
                           a);
        } else {
            items.PushBack(
                m_table.check(a, "QUEUE", env, "rev = :v", Item(a).n(":v", slot.read.rev).take()),
                a);
        }
    }
    if (items.Empty()) return true;
    if (items.Size() > k_max_items) return too_many_writes(p, items.Size());
    auto done = m_table.transact(tx, items, p.token);
    if (done) return true;
    if (!is_conflict(done.error())) return std::unexpected(done.error());
    return landed(p);
}

common::Result<bool> DynamoQueue::landed(const Pending& p) {
    if (m_table.last_attempts() <= 1) return false;
    // Any item the transaction stamped with its token says whether it landed.
    Key stamped;
    if (!p.deliveries.empty())
        stamped = p.deliveries.begin()->first;
    else if (!p.jobs.empty())
        stamped = {"JOBS", pad(p.jobs.begin()->first)};
    else if (!p.changes.empty())
        stamped = {"JOBS", pad(p.changes.begin()->first)};
    else if (!p.results.empty())
        stamped = p.results.begin()->first;
    else
        return false;
    auto item = m_table.get(stamped.first, stamped.second);
    if (!item) return std::unexpected(item.error());
    return item->HasMember("Item") && get_s((*item)["Item"], "tx") == p.token;
}

// --- deliveries --------------------------------------------------------------------------

common::Result<bool> DynamoQueue::pend_delivery(const DeliveryRecord& d) {
    const Key key{"DL#" + d.source, d.id};
    if (m_pending->deliveries.contains(key)) return false;  // stored by this batch already
    auto stored = m_table.get(key.first, key.second);
    if (!stored) return std::unexpected(stored.error());
    // Taken when it has a result; one stored without (see delivery_item) is taken again.
    if (stored->HasMember("Item")) {
        if ((*stored)["Item"].HasMember("result")) return false;
        m_pending->listed.emplace(key, delivery_order(delivery_of((*stored)["Item"])));
    }
    m_pending->deliveries.emplace(key, d);
    return true;
}

common::Result<bool> DynamoQueue::record_delivery(const DeliveryRecord& d) {
    if (m_pending) return pend_delivery(d);
    bool stored = false;
    auto done = in_one_transaction("store delivery " + d.id, [&]() -> common::Result<void> {
        auto first = pend_delivery(d);
        if (!first) return std::unexpected(first.error());
        stored = *first;
        return {};
    });
    if (!done) return std::unexpected(done.error());
    return stored;
}

common::Result<void> DynamoQueue::pend_result(const std::string& source, const std::string& id,
                                              const std::string& result, const std::string& reason,
                                              std::int64_t job_id) {
    const Key key{"DL#" + source, id};
    auto mine = m_pending->deliveries.find(key);
    if (mine == m_pending->deliveries.end()) {
        auto stored = m_table.get(key.first, key.second);
        if (!stored) return std::unexpected(stored.error());
        if (!stored->HasMember("Item")) return {};  // never stored: no result to record
        mine = m_pending->results.insert_or_assign(key, delivery_of((*stored)["Item"])).first;
    }
    mine->second.result = result, mine->second.reason = reason, mine->second.job_id = job_id;
    return {};
}

common::Result<void> DynamoQueue::set_delivery_result(const std::string& source,
                                                      const std::string& id,
                                                      const std::string& result,
                                                      const std::string& reason,
                                                      std::int64_t job_id) {
    if (m_pending) return pend_result(source, id, result, reason, job_id);
    Json body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    JsonValue request = m_table.update(
        a, "DL#" + source, id, "SET #r = :r, reason = :why, job_id = :j", "attribute_exists(pk)",
        Item(a).s(":r", result).s(":why", reason).n(":j", job_id).take());
    static_cast<JsonValue&>(body).Swap(request["Update"]);
    auto done = m_table.call({"UpdateItem", "dynamodb:UpdateItem"}, body);
    if (!done && !is_conflict(done.error())) return std::unexpected(done.error());
    return {};  // a delivery never stored has no result to record
}

common::Result<std::vector<DeliveryRecord>> DynamoQueue::deliveries(std::size_t limit) {
    if (limit == 0) return std::vector<DeliveryRecord>{};
    auto entries = m_table.query_items("DELIVERIES", false, limit);
    if (!entries) return std::unexpected(entries.error());
    // A delivery is listed once; a table an older slipway wrote may list one taken again
    // twice (BatchGetItem refuses a key asked twice).
    std::vector<Key> keys;
    std::set<Key> seen;
    for (const auto& e : (*entries)["Items"].GetArray()) {
        Key key{"DL#" + get_s(e, "source"), get_s(e, "id")};
        if (seen.insert(key).second) keys.push_back(std::move(key));
    }
    auto items = m_table.batch_get(keys);
    if (!items) return std::unexpected(items.error());
    std::vector<DeliveryRecord> out;
    for (const auto& i : (*items)["Items"].GetArray()) out.push_back(delivery_of(i));
    return out;
}

// --- the queue's items ---------------------------------------------------------------------

common::Result<DynamoQueue::Slot> DynamoQueue::read_slot(const std::string& env) {
    auto item = m_table.get("QUEUE", env);
    if (!item) return std::unexpected(item.error());
    if (item->HasMember("Item")) return slot_of((*item)["Item"]);
    Slot none;  // rev 0: written with attribute_not_exists
    none.env = env;
    return none;
}

common::Result<std::vector<DynamoQueue::Slot>> DynamoQueue::read_slots() {
    auto items = m_table.query_items("QUEUE", true, 0);
    if (!items) return std::unexpected(items.error());
    std::vector<Slot> out;
    for (const auto& i : (*items)["Items"].GetArray()) out.push_back(slot_of(i));
    return out;
}

common::Result<std::optional<JobRecord>> DynamoQueue::read_job(std::int64_t id) {
    auto item = m_table.get("JOBS", pad(id));
    if (!item) return std::unexpected(item.error());
    if (!item->HasMember("Item")) return std::optional<JobRecord>{};
    return std::optional<JobRecord>{job_of((*item)["Item"])};
}

JsonValue DynamoQueue::write_slot(Json::AllocatorType& a, const Slot& read, const Slot& next) {
    JsonValue p = m_table.put(a,
                              Item(a)
                                  .s("pk", "QUEUE")
                                  .s("sk", next.env)
                                  .n("running", next.running)
                                  .s("running_head", next.running_head)
                                  .s("owner", next.owner)
                                  .n("lease_until", next.lease_until)
                                  .n("waiting", next.waiting)
                                  .s("waiting_head", next.waiting_head)
                                  .n("rev", read.rev + 1)
                                  .take(),
                              read.rev == 0 ? "attribute_not_exists(pk)" : "rev = :v");
    if (read.rev > 0)
        p["Put"].AddMember("ExpressionAttributeValues", Item(a).n(":v", read.rev).take(), a);
    return p;
}

common::Result<bool> DynamoQueue::landed(std::int64_t id, const std::string& token) {
    if (m_table.last_attempts() <= 1) return false;
    auto item = m_table.get("JOBS", pad(id));
    if (!item) return std::unexpected(item.error());
    return item->HasMember("Item") && get_s((*item)["Item"], "tx") == token;
}

// Slot `read` becomes `next` and job `id` changes by `c`, in one transaction: true when it
// landed, false after a conflict (read again and retry).
common::Result<bool> DynamoQueue::change(const Slot& read, const Slot& next, std::int64_t id,
                                         const JobChange& c, const std::string& token) {
    Json tx(rapidjson::kObjectType);
    auto& a = tx.GetAllocator();
    JsonValue items(rapidjson::kArrayType);
    items.PushBack(write_slot(a, read, next), a);
    items.PushBack(job_update(m_table, a, id, c, token), a);
    auto done = m_table.transact(tx, items, token);
    if (done) return true;
    if (!is_conflict(done.error())) return std::unexpected(done.error());
    return landed(id, token);
}

// The slot of job `id` when `owner` runs it; nullopt when the job is not theirs (any more).
common::Result<std::optional<DynamoQueue::Slot>> DynamoQueue::slot_running(
    std::int64_t id, const std::string& owner) {
    auto job = read_job(id);
    if (!job) return std::unexpected(job.error());
    if (!*job) return std::optional<Slot>{};
    auto slot = read_slot((*job)->env);
    if (!slot) return std::unexpected(slot.error());
    if (slot->running != id || slot->owner != owner) return std::optional<Slot>{};
    return std::optional<Slot>{*slot};
}

// --- the queue -----------------------------------------------------------------------------

namespace {

// A job as the environment's slot names it: its queue_key read back into head and request.
JobRecord slot_job(std::int64_t id, const std::string& key) {
    JobRecord j;
    j.id = id;
    j.head = key;
    if (const auto at = key.find("#request:"); at != std::string::npos) {
        j.head = key.substr(0, at);
        j.request_id = std::stoll(key.substr(at + 9));
    }
    return j;
}

// A dead replica's job `j`, running in `slot` on an expired claim, taken back (SQLite's rule):
// it waits again, to run once more, unless it ran twice already or a newer job waits -- then
// it is interrupted. `next` and `c` get the slot's and the job's changes.
void take_back(const DynamoQueue::Slot& slot, const JobRecord& j, Millis now,
               DynamoQueue::Slot& next, JobChange& c) {
    const bool again = slot.waiting == 0 && j.attempts < 2;
    next.running = 0, next.running_head.clear(), next.owner.clear(), next.lease_until = 0;
    if (again) next.waiting = j.id, next.waiting_head = slot.running_head;
    c.status = again ? JobStatus::pending : JobStatus::interrupted;
    c.owner = "", c.lease_until = 0;
    if (!again) c.finished_at = now;
    c.reason = "the claim of " + slot.owner + " expired" + (again ? "; to be run again" : "");
}

// The free environment whose waiting job is oldest; nullptr when there is none.
const DynamoQueue::Slot* oldest_waiting(const std::vector<DynamoQueue::Slot>& slots) {
    const DynamoQueue::Slot* best = nullptr;
    for (const auto& s : slots) {
        if (s.running == 0 && s.waiting > 0 && (!best || s.waiting < best->waiting)) best = &s;
    }
    return best;
}

}  // namespace

// The job queued into the gathering: the environment's slot read once per gathering (then
// as the gathering leaves it), the counter read once (ids counter + 1, + 2, ...).
common::Result<JobRecord> DynamoQueue::pend_job(const JobRecord& job, const OlderThan& older) {
    Pending& p = *m_pending;
    auto at = p.slots.find(job.env);
    if (at == p.slots.end()) {
        auto slot = read_slot(job.env);
        if (!slot) return std::unexpected(slot.error());
        at = p.slots.emplace(job.env, Pending::SlotChange{*slot, *slot}).first;
    }
    if (!p.counter) {
        auto counter = m_table.read_counter("C#jobs");
        if (!counter) return std::unexpected(counter.error());
        p.counter = *counter;
    }
    Slot& slot = at->second.next;
    // The open jobs as the slot names them (the waiting one read whole: the heads it
    // replaced carry over); the slot's rev guards them.
    JobRecord running = slot_job(slot.running, slot.running_head);
    JobRecord waiting = slot_job(slot.waiting, slot.waiting_head);
    if (slot.waiting > 0) {
        if (auto mine = p.jobs.find(slot.waiting); mine != p.jobs.end()) {
            waiting.replaced = mine->second.replaced;
        } else {
            auto read = read_job(slot.waiting);
            if (!read) return std::unexpected(read.error());
            if (*read) waiting.replaced = (*read)->replaced;
        }
    }
    JobRecord stored = queued_job(job, slot.running > 0 ? &running : nullptr,
                                  slot.waiting > 0 ? &waiting : nullptr, older);
    stored.id = p.counter->first + ++p.ids;
    if (stored.status != JobStatus::dropped) {
        if (slot.waiting > 0) {
            JobChange c;
            c.status = JobStatus::superseded, c.finished_at = job.created_at;
            c.reason = superseded_reason(stored, waiting);
            if (auto mine = p.jobs.find(slot.waiting); mine != p.jobs.end())
                mine->second = applied(mine->second, c);  // queued by this gathering
            else
                p.changes[slot.waiting] = c;
        }
        slot.waiting = stored.id;
        slot.waiting_head = queue_key(stored);
        at->second.written = true;
    }
    p.jobs.emplace(stored.id, stored);
    return stored;
}

common::Result<JobRecord> DynamoQueue::enqueue_job(const JobRecord& job, const OlderThan& older) {
    if (m_pending) return pend_job(job, older);
    JobRecord stored;
    auto done = in_one_transaction("queue a job for " + job.env, [&]() -> common::Result<void> {
        auto queued = pend_job(job, older);
        if (!queued) return std::unexpected(queued.error());
        stored = std::move(*queued);
        return {};
    });
    if (!done) return std::unexpected(done.error());
    return stored;
}

// Expired claims first (one per transaction, each job taken back and returned in
// `interrupted`), then the oldest waiting job of a free environment; every step reads the
// slots again.
common::Result<std::optional<JobRecord>> DynamoQueue::claim_job(
    const std::string& owner, Millis now, Millis ttl, std::vector<JobRecord>& interrupted) {
    const std::string token = random_token();
    for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
        auto slots = read_slots();
        if (!slots) return std::unexpected(slots.error());
        auto expired = std::find_if(slots->begin(), slots->end(), [&](const Slot& s) {
            return s.running > 0 && s.lease_until <= now;
        });
        const Slot* free = oldest_waiting(*slots);
        const bool taking_back = expired != slots->end();
        if (!taking_back && !free) return std::optional<JobRecord>{};
        auto step = claim_step(taking_back ? *expired : *free, taking_back, owner, now, ttl,
                               token + "-" + std::to_string(attempt));
        if (!step) return std::unexpected(step.error());
        if (!*step) {
            pause_after_conflict(attempt);
        } else if (!taking_back) {
            return step;
        } else {
            interrupted.push_back(std::move(**step));
        }
    }
    return common::fail(common::ErrorCode::external,
                        "dynamodb: could not claim a job (too much contention)");
}

// Takes back the expired claim of `slot` (`taking_back`) or claims its waiting job for
// `owner`, in one transaction: the job as changed, or nullopt after a conflict.
common::Result<std::optional<JobRecord>> DynamoQueue::claim_step(const Slot& slot, bool taking_back,
                                                                 const std::string& owner,
                                                                 Millis now, Millis ttl,
                                                                 const std::string& token) {
    const std::int64_t id = taking_back ? slot.running : slot.waiting;
    auto job = read_job(id);
    if (!job) return std::unexpected(job.error());
    if (!*job)
        return common::fail(common::ErrorCode::external, "dynamodb: job #" + std::to_string(id) +
                                                             " of the queue of " + slot.env +
                                                             " is missing");
    Slot next = slot;
    JobChange c;
    if (taking_back) {
        take_back(slot, **job, now, next, c);
    } else {
        next.running = slot.waiting, next.running_head = slot.waiting_head;
        next.waiting = 0, next.waiting_head.clear();
        next.owner = owner, next.lease_until = now + ttl;
        c.status = JobStatus::running, c.owner = owner, c.started_at = now;
        c.lease_until = now + ttl, c.attempts = (*job)->attempts + 1;
    }
    auto done = change(slot, next, id, c, token);
    if (!done) return std::unexpected(done.error());
    if (!*done) return std::optional<JobRecord>{};
    JobRecord changed = applied(**job, c);
    if (taking_back) changed.owner = (*job)->owner, changed.lease_until = (*job)->lease_until;
    return std::optional<JobRecord>{std::move(changed)};
}

common::Result<bool> DynamoQueue::renew_job(std::int64_t id, const std::string& owner, Millis now,
                                            Millis ttl, const std::string& run_id) {
    const std::string token = random_token();
    for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
        auto slot = slot_running(id, owner);
        if (!slot) return std::unexpected(slot.error());
        if (!*slot) return false;
        Slot next = **slot;
        next.lease_until = now + ttl;
        JobChange c;
        c.lease_until = now + ttl;
        c.run_id = run_id;
        auto done = change(**slot, next, id, c, token + "-" + std::to_string(attempt));
        if (!done) return std::unexpected(done.error());
        if (*done) return true;
        pause_after_conflict(attempt);
    }
    return common::fail(
        common::ErrorCode::external,
        "dynamodb: could not renew job #" + std::to_string(id) + " (too much contention)");
}

common::Result<void> DynamoQueue::finish_job(std::int64_t id, const std::string& owner,
                                             JobStatus status, Millis at, const std::string& run_id,
                                             const std::string& reason) {
    const std::string token = random_token();
    for (int attempt = 0; attempt < k_max_conflicts; ++attempt) {
        auto slot = slot_running(id, owner);
        if (!slot) return std::unexpected(slot.error());
        if (!*slot) return {};  // not theirs any more: nothing to end
        Slot next = **slot;
        next.running = 0, next.running_head.clear(), next.owner.clear(), next.lease_until = 0;
        JobChange c;
        c.status = status, c.finished_at = at, c.reason = reason, c.run_id = run_id;
        auto done = change(**slot, next, id, c, token + "-" + std::to_string(attempt));
        if (!done) return std::unexpected(done.error());
        if (*done) return {};
        pause_after_conflict(attempt);
    }
    return common::fail(
        common::ErrorCode::external,
        "dynamodb: could not finish job #" + std::to_string(id) + " (too much contention)");
}

common::Result<std::vector<JobRecord>> DynamoQueue::jobs(const std::string& env,
                                                         std::size_t limit) {
    if (limit == 0) return std::vector<JobRecord>{};
    auto items = m_table.query_items(env.empty() ? "JOBS" : "JOB#" + env, false, limit);
    if (!items) return std::unexpected(items.error());
    if (!env.empty()) {
        std::vector<Key> keys;
        for (const auto& e : (*items)["Items"].GetArray())
            keys.emplace_back("JOBS", get_s(e, "sk"));
        items = m_table.batch_get(keys);
        if (!items) return std::unexpected(items.error());
    }
    std::vector<JobRecord> out;
    for (const auto& i : (*items)["Items"].GetArray()) out.push_back(job_of(i));
    return out;
}

}  // namespace versioning::detail
