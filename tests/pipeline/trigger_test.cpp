// What started a run and what it compares against: the trigger and actor from CI
// variables, and the choice of base (pure).
#include "pipeline/trigger.hpp"
#include "pipeline/host.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace {

using pipeline::choose_base;
using pipeline::detect_trigger;

TEST(Trigger, CodeBuildNamesTheBuildTheCommitAndTheWebhook) {
    auto t = detect_trigger({{"CODEBUILD_BUILD_ID", "ml-training-test:0c1f"},
                             {"CODEBUILD_BUILD_NUMBER", "42"},
                             {"CODEBUILD_RESOLVED_SOURCE_VERSION", "abc123"},
                             {"CODEBUILD_WEBHOOK_EVENT", "PULL_REQUEST_MERGED"},
                             {"CODEBUILD_WEBHOOK_TRIGGER", "pr/7"},
                             {"CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/feature"},
                             {"CODEBUILD_WEBHOOK_BASE_REF", "refs/heads/dev"},
                             {"GITHUB_RUN_ID", "99"}});
    EXPECT_EQ(t.name, "codebuild:ml-training-test:0c1f");
    EXPECT_EQ(t.head, "abc123");
    EXPECT_EQ(
        t.detail,
        "webhook PULL_REQUEST_MERGED pr/7 refs/heads/feature (into refs/heads/dev) build #42");
}

TEST(Trigger, GitHubActionsAndOtherwiseThePerson) {
    auto gh = detect_trigger({{"GITHUB_RUN_ID", "99"},
                              {"GITHUB_SHA", "def456"},
                              {"GITHUB_REF", "refs/heads/dev"},
                              {"GITHUB_EVENT_NAME", "push"}});
    EXPECT_EQ(gh.name, "github:99");
    EXPECT_EQ(gh.head, "def456");
    EXPECT_EQ(gh.detail, "push refs/heads/dev");
    auto cli = detect_trigger({});
    EXPECT_EQ(cli.name, "cli");
    EXPECT_EQ(cli.head, "");
}

TEST(Base, TheLastSucceededDeploymentComesBeforeTheBaseBranch) {
    versioning::DeploymentRecord last;
    last.id = 4;
    last.commit = "c0ffee";
    auto deployed = choose_base("auto", "test", last, "test");
    EXPECT_EQ(deployed.ref, "c0ffee");
    EXPECT_FALSE(deployed.first_deployment);
    EXPECT_EQ(deployed.reason, "the commit of test's last succeeded deployment #4");
    auto branch = choose_base("auto", "test", std::nullopt, "main");
    EXPECT_EQ(branch.ref, "main");
    EXPECT_TRUE(branch.first_deployment);
    auto none = choose_base("auto", "test", std::nullopt, "");
    EXPECT_EQ(none.ref, "");
    EXPECT_TRUE(none.first_deployment);
    auto given = choose_base("v1.2", "test", last, "main");
    EXPECT_EQ(given.ref, "v1.2");
    EXPECT_EQ(given.reason, "given with --base");
    EXPECT_FALSE(given.first_deployment);
}

TEST(Trigger, TheActorIsWhoeverTheCiSystemNames) {
    EXPECT_EQ(detect_trigger({{"GITHUB_ACTOR", "octocat"}, {"USER", "ci"}}, "h").actor,
              "github:octocat");
    EXPECT_EQ(detect_trigger({{"CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID", "123456789012"},
                              {"CODEBUILD_INITIATOR", "codepipeline/release"}},
                             "h")
                  .actor,
              "codebuild-webhook:123456789012");
    EXPECT_EQ(detect_trigger({{"CODEBUILD_INITIATOR", "codepipeline/release"}}, "h").actor,
              "codebuild:codepipeline/release");
    EXPECT_EQ(detect_trigger({{"USER", "alice"}}, "laptop").actor, "alice@laptop");
    EXPECT_EQ(detect_trigger({{"LOGNAME", "bob"}}, "").actor, "bob");
    EXPECT_EQ(detect_trigger({}, "box").actor, "unknown@box");
}

}  // namespace

// In a container USER and LOGNAME are often unset: the actor is the password database's name
// for this process's user (issue 25: it was "unknown@host"), never "unknown".
TEST(Trigger, WithoutUserOrLognameTheActorIsTheLoginName) {
    const char* user = std::getenv("USER");
    const char* logname = std::getenv("LOGNAME");
    const std::string saved_user = user ? user : "", saved_logname = logname ? logname : "";
    ::unsetenv("USER");
    ::unsetenv("LOGNAME");
    const auto t = pipeline::current_trigger();
    if (user) ::setenv("USER", saved_user.c_str(), 1);
    if (logname) ::setenv("LOGNAME", saved_logname.c_str(), 1);
    const struct passwd* me = ::getpwuid(::getuid());
    ASSERT_NE(me, nullptr);
    if (std::getenv("GITHUB_ACTOR") || std::getenv("CODEBUILD_INITIATOR")) return;  // CI names it
    EXPECT_EQ(t.actor, std::string(me->pw_name) + "@" + pipeline::host_name());
}
