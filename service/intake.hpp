#pragma once
// From a delivery to jobs. Every delivery is stored first ((source, id) unique: a
// redelivered or replayed event is recognised and does nothing more); a push to a branch
// that environments trigger on becomes one job per such environment -- unless the commit is
// already deployed there or older in history than what is (dropped), or already waiting or
// running or older than those (the store drops it); a newer head replaces the waiting job
// (the store's newest-wins queue: newest in history, not newest to arrive).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "diff/repository.hpp"
#include "service/webhook.hpp"
#include "versioning/version_store.hpp"

namespace service {

/// Which environments run on pushes to which branch (from the manifest's `trigger`).
using Triggers = std::map<std::string, std::vector<std::string>>;  // branch -> environments

struct Delivery {
    std::string source;  // "github", "sqs", "reconciler"
    std::string id;
    std::string event;  // "push", "ping", ...
    std::optional<Push> push;
    versioning::Millis at = 0;
};

struct QueuedJob {
    std::string env;
    std::int64_t job = 0;
};

struct IntakeResult {
    std::string result;  // queued, ignored, dropped, duplicate, pong
    std::string reason;
    std::vector<QueuedJob> jobs;
};

/// Stores `d` and turns it into jobs (see above); a push for another repository than `mine`
/// is stored and ignored. `repo` (may be null) orders commits in history as far as it has
/// them: a head that is deployed already or older than what is deployed, running or waiting
/// is dropped with that reason; a head that is not a descendant of what is deployed (a
/// force-push) is queued and said so. Commits it does not have yet are checked again by the
/// worker after its fetch. Errors: the store's (ErrorCode::external).
common::Result<IntakeResult> take_delivery(const Delivery& d, const Triggers& triggers,
                                           versioning::VersionStore& store,
                                           const ThisRepository& mine = {},
                                           const diff::Repository* repo = nullptr);

}  // namespace service
