// Failure paths of a deploy that moto cannot produce (a stack that fails and rolls back, a
// rollback that fails, a first create that fails, throttling while polling, a busy stack),
// against a scripted 127.0.0.1 server replaying CloudFormation XML answers shaped like real
// AWS's (tests/deploy/responses/). The happy paths run against moto in cli/deploy_cli_test.
#include "deploy/deployer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/git_repo.hpp"
#include "support/scripted_server.hpp"

namespace {

std::string response(const std::string& name) {
    std::ifstream in(std::string(RESPONSES_DIR) + "/" + name + ".xml");
    std::stringstream s;
    s << in.rdbuf();
    EXPECT_FALSE(s.str().empty()) << name;
    return s.str();
}

support::ScriptedReply ok(const std::string& name) {
    return {false, 200, {}, response(name)};
}
support::ScriptedReply fail(int status, const std::string& name) {
    return {false, status, {}, response(name)};
}

class Collect final : public deploy::DeployReporter {
  public:
    void begin(const deploy::DeployPlan&) override { lines.push_back("begin"); }
    void note(const std::string& line) override { lines.push_back(line); }
    void preview(const deploy::Preview& p) override { previews.push_back(p); }
    bool confirm(const deploy::Preview&) override { return true; }
    void event(const deploy::StackEvent& e) override { events.push_back(e.id); }
    void waiting(const std::string&, std::chrono::milliseconds) override { ++waits; }
    std::vector<std::string> lines;
    std::vector<deploy::Preview> previews;
    std::vector<std::string> events;
    int waits = 0;
};

class Deployer : public ::testing::Test {
  protected:
    void run(std::vector<support::ScriptedReply> script, bool wait = false) {
        run(std::make_unique<support::ScriptedServer>(std::move(script)), wait);
    }
    void run(support::ActionScripts scripts, bool wait = false) {
        run(std::make_unique<support::ScriptedServer>(std::move(scripts)), wait);
    }
    void run(std::unique_ptr<support::ScriptedServer> scripted, bool wait) {
        server = std::move(scripted);
        aws::ClientOptions o;
        o.env = aws::env_of({{"AWS_ENDPOINT_URL", server->url()}});
        o.region = "us-east-1";
        o.credentials = aws::static_credentials({"AKIDTEST", "secret", ""});
        o.sleep = [](auto) {};
        client = std::make_shared<aws::Client>(o);
        cloudformation = deploy::aws_cloudformation(client);
        auto opened = versioning::open_store("sqlite:state.db", dir.path().string());
        ASSERT_TRUE(opened) << opened.error().message;
        store = std::move(*opened);
        auto t = deploy::parse_template(
            "Parameters:\n  ApiImage: {Type: String}\n  Stage: {Type: String}\n"
            "Resources:\n  Api: {Type: AWS::Lambda::Function}\n",
            "template.yml");
        ASSERT_TRUE(t);
        plan.env = "test";
        plan.stack = "shop-test";
        plan.commit = "0123456789abcdef";
        plan.tmpl = *t;
        plan.parameters.values = {{"ApiImage", "repo:api-2"}, {"Stage", "test"}};
        plan.parameters.images = {
            {"api", "ApiImage", 2, "repo:api-2", deploy::ImageSource::new_image, true}};
        plan.lock_owner = "tester";
        plan.wait_busy = wait;
        versioning::Millis clock = 1'000'000;
        deploy::DeployServices services{*cloudformation,
                                        nullptr,
                                        nullptr,
                                        *store,
                                        [clock]() mutable { return clock += 1000; },
                                        [](std::chrono::milliseconds) {},
                                        [] { return 0.5; },
                                        {}};
        if (prepare) prepare();
        outcome = deploy::deploy_stack(plan, services, reporter);
    }

    std::vector<std::string> actions() const {
        std::vector<std::string> out;
        for (const auto& r : server->requests()) {
            auto at = r.find("Action=");
            out.push_back(at == std::string::npos ? "?"
                                                  : r.substr(at + 7, r.find('&', at) - at - 7));
        }
        return out;
    }

    support::TempDir dir;
    std::unique_ptr<support::ScriptedServer> server;
    std::shared_ptr<aws::Client> client;
    std::unique_ptr<deploy::CloudFormationApi> cloudformation;
    std::unique_ptr<versioning::VersionStore> store;
    deploy::DeployPlan plan;
    std::function<void()> prepare;  // runs just before the deploy (plan and store are set)
    Collect reporter;
    common::Result<deploy::DeployOutcome> outcome =
        common::fail(common::ErrorCode::failed, "unset");
};

TEST_F(Deployer, AFailedUpdateThatRolledBackIsRecordedAsAFailedAttempt) {
    run({ok("describe_stacks_update_complete"), ok("create_change_set"),
         ok("describe_change_set_pending"), ok("describe_change_set_modify"),
         ok("events_before_update"), ok("execute_change_set"), ok("events_update_started"),
         fail(400, "throttling"), ok("events_update_rolled_back")});
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(outcome->result, deploy::DeployResult::failed);
    EXPECT_EQ(outcome->final_status, "UPDATE_ROLLBACK_COMPLETE");
    ASSERT_EQ(outcome->failures.size(), 1u);
    EXPECT_EQ(outcome->failures[0].logical_id, "Api");
    EXPECT_NE(outcome->failures[0].reason.find("Image not found: repo:api-2"), std::string::npos);
    // Events: only this update's, each once, oldest first; the throttled poll was retried.
    EXPECT_EQ(reporter.events, (std::vector<std::string>{"ev-01", "ev-02", "ev-03", "ev-04",
                                                         "ev-05", "ev-06", "ev-07"}));
    EXPECT_EQ(actions(), (std::vector<std::string>{
                             "DescribeStacks", "CreateChangeSet", "DescribeChangeSet",
                             "DescribeChangeSet", "DescribeStackEvents", "ExecuteChangeSet",
                             "DescribeStackEvents", "DescribeStackEvents", "DescribeStackEvents"}));
    ASSERT_EQ(reporter.previews.size(), 1u);
    ASSERT_EQ(reporter.previews[0].parameters.size(), 1u);  // only ApiImage changes
    EXPECT_EQ(reporter.previews[0].parameters[0].old_value, "repo:api-1");
    // Recorded as a failed attempt; the environment's current state is unchanged.
    auto all = store->deployments_in("test", 10);
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ((*all)[0].status, "failed");
    EXPECT_NE((*all)[0].reason.find("UPDATE_ROLLBACK_COMPLETE: Api UPDATE_FAILED"),
              std::string::npos);
    EXPECT_TRUE(store->current_deployments("test")->empty());
    // The lease was given back.
    EXPECT_EQ(store->acquire_lock("deploy/test", "someone-else", 2'000'000, 1000)->owner,
              "someone-else");
}

TEST_F(Deployer, ARollbackThatFailedReportsEveryFailedResource) {
    run({ok("describe_stacks_update_complete"), ok("create_change_set"),
         ok("describe_change_set_modify"), ok("events_before_update"), ok("execute_change_set"),
         ok("events_update_rollback_failed")});
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(outcome->final_status, "UPDATE_ROLLBACK_FAILED");
    EXPECT_EQ(outcome->failures.size(), 2u);
    EXPECT_EQ(store->deployments_in("test", 10)->at(0).status, "failed");
}

TEST_F(Deployer, AFailedFirstCreateIsFollowedUntilTheStackIsDeleted) {
    run({fail(400, "stack_does_not_exist"), ok("create_change_set"), ok("describe_change_set_add"),
         fail(400, "stack_does_not_exist"), ok("execute_change_set"), ok("events_create_failed")});
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(outcome->result, deploy::DeployResult::failed);
    EXPECT_EQ(outcome->final_status, "DELETE_COMPLETE");
    ASSERT_EQ(outcome->failures.size(), 1u);
    EXPECT_EQ(outcome->failures[0].status, "CREATE_FAILED");
    const auto requests = server->requests();
    EXPECT_NE(requests[1].find("ChangeSetType=CREATE"), std::string::npos);
    EXPECT_NE(requests[1].find("OnStackFailure=DELETE"), std::string::npos);
    EXPECT_NE(requests[1].find("ClientToken=slipway-test-"), std::string::npos);
    EXPECT_NE(requests[4].find("ClientRequestToken=slipway-exec-"), std::string::npos);
}

TEST_F(Deployer, AStackInUpdateRollbackFailedIsRefusedWithGuidance) {
    run({ok("describe_stacks_update_rollback_failed")});
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, common::ErrorCode::failed);
    EXPECT_NE(outcome.error().message.find("continue-update-rollback"), std::string::npos);
    EXPECT_EQ(actions(), std::vector<std::string>{"DescribeStacks"});  // no change set
    EXPECT_TRUE(store->deployments_in("test", 10)->empty());
}

TEST_F(Deployer, ABusyStackIsExitThreeOrWaitedFor) {
    run({ok("describe_stacks_update_in_progress")});
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, common::ErrorCode::busy);
    EXPECT_NE(outcome.error().message.find("UPDATE_IN_PROGRESS"), std::string::npos);
}

TEST_F(Deployer, WaitingForABusyStackThenDeploying) {
    run({ok("describe_stacks_update_in_progress"), ok("describe_stacks_update_complete"),
         ok("create_change_set"), ok("describe_change_set_no_changes"), ok("delete_change_set")},
        true);
    ASSERT_TRUE(outcome) << outcome.error().message;
    // The FAILED "didn't contain changes" form: success, change set deleted, nothing recorded.
    EXPECT_EQ(outcome->result, deploy::DeployResult::up_to_date);
    EXPECT_EQ(actions().back(), "DeleteChangeSet");
    EXPECT_TRUE(store->deployments_in("test", 10)->empty());
}

// Once the change set runs, throttled reads of its events are no reason to give up: with
// three Throttling answers in a row (the client's whole retry budget for one call) the
// deploy still follows the update to its end and records it.
TEST_F(Deployer, ThrottledEventReadsAfterExecutingAreRetriedUntilTheEnd) {
    run({ok("describe_stacks_update_complete"), ok("create_change_set"),
         ok("describe_change_set_modify"), ok("events_before_update"), ok("execute_change_set"),
         ok("events_update_started"), fail(400, "throttling"), fail(400, "throttling"),
         fail(400, "throttling"), ok("events_update_rolled_back")});
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(outcome->final_status, "UPDATE_ROLLBACK_COMPLETE");
    auto all = *store->deployments_in("test", 10);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].status, "failed");
    EXPECT_TRUE(store->pending_deployments("test")->empty());
}

// The intent is in the store before ExecuteChangeSet: when following cannot go on, the
// deployment stays pending (never succeeded, never failed) and the error says so.
TEST_F(Deployer, WhenFollowingCannotGoOnTheDeploymentStaysPending) {
    plan.follow_error_budget = std::chrono::milliseconds(2500);
    run({ok("describe_stacks_update_complete"), ok("create_change_set"),
         ok("describe_change_set_modify"), ok("events_before_update"), ok("execute_change_set"),
         ok("events_update_started"), fail(400, "throttling"), fail(400, "throttling"),
         fail(400, "throttling"), fail(400, "throttling"), fail(400, "throttling"),
         fail(400, "throttling"), fail(400, "throttling"), fail(400, "throttling"),
         fail(400, "throttling")});
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, common::ErrorCode::external);
    EXPECT_NE(outcome.error().message.find("outcome unknown"), std::string::npos)
        << outcome.error().message;
    auto pending = *store->pending_deployments("test");
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_NE(pending[0].client_token.find("slipway-exec-"), std::string::npos);
    EXPECT_FALSE(pending[0].change_set.empty());
    ASSERT_EQ(pending[0].images.size(), 1u);
    EXPECT_EQ(pending[0].images[0].parameter, "ApiImage");
    EXPECT_TRUE(store->current_deployments("test")->empty());
    // The execute request carried the token the store has.
    const auto requests = server->requests();
    EXPECT_NE(requests[4].find("ClientRequestToken=" + pending[0].client_token), std::string::npos);
}

// ExecuteChangeSet throttled past the client's retries: the change set did not run, and the
// error must not say it did (issue 25: "the change set was executed and the stack operation
// goes on"). The deployment stays pending for reconciliation, which finds no operation with
// its token.
TEST_F(Deployer, AThrottledExecuteSaysTheChangeSetWasNotExecuted) {
    run({ok("describe_stacks_update_complete"), ok("create_change_set"),
         ok("describe_change_set_modify"), ok("events_before_update"), fail(400, "throttling"),
         fail(400, "throttling"), fail(400, "throttling"), fail(400, "throttling")});
    ASSERT_FALSE(outcome);
    const std::string& m = outcome.error().message;
    EXPECT_EQ(m.find("was executed"), std::string::npos) << m;
    EXPECT_NE(m.find("ExecuteChangeSet was throttled: the change set was not executed"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("stays pending"), std::string::npos) << m;
    EXPECT_EQ(store->pending_deployments("test")->size(), 1u);
}

// An answer that will not change (AccessDenied) ends following at once, also pending.
TEST_F(Deployer, ARefusedEventReadLeavesThePendingDeploymentAtOnce) {
    run({ok("describe_stacks_update_complete"),
         ok("create_change_set"),
         ok("describe_change_set_modify"),
         ok("events_before_update"),
         ok("execute_change_set"),
         {false,
          403,
          {},
          "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no"
          "</Message></Error></ErrorResponse>"}});
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, common::ErrorCode::external);
    EXPECT_NE(outcome.error().message.find("AccessDenied"), std::string::npos);
    EXPECT_EQ(store->pending_deployments("test")->size(), 1u);
}

// Right after ExecuteChangeSet, DescribeStackEvents may still show only the operation before
// ours -- here one the aws CLI made, whose events carry no token -- ending in UPDATE_COMPLETE.
// That is not our success: ours arrives on a later page and rolls back. Both ways AWS may
// show ours: stamped with our token (real CloudFormation), or without any (moto).
TEST_F(Deployer, TheOperationBeforeOursIsNeverTakenForOurs) {
    for (const char* ours :
         {"events_ours_rolled_back_stamped", "events_ours_rolled_back_unstamped"}) {
        SCOPED_TRACE(ours);
        reporter = Collect{};
        run(support::ActionScripts{
            {"DescribeStacks", {ok("describe_stacks_update_complete")}},
            {"CreateChangeSet", {ok("create_change_set")}},
            {"DescribeChangeSet", {ok("describe_change_set_modify")}},
            {"ExecuteChangeSet", {ok("execute_change_set")}},
            // Before ours starts (however often slipway asks), then ours.
            {"DescribeStackEvents",
             {ok("events_previous_operation"), ok("events_previous_operation"),
              ok("events_previous_operation"), ok(ours)}}});
        ASSERT_TRUE(outcome) << outcome.error().message;
        EXPECT_EQ(outcome->result, deploy::DeployResult::failed);
        EXPECT_EQ(outcome->final_status, "UPDATE_ROLLBACK_COMPLETE");
        EXPECT_EQ(reporter.events, (std::vector<std::string>{"ev-01", "ev-02", "ev-03", "ev-04",
                                                             "ev-05", "ev-06", "ev-07"}));
        auto all = *store->deployments_in("test", 10);
        ASSERT_FALSE(all.empty());
        EXPECT_EQ(all[0].status, "failed");
        EXPECT_TRUE(store->current_deployments("test")->empty());
        store.reset();
        std::filesystem::remove(dir.path() / "state.db");
    }
}

// ExecuteChangeSet's first attempt is lost (the connection dropped after sending); the
// client's retry is refused because the change set is executing -- by that first attempt.
// The refusal is no proof the change set did not run: the outcome is unknown and the
// deployment stays pending for reconciliation, never recorded as failed.
TEST_F(Deployer, ARetriedExecuteRefusedAfterALostAttemptIsUnknownNotFailed) {
    run(support::ActionScripts{
        {"DescribeStacks", {ok("describe_stacks_update_complete")}},
        {"CreateChangeSet", {ok("create_change_set")}},
        {"DescribeChangeSet", {ok("describe_change_set_modify")}},
        {"DescribeStackEvents", {ok("events_previous_operation")}},
        {"ExecuteChangeSet",
         {support::dropped_connection(),
          {false,
           400,
           {},
           "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidChangeSetStatus</Code>"
           "<Message>ChangeSet [arn:cs] cannot be executed in its current status of "
           "[EXECUTE_IN_PROGRESS]</Message></Error></ErrorResponse>"}}}});
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, common::ErrorCode::external);
    EXPECT_NE(outcome.error().message.find("outcome unknown"), std::string::npos)
        << outcome.error().message;
    EXPECT_EQ(store->pending_deployments("test")->size(), 1u);
    auto all = *store->deployments_in("test", 10);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].status, "pending");
}

// A refusal after a throttled attempt (which AWS did not carry out) is a definite failure.
TEST_F(Deployer, ARefusalAfterAThrottledAttemptIsAFailure) {
    run(support::ActionScripts{
        {"DescribeStacks", {ok("describe_stacks_update_complete")}},
        {"CreateChangeSet", {ok("create_change_set")}},
        {"DescribeChangeSet", {ok("describe_change_set_modify")}},
        {"DescribeStackEvents", {ok("events_previous_operation")}},
        {"DeleteChangeSet", {ok("delete_change_set")}},
        {"ExecuteChangeSet",
         {fail(400, "throttling"),
          {false,
           400,
           {},
           "<ErrorResponse><Error><Type>Sender</Type><Code>InsufficientCapabilities</Code>"
           "<Message>Requires capabilities : [CAPABILITY_IAM]</Message></Error>"
           "</ErrorResponse>"}}}});
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, common::ErrorCode::external);
    EXPECT_TRUE(store->pending_deployments("test")->empty());
    EXPECT_EQ(store->deployments_in("test", 10)->at(0).status, "failed");
}

// --wait on a held lease waits for it (it used to try renewing the lease it never had and
// fail at once with "lost the deploy lease").
TEST_F(Deployer, WaitingForAHeldLeaseThenDeploying) {
    prepare = [this] {
        ASSERT_EQ(store->acquire_lock("deploy/test", "other-run", 1'000'000, 20'000)->owner,
                  "other-run");
    };
    run({ok("describe_stacks_update_complete"), ok("create_change_set"),
         ok("describe_change_set_no_changes"), ok("delete_change_set")},
        true);
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(outcome->result, deploy::DeployResult::up_to_date);
    ASSERT_FALSE(reporter.lines.empty());
    EXPECT_NE(reporter.lines[0].find("is being deployed by other-run"), std::string::npos);
}

}  // namespace
