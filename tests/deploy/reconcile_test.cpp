// The verdict on a pending deployment from what the stack says (pure), in the order of
// evidence deploy/reconcile.hpp gives: token-stamped events, the change set, the stack.
#include "deploy/reconcile.hpp"

#include <gtest/gtest.h>

#include "deploy/template.hpp"

namespace {

using deploy::PendingVerdict;
using deploy::StackEvent;
using deploy::StackEvidence;

versioning::DeploymentRecord pending(const std::string& token = "tok-1") {
    versioning::DeploymentRecord d;
    d.id = 7;
    d.env = "test";
    d.stack = "shop-test";
    d.status = "pending";
    d.client_token = token;
    d.change_set = "arn:cs-7";
    d.images = {{"api", 3, "repo:api-3", true, "ApiImage"},
                {"web", 2, "repo:web-2", false, "WebImage"}};
    return d;
}

deploy::StackInfo stack(const std::string& status, const std::string& api = "repo:api-3") {
    deploy::StackInfo s;
    s.name = "shop-test";
    s.status = status;
    s.parameters = {{"ApiImage", api}, {"WebImage", "repo:web-2"}, {"Stage", "test"}};
    return s;
}

StackEvent event(const std::string& logical, const std::string& status, const std::string& token,
                 const std::string& time = "2026-11-22T10:00:05.250Z") {
    return {"e-" + logical + status, time, logical, "AWS::X", status, "", token};
}

deploy::ChangeSetInfo change_set(const std::string& execution) {
    deploy::ChangeSetInfo c;
    c.status = "CREATE_COMPLETE";
    c.execution_status = execution;
    return c;
}

TEST(JudgePending, TokenStampedEventsDecideWithTheirTime) {
    StackEvidence e{stack("UPDATE_COMPLETE"),
                    {event("shop-test", "UPDATE_COMPLETE", "tok-1"),
                     event("Api", "UPDATE_COMPLETE", "tok-1", "2026-11-22T10:00:03Z"),
                     event("shop-test", "UPDATE_IN_PROGRESS", "tok-1", "2026-11-22T10:00:00Z")},
                    change_set("EXECUTE_COMPLETE")};
    auto j = deploy::judge_pending(pending(), e, false);
    EXPECT_EQ(j.verdict, PendingVerdict::succeeded);
    EXPECT_EQ(j.finished_at, 1795341605250);  // 2026-11-22T10:00:05.250Z
}

TEST(JudgePending, ARollbackWithOurTokenIsAFailureNamingTheResource) {
    auto failed = event("Api", "UPDATE_FAILED", "tok-1");
    failed.reason = "Image not found";
    StackEvidence e{stack("UPDATE_ROLLBACK_COMPLETE", "repo:api-2"),
                    {event("shop-test", "UPDATE_ROLLBACK_COMPLETE", "tok-1"), failed,
                     event("shop-test", "UPDATE_IN_PROGRESS", "tok-1")},
                    std::nullopt};
    auto j = deploy::judge_pending(pending(), e, false);
    EXPECT_EQ(j.verdict, PendingVerdict::failed);
    EXPECT_EQ(j.reason, "UPDATE_ROLLBACK_COMPLETE: Api UPDATE_FAILED: Image not found");
}

TEST(JudgePending, AnOperationStillGoingIsRunning) {
    StackEvidence e{stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
                    {event("shop-test", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "tok-1")},
                    std::nullopt};
    EXPECT_EQ(deploy::judge_pending(pending(), e, false).verdict, PendingVerdict::running);
    StackEvidence untokened{stack("UPDATE_IN_PROGRESS"), {}, change_set("EXECUTE_IN_PROGRESS")};
    EXPECT_EQ(deploy::judge_pending(pending(), untokened, false).verdict, PendingVerdict::running);
}

TEST(JudgePending, AnotherOperationsTokenDoesNotCount) {
    // The newest events belong to someone else's operation; ours are not on the page. The
    // stack holds our images and is complete: that is ours having succeeded.
    StackEvidence e{
        stack("UPDATE_COMPLETE"), {event("shop-test", "UPDATE_COMPLETE", "other")}, std::nullopt};
    EXPECT_EQ(deploy::judge_pending(pending(), e, false).verdict, PendingVerdict::succeeded);
}

TEST(JudgePending, AChangeSetNeverExecutedFailed) {
    StackEvidence e{stack("UPDATE_COMPLETE", "repo:api-2"), {}, change_set("AVAILABLE")};
    auto j = deploy::judge_pending(pending(), e, false);
    EXPECT_EQ(j.verdict, PendingVerdict::failed);
    EXPECT_EQ(j.reason, "its change set was never executed");
}

TEST(JudgePending, WithoutTokensTheStackMustHoldTheImages) {
    // moto stamps no tokens: an executed change set and a complete stack with our images.
    StackEvidence ok{stack("UPDATE_COMPLETE"),
                     {event("shop-test", "UPDATE_COMPLETE", "", "2026-11-22T10:00:05Z")},
                     change_set("EXECUTE_COMPLETE")};
    auto j = deploy::judge_pending(pending(), ok, false);
    EXPECT_EQ(j.verdict, PendingVerdict::succeeded);
    EXPECT_EQ(j.finished_at, 1795341605000);
    // A complete stack with other images: never recorded as ours.
    StackEvidence other{stack("UPDATE_COMPLETE", "repo:api-2"), {}, change_set("EXECUTE_COMPLETE")};
    EXPECT_EQ(deploy::judge_pending(pending(), other, false).verdict, PendingVerdict::failed);
    EXPECT_EQ(deploy::judge_pending(pending(), other, true).verdict, PendingVerdict::superseded);
    StackEvidence rolled{stack("UPDATE_ROLLBACK_COMPLETE", "repo:api-2"), {}, std::nullopt};
    EXPECT_EQ(deploy::judge_pending(pending(), rolled, false).verdict, PendingVerdict::failed);
}

TEST(JudgePending, AMissingStackFailed) {
    StackEvidence gone{std::nullopt, {}, std::nullopt};
    auto j = deploy::judge_pending(pending(), gone, false);
    EXPECT_EQ(j.verdict, PendingVerdict::failed);
    EXPECT_EQ(j.reason, "the stack does not exist");
}

TEST(JudgePending, CodePipelinesOverridesWaitUntilTheStackHoldsThem) {
    auto d = pending("");
    d.executed_by = "codepipeline";
    d.change_set.clear();
    StackEvidence before{stack("UPDATE_COMPLETE", "repo:api-2"), {}, std::nullopt};
    EXPECT_EQ(deploy::judge_pending(d, before, false).verdict, PendingVerdict::unconfirmed);
    StackEvidence failed_other{stack("UPDATE_ROLLBACK_COMPLETE", "repo:api-2"), {}, std::nullopt};
    EXPECT_EQ(deploy::judge_pending(d, failed_other, false).verdict, PendingVerdict::unconfirmed);
    StackEvidence running{stack("UPDATE_IN_PROGRESS", "repo:api-2"), {}, std::nullopt};
    EXPECT_EQ(deploy::judge_pending(d, running, false).verdict, PendingVerdict::running);
    StackEvidence after{stack("UPDATE_COMPLETE"), {}, std::nullopt};
    EXPECT_EQ(deploy::judge_pending(d, after, false).verdict, PendingVerdict::succeeded);
    EXPECT_EQ(deploy::judge_pending(d, before, true).verdict, PendingVerdict::superseded);
}

// What the intent recorded for `pending()`: every parameter and the template's hash, written
// at 10:00:00.
versioning::DeploymentRecord recorded() {
    auto d = pending();
    d.parameters = {{"ApiImage", "repo:api-3"}, {"WebImage", "repo:web-2"}, {"Stage", "test"}};
    d.template_hash = deploy::template_hash("Resources: {A: {Type: T}}\n");
    d.started_at = 1795341600000;  // 2026-11-22T10:00:00Z
    return d;
}

// Another tool executed its own change set (ours was deleted with it): the stack holds our
// images, but not our parameters -- that is not our deployment having succeeded.
TEST(JudgePending, OurImagesWithAnotherParameterAreNotOurs) {
    auto s = stack("UPDATE_COMPLETE");
    s.parameters["Stage"] = "prod";
    StackEvidence e{s, {}, std::nullopt, "Resources: {A: {Type: T}}\n"};
    EXPECT_EQ(deploy::judge_pending(recorded(), e, false).verdict, PendingVerdict::failed);
    EXPECT_EQ(deploy::judge_pending(recorded(), e, true).verdict, PendingVerdict::superseded);
}

// A config-only deploy changes no image: only the template says whether the stack has it.
TEST(JudgePending, OurParametersWithAnotherTemplateAreNotOurs) {
    StackEvidence other{stack("UPDATE_COMPLETE"), {}, std::nullopt, "Resources: {B: {Type: T}}\n"};
    EXPECT_EQ(deploy::judge_pending(recorded(), other, false).verdict, PendingVerdict::failed);
    // The same document written another way (JSON, as GetTemplate may answer) is ours.
    StackEvidence same{
        stack("UPDATE_COMPLETE"), {}, std::nullopt, R"({"Resources": {"A": {"Type": "T"}}})"};
    EXPECT_EQ(deploy::judge_pending(recorded(), same, false).verdict, PendingVerdict::succeeded);
}

// Equal parameters and template from before the intent was written prove nothing.
TEST(JudgePending, AStackUpdatedBeforeTheIntentIsNotOurs) {
    auto s = stack("UPDATE_COMPLETE");
    s.last_updated = "2026-11-22T09:30:00Z";
    StackEvidence e{s, {}, std::nullopt, "Resources: {A: {Type: T}}\n"};
    EXPECT_EQ(deploy::judge_pending(recorded(), e, false).verdict, PendingVerdict::failed);
    e.stack->last_updated = "2026-11-22T10:00:01Z";
    EXPECT_EQ(deploy::judge_pending(recorded(), e, false).verdict, PendingVerdict::succeeded);
}

// The stack's last change set is ours: its operation was ours, whatever its events say.
TEST(JudgePending, TheStacksLastChangeSetIsOurs) {
    auto s = stack("UPDATE_COMPLETE");
    s.parameters["Stage"] = "(not compared)";
    s.change_set_id = "arn:cs-7";
    StackEvidence e{s, {}, std::nullopt};
    EXPECT_EQ(deploy::judge_pending(recorded(), e, false).verdict, PendingVerdict::succeeded);
}

// A first CREATE change set whose stack sits in REVIEW_IN_PROGRESS and whose change set is
// gone never ran: the environment must not wait for it forever.
TEST(JudgePending, ReviewInProgressWithoutItsChangeSetNeverRan) {
    StackEvidence e{stack("REVIEW_IN_PROGRESS"), {}, std::nullopt};
    auto j = deploy::judge_pending(pending(), e, false);
    EXPECT_EQ(j.verdict, PendingVerdict::failed);
    EXPECT_NE(j.reason.find("REVIEW_IN_PROGRESS"), std::string::npos) << j.reason;
}

// NoEcho parameters are recorded masked and not compared.
TEST(JudgePending, MaskedParametersAreNotCompared) {
    auto d = recorded();
    d.parameters["DbPassword"] = "****";
    auto s = stack("UPDATE_COMPLETE");
    s.parameters["DbPassword"] = "****";
    StackEvidence e{s, {}, std::nullopt, "Resources: {A: {Type: T}}\n"};
    EXPECT_EQ(deploy::judge_pending(d, e, false).verdict, PendingVerdict::succeeded);
}

TEST(JudgePending, ImagesWithoutAParameterAreNotCompared) {
    auto d = pending();
    d.images.push_back({"old", 1, "repo:old-1", false, ""});
    EXPECT_TRUE(deploy::stack_holds_images(stack("UPDATE_COMPLETE"), d));
    EXPECT_FALSE(deploy::stack_holds_images(stack("UPDATE_COMPLETE", "repo:api-9"), d));
}

}  // namespace
