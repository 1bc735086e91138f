// See teams.hpp.
#include "pipeline/teams.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "pipeline/gates.hpp"

namespace pipeline {
namespace {

// GitHub's answers for one organization, cached: people decide a few times an hour, while
// the gates of an open request are decided on every look at it (the page, the promoter).
class GithubTeams : public TeamDirectory {
  public:
    GithubTeams(const github::Settings& s, std::chrono::seconds ttl)
        : m_client(s), m_org(s.repository.substr(0, s.repository.find('/'))), m_ttl(ttl) {}

    common::Result<bool> is_member(const std::string& slug, const std::string& person) override {
        std::lock_guard lock(m_mutex);  // one client, one call at a time
        const auto now = std::chrono::steady_clock::now();
        const auto key = slug + "/" + person;
        if (auto it = m_known.find(key); it != m_known.end() && now < it->second.until)
            return it->second.member;
        auto state = m_client.team_membership(m_org, slug, person);
        if (!state)
            return std::unexpected(state.error().with_context("checking whether " + person +
                                                              " is in team " + m_org + "/" + slug));
        const bool member = *state == "active";
        m_known[key] = {member, now + m_ttl};
        spdlog::debug("github: {} is {}a member of {}/{} ({})", person, member ? "" : "not ", m_org,
                      slug, state->empty() ? "none" : *state);
        return member;
    }

  private:
    struct Known {
        bool member = false;
        std::chrono::steady_clock::time_point until;
    };
    github::Client m_client;
    std::string m_org;
    std::chrono::seconds m_ttl;
    std::mutex m_mutex;
    std::map<std::string, Known> m_known;
};

}  // namespace

common::Result<Teams> resolve_teams(const components::Manifest& m,
                                    const components::Environment& env,
                                    const std::vector<std::string>& actors,
                                    TeamDirectory* directory) {
    Teams teams = m.teams;
    if (!directory) return teams;
    for (const auto& a : env.gates.approvers) {
        if (!a.starts_with("team:")) continue;
        const std::string slug = a.substr(5);
        if (m.teams.contains(slug)) continue;  // the manifest's list is the team
        auto& members = teams[slug];
        for (const auto& actor : actors) {
            const std::string person = person_of(actor);
            if (std::find(members.begin(), members.end(), person) != members.end()) continue;
            auto in = directory->is_member(slug, person);
            if (!in) return std::unexpected(in.error());
            if (*in) members.push_back(person);
        }
    }
    return teams;
}

std::shared_ptr<TeamDirectory> github_teams(const github::Settings& s, std::chrono::seconds ttl) {
    return std::make_shared<GithubTeams>(s, ttl);
}

}  // namespace pipeline
