// The run as a library: plan_run + execute_run over a real repository and store, with a fake
// runner and CloudFormation. Each test is one situation a team meets on a merge.
#include "pipeline_fixture.hpp"

namespace {

using pipeline_test::Pipeline;

TEST_F(Pipeline, FirstDeployBuildsEveryImageAndCreatesTheStack) {
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->exit, 0);
    EXPECT_EQ(out->summary.result, "deployed");
    EXPECT_EQ(builds_of(out->summary.run_id),
              "api#1 succeeded, web#1 succeeded, worker#1 succeeded");
    EXPECT_EQ(param("shop-test", "ApiImage"), "repo:api-1");
    EXPECT_EQ(param("shop-test", "Stage"), "test");
    EXPECT_EQ(cloud.stacks["shop-test"].info.status, "CREATE_COMPLETE");
    auto current = *store->current_deployments("test");
    ASSERT_EQ(current.size(), 1u);
    EXPECT_EQ(current[0].commit, first);
    EXPECT_EQ(current[0].actor, "tester@host");
    EXPECT_EQ(observer.phases, (std::vector<std::string>{"select", "build", "deploy"}));
    auto runs = *store->runs("test", 5);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].status, versioning::RunStatus::succeeded);
    EXPECT_NE(runs[0].report.find("\"result\":\"deployed\""), std::string::npos);
}

TEST_F(Pipeline, OneChangedComponentIsTheOnlyBuild) {
    ASSERT_TRUE(run());
    repo.write("web/main.py", "v2\n");
    repo.commit("web v2");
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(builds_of(out->summary.run_id), "web#2 succeeded");
    EXPECT_EQ(param("shop-test", "WebImage"), "repo:web-2");
    EXPECT_EQ(param("shop-test", "ApiImage"), "repo:api-1");  // the deployed one, kept
    const auto& rows = out->summary.rows;
    auto web = std::find_if(rows.begin(), rows.end(), [](auto& r) { return r.component == "web"; });
    ASSERT_NE(web, rows.end());
    EXPECT_TRUE(web->parameter_changed);
    EXPECT_EQ(web->reason, "web/main.py");
}

TEST_F(Pipeline, ASharedLibraryRebuildsItsDependentsOnly) {
    ASSERT_TRUE(run());
    repo.write("lib/main.py", "v2\n");
    repo.commit("lib v2");
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(builds_of(out->summary.run_id), "api#2 succeeded, web#2 succeeded");
    EXPECT_EQ(param("shop-test", "WorkerImage"), "repo:worker-1");
}

TEST_F(Pipeline, ADocsOnlyChangeTouchesNothing) {
    ASSERT_TRUE(run());
    const auto calls = cloud.calls.size();
    repo.write("api/README.md", "docs\n");
    repo.commit("docs");
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->summary.result, "nothing-affected");
    EXPECT_EQ(builds_of(out->summary.run_id), "");
    EXPECT_EQ(cloud.calls.size(), calls);  // the stack was not even read
}

TEST_F(Pipeline, AConfigOnlyChangeDeploysWithoutBuilding) {
    ASSERT_TRUE(run());
    std::string t = pipeline_test::k_template;
    repo.write("template.yml", t + "Outputs:\n  Stage: {Value: !Ref Stage}\n");
    const std::string change = repo.commit("an output");
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(builds_of(out->summary.run_id), "");
    // The parameters are the same, so the fake says "no changes": success, nothing recorded.
    EXPECT_EQ(out->summary.result, "up-to-date");
    EXPECT_EQ(out->exit, 0);
}

TEST_F(Pipeline, AFailedBuildDeploysNothingAndTheNextRunStillSeesTheChange) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    runner.exit_codes["api"] = 3;
    auto failed = run();
    ASSERT_TRUE(failed) << failed.error().message;
    EXPECT_EQ(failed->exit, 1);
    EXPECT_EQ(failed->summary.result, "build-failed");
    EXPECT_EQ(param("shop-test", "ApiImage"), "repo:api-1");
    runner.exit_codes.clear();
    auto next = run();
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_EQ(builds_of(next->summary.run_id), "api#3 succeeded");
    EXPECT_EQ(param("shop-test", "ApiImage"), "repo:api-3");
}

TEST_F(Pipeline, ABadParameterTakesNoNumberAndRecordsNothing) {
    ASSERT_TRUE(run());
    std::string m = pipeline_test::k_manifest;
    m.replace(m.find("{Stage: test}"), 13, "{Stage: staging}");
    repo.write("slipway.yml", m);
    repo.write("api/main.py", "v2\n");
    repo.commit("a bad stage");
    const auto runs = store->runs("", 100)->size();
    auto out = run();
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, common::ErrorCode::input);
    EXPECT_NE(out.error().message.find("Stage"), std::string::npos) << out.error().message;
    EXPECT_EQ(*store->peek_next_number("api"), 2);
    EXPECT_EQ(store->runs("", 100)->size(), runs);
}

TEST_F(Pipeline, AnInterruptedRunIsRecordedSo) {
    runner.interrupt = true;
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->exit, 130);
    EXPECT_EQ(out->summary.result, "interrupted");
    EXPECT_EQ(store->runs("test", 1)->front().status, versioning::RunStatus::cancelled);
    EXPECT_EQ(cloud.stacks.count("shop-test"), 0u);
}

TEST_F(Pipeline, AStackUpdateThatRollsBackIsAFailedAttempt) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    cloud.fail_next_update = true;
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->exit, 1);
    EXPECT_EQ(out->summary.result, "deploy-failed");
    EXPECT_EQ(out->summary.stack_status, "UPDATE_ROLLBACK_COMPLETE");
    EXPECT_EQ(store->deployments_in("test", 5)->front().status, "failed");
    EXPECT_EQ(store->current_deployments("test")->front().commit, first);
}

TEST_F(Pipeline, ThrottledEventsAfterExecutingAreWaitedOut) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    cloud.event_failures = 5;
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->summary.result, "deployed");
    EXPECT_TRUE(store->pending_deployments("test")->empty());
}

// slipway died after executing: the next run finds the deployment pending, reads the stack
// (the events carry its token), records it, and compares with its commit.
TEST_F(Pipeline, APendingDeploymentIsReconciledBeforeTheNextRun) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    const std::string v2 = repo.commit("api v2");
    // What a killed deploy leaves: the intent in the store, the stack updated.
    auto d = store->current_deployments("test")->front();
    d.status = "pending";
    d.commit = v2;
    d.finished_at.reset();
    d.client_token = "slipway-exec-killed";
    d.template_commit = v2;
    d.images = {{"api", 9, "repo:api-9", true, "ApiImage", v2},
                {"web", 1, "repo:web-1", false, "WebImage", v2},
                {"worker", 1, "repo:worker-1", false, "WorkerImage", v2}};
    d.parameters = {{"ApiImage", "repo:api-9"},
                    {"WebImage", "repo:web-1"},
                    {"WorkerImage", "repo:worker-1"},
                    {"Stage", "test"}};
    auto cs = cloud.create_change_set({"shop-test",
                                       "killed",
                                       "UPDATE",
                                       pipeline_test::k_template,
                                       "",
                                       {{"ApiImage", "repo:api-9"},
                                        {"WebImage", "repo:web-1"},
                                        {"WorkerImage", "repo:worker-1"},
                                        {"Stage", "test"}},
                                       {},
                                       {},
                                       "",
                                       "",
                                       ""});
    d.change_set = *cs;
    const auto id = *store->record_deployment(d);
    ASSERT_TRUE(cloud.execute_change_set("shop-test", *cs, "slipway-exec-killed"));
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(store->deployment(id)->value().status, "succeeded");
    EXPECT_EQ(out->summary.result, "nothing-affected");  // its commit is the base now
    ASSERT_FALSE(observer.notes.empty());
    EXPECT_NE(observer.notes[0].find("reconciled deployment #" + std::to_string(id)),
              std::string::npos);
}

TEST_F(Pipeline, ABusyEnvironmentStopsTheRunBeforeAnythingIsBuilt) {
    ASSERT_TRUE(run());
    ASSERT_EQ(store->acquire_lock("deploy/test", "elsewhere:1:2:run", 1'795'000'000'000, 3'600'000)
                  ->owner,
              "elsewhere:1:2:run");
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    auto out = run();
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, common::ErrorCode::busy);
    EXPECT_EQ(*store->peek_next_number("api"), 2);
    EXPECT_EQ(store->runs("test", 1)->front().status, versioning::RunStatus::busy);
}

TEST_F(Pipeline, TheBaseIsTheDeployedCommitElseTheBaseBranch) {
    ASSERT_TRUE(run());
    // History rewritten: the deployed commit is gone from the repository.
    repo.git("checkout -q --orphan rewritten");
    repo.write("api/main.py", "v2\n");
    repo.commit("rewritten history");
    repo.git("branch -D main");
    repo.git("branch -D test");
    repo.git("branch -m main");
    repo.git("reflog expire --expire=now --all");
    repo.git("gc -q --prune=now");
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_EQ(observer.warnings.size(), 1u);
    EXPECT_NE(observer.warnings[0].find("is not in this repository; comparing with 'main'"),
              std::string::npos);
    EXPECT_NE(out->summary.base_reason.find("the base branch 'main'"), std::string::npos);
}

TEST_F(Pipeline, WithoutABaseBranchAMissingDeployedCommitIsAnError) {
    std::string m = pipeline_test::k_manifest;
    m.erase(m.find("    base: main\n"), 15);
    repo.write("slipway.yml", m);
    repo.commit("no base branch");
    ASSERT_TRUE(run());
    repo.git("checkout -q --orphan rewritten");
    repo.commit("rewritten history");
    repo.git("branch -D main");
    repo.git("reflog expire --expire=now --all");
    repo.git("gc -q --prune=now");
    auto out = run();
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, common::ErrorCode::input);
    EXPECT_NE(out.error().message.find("give --base REF, or --all"), std::string::npos);
}

TEST_F(Pipeline, APlanBuildsNothingRecordsNothingAndPreviews) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    const auto runs = store->runs("", 100)->size();
    const auto change_sets = cloud.change_sets.size();
    auto out = run("test", [](pipeline::RunRequest& r) { r.plan = true; });
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->summary.result, "planned");
    EXPECT_EQ(*store->peek_next_number("api"), 2);
    EXPECT_EQ(store->runs("", 100)->size(), runs);
    EXPECT_EQ(param("shop-test", "ApiImage"), "repo:api-1");
    EXPECT_EQ(cloud.change_sets.size(), change_sets);  // previewed and deleted
    EXPECT_EQ(cloud.calls.back(), "DeleteChangeSet");
}

}  // namespace
