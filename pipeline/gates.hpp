#pragma once
// Promotion gates as pure decisions over recorded facts and `now` (STYLE rule 17): who asked
// and who decided (approvals by distinct people, the requester not counting, approvers by
// name or team), how long the source environment ran the request's images (soak), and
// whether `now` falls in a freeze window (cron + duration, or from/to, on a named zone's wall
// clock). Nothing here reads the store, the clock or the disk: callers pass the request, the
// source's deployments, the loaded time zones and the time. docs/deploy.md, "Gates".
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time_zone.hpp"
#include "components/manifest.hpp"
#include "versioning/records.hpp"

namespace pipeline {

/// The person behind an actor: "github:alice", "alice@laptop", "web:alice" and "alice" are
/// all "alice" (a prefix up to ':' and a host after '@' dropped); an e-mail address given by
/// an identity provider ("oidc:alice@example.com") is kept whole.
std::string person_of(std::string_view actor);

/// Whether `actor` may approve into an environment with `gates`: anyone when it lists no
/// approvers, else a listed person (by name or whole identity) or a member of a listed team.
bool may_approve(const components::Gates& gates,
                 const std::map<std::string, std::vector<std::string>>& teams,
                 std::string_view actor);

/// The freeze window `now` falls in, if any.
struct ActiveFreeze {
    versioning::Millis until = 0;  // when it (and any window that follows without a gap) ends
    std::string reason;            // the window's reason, else its cron or dates
    std::string tz;                // the zone it is written in
};

/// The zones the windows name, loaded (common::TimeZone::load); the caller reads them.
using Zones = std::map<std::string, common::TimeZone>;

/// Loads the time zone of every freeze window of `gates`.
common::Result<Zones> load_zones(const components::Gates& gates);

/// The window of `windows` that `now` falls in, if any. A cron window starts at every time
/// the schedule names on the zone's wall clock (times skipped by a DST change start when the
/// clock goes on; times that happen twice start at the first) and lasts `duration` of real
/// time; a from/to window spans its two wall-clock times.
std::optional<ActiveFreeze> active_freeze(const std::vector<components::FreezeWindow>& windows,
                                          const Zones& zones, versioning::Millis now);

/// One gate that holds a request, for people and the API.
struct UnmetGate {
    std::string gate;     // "approvals", "soak", "freeze"
    std::string message;  // "1 of 2 approvals (bob); needs 1 more from alice, team:platform"
    std::optional<versioning::Millis> until;  // when it lifts by itself (soak, freeze)
};

struct GateVerdict {
    std::vector<UnmetGate> unmet;
    std::vector<std::string> met;        // one line per gate that passes
    std::vector<std::string> approvers;  // the people whose approvals count, in order
    bool freeze_overridden = false;
    [[nodiscard]] bool passed() const { return unmet.empty(); }
    /// The earliest time a gate lifts by itself (for the service's next look), if any.
    [[nodiscard]] std::optional<versioning::Millis> next_change() const;
};

/// The facts the gates of one request are decided on.
struct GateFacts {
    const components::Gates& gates;
    const std::map<std::string, std::vector<std::string>>& teams;
    const versioning::PromotionRequest& request;
    /// The source environment's succeeded deployments from the request's source deployment
    /// on, by id (ascending): how long the source ran exactly the request's images.
    const std::vector<versioning::DeploymentRecord>& source_history;
    const Zones& zones;
    versioning::Millis now;
};

/// Decides every gate of `facts.gates` for the request at `facts.now`.
GateVerdict evaluate_gates(const GateFacts& facts);

/// How long the source ran exactly the request's images (ms), from the facts; and whether it
/// still does.
struct Soak {
    versioning::Millis ran = 0;
    bool running = false;
    std::int64_t replaced_by = 0;  // the deployment that replaced them (when not running)
};
Soak soak_of(const versioning::PromotionRequest& request,
             const std::vector<versioning::DeploymentRecord>& source_history,
             versioning::Millis now);

}  // namespace pipeline
