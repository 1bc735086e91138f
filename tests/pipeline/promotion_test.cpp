// Gated promotions as the library runs them, on the fixture's clock (which the tests move):
// a request held by its gates records what it would ship and deploys nothing; once the gates
// pass it ships exactly those images, also after the source moved on; decisions are checked;
// a deploy into a gated environment is refused; the environment's alarms go with every change
// set.
#include "pipeline/promotion.hpp"
#include "pipeline_fixture.hpp"

namespace {

using pipeline_test::Pipeline;
constexpr versioning::Millis k_minute = 60'000;

class Gated : public Pipeline {
  protected:
    void SetUp() override {
        Pipeline::SetUp();
        // The fake CloudFormation stamps its events 2026-11-22T10:00 onwards (a deployment
        // ends then): the clock starts a few minutes later.
        clock = 1'795'341'900'000;  // 2026-11-22T10:05:00Z
    }
    void gate(const std::string& gates) {
        std::string m = pipeline_test::k_manifest;
        m.replace(m.find("    parameters: {Stage: prod}"), 0, gates);
        repo.write("slipway.yml", "teams: {platform: [carol, dave]}\n" + m);
        repo.commit("gates");
    }
    common::Result<pipeline::DeployCommandOutcome> promote(
        std::int64_t request = 0, const std::string& actor = "alice@host") {
        pipeline::DeployRequest r;
        r.kind = "promote";
        r.env = "prod";
        r.request_id = request;
        auto p = project();
        r.trigger = {"cli", "", "", actor};
        auto s = services();
        return pipeline::run_deploy_command(p, r, s, observer);
    }
    common::Result<versioning::PromotionRequest> decide(std::int64_t id, const std::string& actor,
                                                        const std::string& verdict = "approve",
                                                        const std::string& reason = "") {
        return pipeline::decide(project().manifest, {id, "prod", verdict, reason, actor}, *store,
                                clock);
    }
};

TEST_F(Gated, SoakHoldsARequestUntilTheClockHasMoved) {
    gate("    gates: {soak: 30m}\n");
    ASSERT_TRUE(run());
    auto held = promote();
    ASSERT_TRUE(held) << held.error().message;
    EXPECT_TRUE(held->held);
    EXPECT_EQ(held->run.exit, 5);
    ASSERT_TRUE(held->request);
    const auto id = held->request->id;
    EXPECT_GT(id, 0);
    EXPECT_EQ(param("shop-prod", "ApiImage"), "(no stack)");
    EXPECT_TRUE(store->runs("prod", 10)->empty()) << "a held promotion is not a run";
    auto stored = *store->request(id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, "open");
    EXPECT_EQ(stored->requested_by, "alice@host");
    ASSERT_EQ(stored->images.size(), 3u);
    EXPECT_EQ(stored->images[0].image_uri, "repo:api-1");
    EXPECT_FALSE(stored->images[0].commit.empty());
    ASSERT_EQ(held->verdict->unmet.size(), 1u);
    EXPECT_NE(held->verdict->unmet[0].message.find("to go"), std::string::npos)
        << held->verdict->unmet[0].message;
    clock += 10 * k_minute;
    auto still = promote();
    ASSERT_TRUE(still);
    EXPECT_TRUE(still->held);
    EXPECT_EQ(still->request->id, id) << "the open request, not a new one";
    clock += 25 * k_minute;
    auto shipped = promote();
    ASSERT_TRUE(shipped) << shipped.error().message;
    EXPECT_FALSE(shipped->held);
    EXPECT_EQ(shipped->run.exit, 0);
    EXPECT_EQ(param("shop-prod", "ApiImage"), "repo:api-1");
    stored = *store->request(id);
    EXPECT_EQ(stored->status, "deployed");
    EXPECT_EQ(stored->deployment_id, store->current_deployments("prod")->front().id);
    EXPECT_EQ(store->current_deployments("prod")->front().note,
              "request #" + std::to_string(id) + " (requested by alice@host)");
}

TEST_F(Gated, ARequestShipsExactlyItsImagesAfterTheSourceMovedOn) {
    gate("    gates: {approvals: 2, approvers: [bob, team:platform]}\n");
    ASSERT_TRUE(run());
    auto held = promote();
    ASSERT_TRUE(held && held->held);
    const auto id = held->request->id;
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    ASSERT_TRUE(run());  // test has api#2 now
    // Decisions: the requester may not approve; someone outside the approvers may not either.
    auto own = decide(id, "github:alice");
    ASSERT_FALSE(own);
    EXPECT_NE(own.error().message.find("cannot approve their own request"), std::string::npos);
    auto outsider = decide(id, "erin@host");
    ASSERT_FALSE(outsider);
    EXPECT_NE(outsider.error().message.find("not an approver"), std::string::npos);
    ASSERT_TRUE(decide(id, "github:bob"));
    ASSERT_TRUE(decide(id, "bob@laptop"));  // bob again: one approval
    auto once = promote(id);
    ASSERT_TRUE(once);
    EXPECT_TRUE(once->held);
    EXPECT_EQ(once->verdict->unmet[0].message,
              "approvals: 1 of 2 (bob); needs 1 more from bob, team:platform");
    ASSERT_TRUE(decide(id, "dave@host"));  // team platform
    auto shipped = promote(id, "bob@laptop");
    ASSERT_TRUE(shipped) << shipped.error().message;
    EXPECT_EQ(shipped->run.exit, 0);
    EXPECT_EQ(param("shop-prod", "ApiImage"), "repo:api-1") << "the request's, not test's newer";
    auto prod = store->current_deployments("prod")->front();
    EXPECT_EQ(prod.source, "test#1");
    EXPECT_EQ(prod.note, "request #" + std::to_string(id) +
                             " (requested by alice@host; approved by bob, dave)");
    auto again = promote(id);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("is deployed already"), std::string::npos);
    // The next promotion is a new request, for test's current images.
    auto next = promote();
    ASSERT_TRUE(next && next->held);
    EXPECT_EQ(next->request->id, id + 1);
    EXPECT_EQ(next->request->images[0].image_uri, "repo:api-2");
}

TEST_F(Gated, ARejectedRequestEndsAndNeedsAReason) {
    gate("    gates: {approvals: 1}\n");
    ASSERT_TRUE(run());
    const auto id = promote()->request->id;
    auto no_reason = decide(id, "bob", "reject");
    ASSERT_FALSE(no_reason);
    auto rejected = decide(id, "bob", "reject", "breaks the v1 API");
    ASSERT_TRUE(rejected) << rejected.error().message;
    EXPECT_EQ(rejected->status, "rejected");
    EXPECT_EQ(rejected->outcome, "rejected by bob: breaks the v1 API");
    EXPECT_EQ(rejected->reason, "") << "why it was asked for stays";
    EXPECT_FALSE(decide(id, "carol"));  // not open any more
    auto after = promote(id);
    ASSERT_FALSE(after);
    EXPECT_NE(after.error().message.find("is rejected already"), std::string::npos);
}

TEST_F(Gated, AFreezeHoldsUntilAnApproverOverridesItWithAReason) {
    gate(
        "    gates:\n      approvers: [bob]\n      approvals: 0\n      freeze:\n"
        "        - {from: \"2020-01-01T00:00\", to: \"2099-01-01T00:00\", tz: Europe/Berlin, "
        "reason: migration}\n");
    ASSERT_TRUE(run());
    auto held = promote();
    ASSERT_TRUE(held && held->held);
    EXPECT_NE(held->verdict->unmet[0].message.find("freeze: migration until 2098-12-31T23:00:00Z"),
              std::string::npos)
        << held->verdict->unmet[0].message;
    pipeline::DeployRequest r;
    r.kind = "promote";
    r.env = "prod";
    r.override_freeze = true;
    r.reason = "hotfix for the 5xx";
    auto p = project();
    r.trigger = {"cli", "", "", "carol@host"};
    auto s = services();
    auto refused = pipeline::run_deploy_command(p, r, s, observer);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("not an approver"), std::string::npos);
    r.trigger.actor = "bob@host";
    auto overridden = pipeline::run_deploy_command(p, r, s, observer);
    ASSERT_TRUE(overridden) << overridden.error().message;
    EXPECT_EQ(overridden->run.exit, 0);
    EXPECT_EQ(store->current_deployments("prod")->front().note,
              "request #" + std::to_string(held->request->id) +
                  " (requested by alice@host; freeze overridden by bob@host: hotfix for the 5xx)");
    ASSERT_FALSE(observer.warnings.empty());
    EXPECT_NE(observer.warnings.back().find("overridden by bob@host"), std::string::npos);
}

TEST_F(Gated, ADeployIntoAGatedEnvironmentIsRefusedAndRollbacksKeepTheirReason) {
    gate("    gates: {approvals: 1}\n");
    ASSERT_TRUE(run());
    pipeline::DeployRequest d;
    d.kind = "deploy";
    d.env = "prod";
    d.latest = true;
    auto refused = deploy_command(d);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, common::ErrorCode::held);
    EXPECT_EQ(common::exit_code(refused.error().code), 5);
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    ASSERT_TRUE(run());
    pipeline::DeployRequest back;
    back.kind = "rollback";
    back.env = "test";
    back.to_deployment = 1;
    back.reason = "5xx after #2";
    ASSERT_TRUE(deploy_command(back));
    EXPECT_EQ(store->current_deployments("test")->front().note, "5xx after #2");
}

TEST_F(Gated, AlarmsGoWithEveryChangeSetOfTheEnvironment) {
    std::string m = pipeline_test::k_manifest;
    m.replace(m.find("    parameters: {Stage: test}"), 0,
              "    alarms: {arns: [\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-5xx\"], "
              "monitor: 90s}\n");
    repo.write("slipway.yml", m);
    repo.commit("alarms");
    ASSERT_TRUE(run());
    ASSERT_FALSE(cloud.change_sets.empty());
    for (const auto& [id, cs] : cloud.change_sets) {
        EXPECT_EQ(
            cs.request.rollback_alarms,
            std::vector<std::string>{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-5xx"});
        EXPECT_EQ(cs.request.monitoring_minutes, 2);  // 90 s, rounded up
    }
}

}  // namespace
