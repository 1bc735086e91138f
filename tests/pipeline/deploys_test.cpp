// deploy, promote and rollback as the library runs them: every one a run with its actor,
// bad input recording nothing, CodePipeline's overrides pending until the stack has them.
#include "pipeline_fixture.hpp"

namespace {

using pipeline_test::Pipeline;

pipeline::DeployRequest request(const std::string& kind, const std::string& env) {
    pipeline::DeployRequest r;
    r.kind = kind;
    r.env = env;
    return r;
}

TEST_F(Pipeline, PromoteMovesExactlyTheSourcesImagesWithItsCommit) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    ASSERT_TRUE(run());  // test has api#2
    auto out = deploy_command(request("promote", "prod"));
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->run.exit, 0);
    EXPECT_EQ(param("shop-prod", "ApiImage"), "repo:api-2");
    EXPECT_EQ(param("shop-prod", "Stage"), "prod");
    auto prod = store->current_deployments("prod")->front();
    EXPECT_EQ(prod.kind, "promote");
    EXPECT_EQ(prod.commit, store->current_deployments("test")->front().commit);
    EXPECT_EQ(prod.source, "test#2");
    auto runs = *store->runs("prod", 1);
    EXPECT_EQ(runs[0].kind, "promote");
    EXPECT_EQ(runs[0].actor, "tester@host");
    EXPECT_EQ(prod.run_id, runs[0].id);
}

TEST_F(Pipeline, RollbackToADeploymentOrOneComponentsBuild) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    repo.write("web/main.py", "v2\n");
    repo.commit("v2");
    ASSERT_TRUE(run());
    auto one = request("rollback", "test");
    one.component = "web";
    one.build = 1;
    auto r1 = deploy_command(one);
    ASSERT_TRUE(r1) << r1.error().message;
    EXPECT_EQ(param("shop-test", "WebImage"), "repo:web-1");
    EXPECT_EQ(param("shop-test", "ApiImage"), "repo:api-2");
    auto all = request("rollback", "test");
    all.to_deployment = 1;
    auto r2 = deploy_command(all);
    ASSERT_TRUE(r2) << r2.error().message;
    EXPECT_EQ(param("shop-test", "ApiImage"), "repo:api-1");
    EXPECT_EQ(store->current_deployments("test")->front().source, "#1");
    auto both = request("rollback", "test");
    auto bad = deploy_command(both);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, common::ErrorCode::usage);
}

TEST_F(Pipeline, BadInputToADeployRecordsNoRun) {
    auto r = request("deploy", "test");
    r.images = {"api=repo:api-7"};  // web and worker have no image anywhere
    const auto runs = store->runs("", 100)->size();
    auto out = deploy_command(r);
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, common::ErrorCode::input);
    EXPECT_EQ(store->runs("", 100)->size(), runs);
    EXPECT_TRUE(cloud.calls.empty());
    auto unknown = deploy_command(request("deploy", "staging"));
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("unknown environment 'staging'"), std::string::npos);
    EXPECT_NE(unknown.error().message.find("environments: test, prod"), std::string::npos)
        << unknown.error().message;
}

TEST_F(Pipeline, OverridesForCodePipelineArePendingUntilTheStackHoldsThem) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    const std::string v2 = repo.commit("api v2");
    support::TempDir out_dir;
    const auto file = (out_dir.path() / "o.json").string();
    auto w = run("test", [&](pipeline::RunRequest& r) { r.write_overrides = file; });
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ(w->summary.result, "overrides-written");
    auto pending = *store->pending_deployments("test");
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].executed_by, "codepipeline");
    // Before CodePipeline ran, the next run still compares with the old deployment.
    auto plan = run("test", [](pipeline::RunRequest& r) { r.plan = true; });
    ASSERT_TRUE(plan);
    EXPECT_EQ(store->pending_deployments("test")->size(), 1u);
    // CodePipeline deploys the overrides (with the template of the same commit).
    auto cs = cloud.create_change_set({"shop-test",
                                       "pipeline",
                                       "UPDATE",
                                       pipeline_test::k_template,
                                       "",
                                       {{"ApiImage", "repo:api-2"},
                                        {"WebImage", "repo:web-1"},
                                        {"WorkerImage", "repo:worker-1"},
                                        {"Stage", "test"}},
                                       {},
                                       {},
                                       "",
                                       "",
                                       ""});
    ASSERT_TRUE(cloud.execute_change_set("shop-test", *cs, "pipeline-token"));
    auto next = run();
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_EQ(store->deployment(pending[0].id)->value().status, "succeeded");
    EXPECT_EQ(next->summary.result, "nothing-affected");
    EXPECT_EQ(store->current_deployments("test")->front().commit, v2);
}

// While CodePipeline's overrides wait, another tool deploys the same images with another
// template (a config change of its own). The stack does not hold the overrides' deployment:
// it must not be recorded as succeeded just because the image parameters match.
TEST_F(Pipeline, AnotherDeployWithTheSameImagesButAnotherTemplateIsNotTheOverrides) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    support::TempDir out_dir;
    const auto file = (out_dir.path() / "o.json").string();
    auto w = run("test", [&](pipeline::RunRequest& r) { r.write_overrides = file; });
    ASSERT_TRUE(w) << w.error().message;
    auto pending = *store->pending_deployments("test");
    ASSERT_EQ(pending.size(), 1u);
    auto cs = cloud.create_change_set(
        {"shop-test",
         "someone-else",
         "UPDATE",
         std::string(pipeline_test::k_template) + "Outputs:\n  X: {Value: other}\n",
         "",
         {{"ApiImage", "repo:api-2"},
          {"WebImage", "repo:web-1"},
          {"WorkerImage", "repo:worker-1"},
          {"Stage", "test"}},
         {},
         {},
         "",
         "",
         ""});
    ASSERT_TRUE(cloud.execute_change_set("shop-test", *cs, ""));
    auto plan = run("test", [](pipeline::RunRequest& r) { r.plan = true; });
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(store->deployment(pending[0].id)->value().status, "pending");
}

}  // namespace
