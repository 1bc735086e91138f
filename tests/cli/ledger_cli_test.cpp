// The ledger must never lie (issue 24), end to end against moto_server: a rollback at the head
// does not count the changes it did not deploy as deployed, and `run` of a head older in
// history than the deployed commit is refused unless --allow-older. Stacks are read with the
// aws CLI, the store with sqlite3.
#include <rapidjson/document.h>

#include "run_fixture.hpp"

namespace {

using run_test::image;
using run_test::RunCli;
using run_test::RunCliSmall;

// The affected components of `run --plan --json-report -`, sorted, space-separated.
std::string plan_affected(const support::CommandResult& r) {
    rapidjson::Document d;
    d.Parse(r.out.c_str());
    if (!d.IsObject() || !d.HasMember("affected")) return "unreadable: " + r.out + r.err;
    std::vector<std::string> names;
    for (const auto& n : d["affected"].GetArray()) names.emplace_back(n.GetString());
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
    return out;
}

// The repro on the example project: training-lambda's change fails to build, then
// batch-train is rolled back to build #1 at the head. The rollback must not mark the
// training-lambda change (nor batch-train's own since #1) as deployed.
TEST_F(RunCli, ARollbackAtTheHeadDoesNotMarkLaterChangesDeployed) {
    use_example_project();
    const std::string first = repo.git("rev-parse HEAD").substr(0, 40);
    ASSERT_EQ(slipway("run --env test -q").status, 0);
    repo.write("batch/train/train.py", "print('tuned')\n");
    const std::string tuned = repo.commit("batch-train: tune");
    ASSERT_EQ(slipway("run --env test -q").status, 0);  // batch-train #2
    // A file the build cannot read: training-lambda's build fails.
    repo.write("functions/training/handler.py", "def handler(e, c): return 2\n");
    repo.symlink("/nonexistent/slipway-test", "functions/training/broken");
    const std::string broken = repo.commit("training-lambda: v2 (does not build)");
    auto failed = slipway("run --env test -q");
    ASSERT_EQ(failed.status, 1) << failed.out << failed.err;
    auto rollback = slipway(
        "rollback --env test --component batch-train --build 1 --yes --reason 'training broke'");
    ASSERT_EQ(rollback.status, 0) << rollback.out << rollback.err;
    EXPECT_EQ(stack("ml-training-test")["BatchTrainImageUri"], image("batch-train", 1, first));
    // What the store says: the environment's place in history went back to build #1's
    // commit, batch-train's image is current for it, training-lambda's for `tuned`.
    EXPECT_EQ(sql("SELECT commit_id, template_commit FROM deployments WHERE kind = 'rollback'"),
              first + "|" + broken + "\n");
    EXPECT_EQ(sql("SELECT i.commit_id FROM deployment_images i JOIN deployments d ON d.id = "
                  "i.deployment_id WHERE d.kind = 'rollback' AND i.component IN "
                  "('batch-train', 'training-lambda') ORDER BY i.component"),
              first + "\n" + tuned + "\n");
    // The next run still owes both.
    auto plan = slipway("run --env test --plan -q --json-report -");
    ASSERT_EQ(plan.status, 0) << plan.err;
    EXPECT_EQ(plan_affected(plan), "batch-train training-lambda");
    // Fixed: the next run deploys both. batch-train's build #2 has the same inputs and is
    // reused; reuse checks that its image is in ECR, where these builds (no Docker here)
    // pushed nothing, so it is put where its build would have.
    const std::string tag =
        image("batch-train", 2, tuned).substr(image("batch-train", 2, tuned).rfind(':') + 1);
    (void)support::run(env + "aws ecr create-repository --repository-name ml-training 2>&1");
    ASSERT_EQ(support::run(env + "aws " + support::ecr_put_image_args("ml-training", tag) + " 2>&1")
                  .status,
              0);
    repo.remove("functions/training/broken");
    const std::string fixed = repo.commit("training-lambda: buildable again");
    auto run = slipway("run --env test -q");
    ASSERT_EQ(run.status, 0) << run.out << run.err;
    auto s = stack("ml-training-test");
    EXPECT_EQ(s["BatchTrainImageUri"], image("batch-train", 2, tuned));  // reused #2
    EXPECT_NE(s["TrainingLambdaImageUri"].find(fixed.substr(0, 12)), std::string::npos)
        << s["TrainingLambdaImageUri"];
    EXPECT_EQ(plan_affected(slipway("run --env test --plan -q --json-report -")), "");
}

// `run --head H1` after its child H2 is deployed goes back in history: exit 2 naming both
// commits, nothing recorded, the stack untouched -- unless --allow-older.
TEST_F(RunCliSmall, ARunOfAnAncestorOfTheDeployedCommitIsRefused) {
    repo.write("api/main.py", "v2\n");
    const std::string h1 = repo.commit("api v2");
    repo.write("api/main.py", "v3\n");
    const std::string h2 = repo.commit("api v3");
    ASSERT_EQ(slipway("run --env test -q").status, 0);
    const std::string api = stack("shop-test")["ApiImage"];
    const std::string runs = sql("SELECT count(*) FROM runs");
    auto older = slipway("run --env test -q --head " + h1);
    EXPECT_EQ(older.status, 2) << older.out << older.err;
    EXPECT_NE(older.err.find(h1.substr(0, 12) + " is an ancestor of " + h2.substr(0, 12) +
                             ", deployed to test"),
              std::string::npos)
        << older.err;
    EXPECT_NE(older.err.find("--allow-older"), std::string::npos) << older.err;
    EXPECT_EQ(sql("SELECT count(*) FROM runs"), runs);
    EXPECT_EQ(stack("shop-test")["ApiImage"], api);
    auto deploy = slipway("deploy --env test --latest --yes --head " + h1);
    EXPECT_EQ(deploy.status, 2) << deploy.out << deploy.err;
    // Going back on purpose.
    auto allowed = slipway("run --env test -q --allow-older --head " + h1);
    EXPECT_EQ(allowed.status, 0) << allowed.out << allowed.err;
    EXPECT_NE(allowed.err.find("--allow-older"), std::string::npos) << allowed.err;
}

}  // namespace
