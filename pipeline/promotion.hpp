#pragma once
// Promotion requests: what `promote` records when an environment's gates hold it (exactly
// what would ship), the decisions people take on them (approve, reject, override a freeze),
// and the gates of a request decided from what the store knows and a time given by the
// caller. The decisions themselves are pure (pipeline/gates.hpp); this file gathers the facts
// and writes the outcomes. docs/deploy.md, "Gates".
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "pipeline/gates.hpp"
#include "pipeline/project.hpp"
#include "versioning/version_store.hpp"

namespace pipeline {

class TeamDirectory;  // teams.hpp

/// The gates of `env` for request `r` at `now`, decided on what `store` knows; the teams of
/// the approvers not in the manifest's `teams:` asked of `directory` (teams.hpp) when given
/// (one that fails counts only the manifest's teams, with a warning).
common::Result<GateVerdict> check_gates(const components::Manifest& m,
                                        const components::Environment& env,
                                        const versioning::PromotionRequest& r,
                                        versioning::VersionStore& store, versioning::Millis now,
                                        TeamDirectory* directory = nullptr);

/// A new request into `env` (not stored) for the source environment's current deployment:
/// every image with its build and commit, and whether it differs from what `env` runs.
/// ErrorCode::input when the source has nothing deployed.
common::Result<versioning::PromotionRequest> new_request(const components::Manifest& m,
                                                         const components::Environment& env,
                                                         versioning::VersionStore& store,
                                                         const std::string& actor,
                                                         versioning::Millis now);

/// The open request of `env`, if any (the newest).
common::Result<std::optional<versioning::PromotionRequest>> open_request(
    versioning::VersionStore& store, const std::string& env);

/// A decision someone takes on a request.
struct Decision {
    std::int64_t request = 0;
    std::string env;      // must be the request's (a guard against a wrong id)
    std::string verdict;  // "approve", "reject", "override-freeze"
    std::string reason;
    std::string actor;
};

/// Records `d` on its request at `now`, after checking that the request is open and of
/// `d.env`, that the actor may take it (approve and override: an approver, never the
/// requester approving their own request; reject: an approver or the requester withdrawing
/// it), and that an override or a rejection gives a reason. A rejection ends the request.
/// Teams the manifest does not define are asked of `directory` when given.
/// Errors: ErrorCode::input naming what is wrong (the directory's when it cannot answer);
/// nothing is recorded then.
common::Result<versioning::PromotionRequest> decide(const components::Manifest& m,
                                                    const Decision& d,
                                                    versioning::VersionStore& store,
                                                    versioning::Millis now,
                                                    TeamDirectory* directory = nullptr);

/// Whether `actor` may let a request into `env` through a freeze window with `reason`: an
/// approver of `env`, a reason given, and `env` has freeze windows. ErrorCode::input (usage
/// for a missing reason) naming what is wrong. `decide` checks it for an override, and
/// `promote --override-freeze` before it records anything.
common::Result<void> check_override(const components::Manifest& m,
                                    const components::Environment& env, const std::string& actor,
                                    const std::string& reason, TeamDirectory* directory = nullptr);

/// A request's lines for people: what it ships and the state of each gate.
std::vector<std::string> describe_request(const versioning::PromotionRequest& r,
                                          const GateVerdict* verdict);

/// The request as JSON (docs/json.md, "requests"), with its gates when given.
std::string request_json(const versioning::PromotionRequest& r, const GateVerdict* verdict);

/// The decision trail of a request, a line each: "requested by alice at <time>: <reason>",
/// then every decision ("approved by bob at <time>: <reason>", "rejected by ...",
/// "freeze overridden by ..."), then how it ended when it did ("deployed at <time>",
/// "rejected at <time>: ...").
std::vector<std::string> request_trail(const versioning::PromotionRequest& r);

/// The trail as a JSON object: {"decisions": [{"actor", "at", "reason", "verdict"}], "id",
/// "outcome", "reason", "requested_at", "requested_by", "status"} (docs/json.md, history).
std::string request_trail_json(const versioning::PromotionRequest& r);

/// The deployment's note for a shipped request: "request #7 (requested by alice; approved by
/// bob, carol; freeze overridden by dave: hotfix)".
std::string request_note(const versioning::PromotionRequest& r, const GateVerdict& verdict);

}  // namespace pipeline
