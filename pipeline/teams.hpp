#pragma once
// Who is in an approvers' team (`gates.approvers: ["team:platform"]`). The manifest's `teams:`
// come first: a team it defines is exactly its list, and nothing else is asked. A team it
// does not define is asked of a TeamDirectory -- GitHub's team memberships of the
// repository's organization when `slipway serve` knows GitHub -- for the people who decide,
// and the answers join the teams the pure gate decisions (gates.hpp) are made with. Without
// a directory such a team has no members. docs/deploy.md, "Gates".
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/manifest.hpp"
#include "github/client.hpp"

namespace pipeline {

/// Team memberships from outside the manifest.
class TeamDirectory {
  public:
    virtual ~TeamDirectory() = default;
    /// Whether `person` (a login, as person_of gives it) is an active member of team `slug`.
    /// ErrorCode::external when the directory cannot say.
    virtual common::Result<bool> is_member(const std::string& slug, const std::string& person) = 0;
};

/// Teams by name, as the manifest's `teams:` and gates.hpp have them.
using Teams = std::map<std::string, std::vector<std::string>>;

/// The teams `env`'s gates are decided with for `actors`: the manifest's `teams:`, and for
/// every `team:SLUG` of its approvers that the manifest does not define, the people behind
/// `actors` whom `directory` names as members (none without a directory). Errors are the
/// directory's.
common::Result<Teams> resolve_teams(const components::Manifest& m,
                                    const components::Environment& env,
                                    const std::vector<std::string>& actors,
                                    TeamDirectory* directory);

/// GitHub's team memberships in the organization that owns `s.repository` (GET
/// /orgs/{org}/teams/{slug}/memberships/{username}: a member when its state is active; a
/// pending invitation is not), each answer kept for `ttl`. Safe to share between threads.
std::shared_ptr<TeamDirectory> github_teams(const github::Settings& s,
                                            std::chrono::seconds ttl = std::chrono::seconds(60));

}  // namespace pipeline
