// Who is in an approvers' team (pipeline/teams.hpp): the manifest's `teams:` first and alone
// for a team it defines; any other team asked of the directory for the people who decide
// (prefixes and hosts dropped); no directory, no members; a directory that cannot answer is
// an error for a decision, and the gates then count only the manifest's teams. The directory
// here is a double that answers from a map and records what it was asked (GitHub's own
// answers, through Prism, are tests/github/serve_github_test.cpp's).
#include "pipeline/teams.hpp"

#include <gtest/gtest.h>

#include <set>

#include "pipeline/gates.hpp"

namespace {

// Answers from `members` ("slug/login"), or fails when `down`; records every question.
class MapDirectory : public pipeline::TeamDirectory {
  public:
    common::Result<bool> is_member(const std::string& slug, const std::string& person) override {
        asked.push_back(slug + "/" + person);
        if (down) return common::fail(common::ErrorCode::external, "github: 503 unavailable");
        return members.contains(slug + "/" + person);
    }
    std::set<std::string> members;
    std::vector<std::string> asked;
    bool down = false;
};

class Teams : public ::testing::Test {
  protected:
    void SetUp() override {
        manifest.teams = {{"ops", {"frank"}}};
        env.name = "prod";
        env.gates.approvals = 1;
        env.gates.approvers = {"bob", "team:ops", "team:platform"};
        directory.members = {"platform/dave", "ops/gina"};
    }
    components::Manifest manifest;
    components::Environment env;
    MapDirectory directory;
};

TEST_F(Teams, TheManifestsTeamIsItsListAndOtherTeamsAreAskedPerPerson) {
    auto teams = pipeline::resolve_teams(manifest, env, {"github:dave", "gina@laptop", "web:erin"},
                                         &directory);
    ASSERT_TRUE(teams) << teams.error().message;
    EXPECT_EQ(teams->at("ops"), std::vector<std::string>{"frank"}) << "never GitHub's ops";
    EXPECT_EQ(teams->at("platform"), std::vector<std::string>{"dave"});
    EXPECT_EQ(directory.asked,
              (std::vector<std::string>{"platform/dave", "platform/gina", "platform/erin"}));
    EXPECT_TRUE(pipeline::may_approve(env.gates, *teams, "github:dave"));
    EXPECT_FALSE(pipeline::may_approve(env.gates, *teams, "gina@laptop"));
    EXPECT_TRUE(pipeline::may_approve(env.gates, *teams, "frank@laptop"));
}

TEST_F(Teams, WithoutADirectoryATeamTheManifestDoesNotDefineHasNoMembers) {
    auto teams = pipeline::resolve_teams(manifest, env, {"dave"}, nullptr);
    ASSERT_TRUE(teams);
    EXPECT_FALSE(teams->contains("platform"));
    EXPECT_FALSE(pipeline::may_approve(env.gates, *teams, "dave"));
}

TEST_F(Teams, ADirectoryThatCannotAnswerIsAnError) {
    directory.down = true;
    auto teams = pipeline::resolve_teams(manifest, env, {"dave"}, &directory);
    ASSERT_FALSE(teams);
    EXPECT_EQ(teams.error().code, common::ErrorCode::external);
    // Nobody to ask about: nothing asked.
    directory.asked.clear();
    env.gates.approvers = {"team:ops"};
    EXPECT_TRUE(pipeline::resolve_teams(manifest, env, {"dave"}, &directory));
    EXPECT_TRUE(directory.asked.empty());
}

}  // namespace
