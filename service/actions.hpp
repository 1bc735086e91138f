#pragma once
// What the web page (and any API client with a role) can do, as functions from the store, the
// manifest, the caller and the time to an answer, like api.hpp: request a promotion, approve or
// reject one (an override of a freeze with it), roll an environment back to an earlier
// deployment; and the requests and the caller's own identity to read. Nothing runs a deploy
// here: a write that should deploy queues a job (one per request), which a worker runs with
// the environment's lease, so two replicas never ship a request twice. docs/api.md.
#include <cstdint>
#include <optional>
#include <string>

#include "service/api.hpp"
#include "service/auth.hpp"

namespace service {

/// `GET /api/me`: {"actor", "role", "csrf", "can": {"request", "approve", "rollback"}}.
Response api_me(const Identity& who, const std::string& csrf, bool writable);

/// `GET /api/requests?env=&limit=`: {"requests": [request with its gates]} newest first.
Response api_requests(ApiContext& c, const std::string& env, std::size_t limit,
                      versioning::Millis now);
/// `GET /api/requests/{id}`: {"request": request with its gates}.
Response api_request(ApiContext& c, std::int64_t id, versioning::Millis now);

/// What a write asks for, with the form's fields.
struct Write {
    const Identity& who;
    versioning::Millis now;
    std::string reason;
};

/// `POST /api/environments/{env}/requests`: a new promotion request (deployer), deployed by the
/// service once its gates pass. 201 {"request"}; 409 when one is open already.
Response post_request(ApiContext& c, const Write& w, const std::string& env);
/// `POST /api/requests/{id}/approve|reject|override-freeze` (approver; a reject also the
/// requester). 200 {"request"}; a request whose gates now pass is queued.
Response post_decision(ApiContext& c, const Write& w, std::int64_t id, const std::string& verdict);
/// `POST /api/environments/{env}/rollback` with `deployment` (deployer; a reason needed):
/// queues a rollback job. 202 {"job"}.
Response post_rollback(ApiContext& c, const Write& w, const std::string& env,
                       std::int64_t deployment);

/// Queues the job that ships request `r` when its gates pass and the service is to deploy it
/// (made by the service or the page, or its environment says `promote: auto`), unless a job
/// for it is waiting, running or done. Returns the job queued, if any.
common::Result<std::optional<versioning::JobRecord>> queue_if_ready(
    ApiContext& c, const versioning::PromotionRequest& r, versioning::Millis now);

/// One pass of the service's promoter: for every environment with `promote: auto`, a request
/// for the source's current images when it has none open and they are new to it; then every
/// open request the service deploys is queued once its gates pass. Returns how many jobs it
/// queued.
common::Result<int> promote_ready(ApiContext& c, versioning::Millis now);

}  // namespace service
