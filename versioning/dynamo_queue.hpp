#pragma once
// Internal to the versioning library: the service's deliveries and per-environment job queue
// on the DynamoDB store (dynamo_queue.cpp says how several replicas share it safely).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "versioning/dynamo_table.hpp"
#include "versioning/records.hpp"
#include "versioning/version_store.hpp"

namespace versioning::detail {

class DynamoQueue {
  public:
    explicit DynamoQueue(DynamoTable& table);
    ~DynamoQueue();

    /// DynamoDB's limit of actions in one TransactWriteItems.
    static constexpr std::size_t k_max_items = 100;

    /// Runs `writes` with the deliveries' and the queue's writes they make (record_delivery,
    /// set_delivery_result, enqueue_job) gathered into one TransactWriteItems, sent when
    /// `writes` succeeds: all of them land or none (nothing when `writes` fails). After a
    /// conflict (another process changed what was read) `writes` runs again, reading afresh.
    /// More than k_max_items writes are refused whole (ErrorCode::input). Other writes land
    /// at once, each atomic. Inside a gathering already, `writes` joins it. `doing` names the
    /// work in the error after too much contention.
    common::Result<void> in_one_transaction(const std::string& doing,
                                            const std::function<common::Result<void>()>& writes);

    /// The VersionStore methods of the same names; inside in_one_transaction the writes of
    /// the first three wait for its end, and their reads see what it gathered so far.
    common::Result<bool> record_delivery(const DeliveryRecord& d);
    common::Result<void> set_delivery_result(const std::string& source, const std::string& id,
                                             const std::string& result, const std::string& reason,
                                             std::int64_t job_id);
    common::Result<std::vector<DeliveryRecord>> deliveries(std::size_t limit);
    common::Result<JobRecord> enqueue_job(const JobRecord& job, const OlderThan& older);
    common::Result<std::optional<JobRecord>> claim_job(const std::string& owner, Millis now,
                                                       Millis ttl,
                                                       std::vector<JobRecord>& interrupted);
    common::Result<bool> renew_job(std::int64_t id, const std::string& owner, Millis now,
                                   Millis ttl, const std::string& run_id);
    common::Result<void> finish_job(std::int64_t id, const std::string& owner, JobStatus status,
                                    Millis at, const std::string& run_id,
                                    const std::string& reason);
    common::Result<std::vector<JobRecord>> jobs(const std::string& env, std::size_t limit);

    /// An environment's queue slot (QUEUE / <env>): the running job (0: none) with its claim,
    /// the waiting job (0: none), and `rev`, which every change moves on.
    struct Slot {
        std::string env;
        std::int64_t running = 0;
        std::string running_head;
        std::string owner;
        Millis lease_until = 0;
        std::int64_t waiting = 0;
        std::string waiting_head;
        std::int64_t rev = 0;  // 0: the slot does not exist yet
    };

    struct JobChange;  // what a transaction changes in a job item
    struct Pending;    // the writes in_one_transaction gathers

  private:
    common::Result<bool> pend_delivery(const DeliveryRecord& d);
    common::Result<void> pend_result(const std::string& source, const std::string& id,
                                     const std::string& result, const std::string& reason,
                                     std::int64_t job_id);
    common::Result<JobRecord> pend_job(const JobRecord& job, const OlderThan& older);
    // Sends what `p` gathered as one transaction: true when it landed, false after a
    // conflict.
    common::Result<bool> commit(const Pending& p);
    // True when the transaction of `p` landed although its answer said otherwise (it was sent
    // again after a lost answer and failed on its own write).
    common::Result<bool> landed(const Pending& p);
    common::Result<Slot> read_slot(const std::string& env);
    common::Result<std::vector<Slot>> read_slots();
    common::Result<std::optional<JobRecord>> read_job(std::int64_t id);
    // The entry that writes `next` over `read` on the condition that it is still `read`.
    JsonValue write_slot(Json::AllocatorType& a, const Slot& read, const Slot& next);
    // True when the write with `token` landed on job `id` (its answer was lost and the
    // client sent it again, so its condition failed on its own write).
    common::Result<bool> landed(std::int64_t id, const std::string& token);
    common::Result<bool> change(const Slot& read, const Slot& next, std::int64_t id,
                                const JobChange& c, const std::string& token);
    common::Result<std::optional<Slot>> slot_running(std::int64_t id, const std::string& owner);
    common::Result<std::optional<JobRecord>> claim_step(const Slot& slot, bool taking_back,
                                                        const std::string& owner, Millis now,
                                                        Millis ttl, const std::string& token);

    DynamoTable& m_table;
    std::unique_ptr<Pending> m_pending;  // while in_one_transaction gathers writes
};

}  // namespace versioning::detail
