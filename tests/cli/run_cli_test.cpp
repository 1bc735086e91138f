// `slipway run` end to end against moto_server: the demo's story on the example project in
// manifests/, then the paths around it (config-only change, failed build, bad input, killed
// run, CI variables, shallow clone, CodePipeline overrides, --plan). Every result is checked
// with the aws CLI (the stack's parameters and outputs) and with sqlite3 on the store file,
// not with slipway's own view.
#include <signal.h>

#include <chrono>
#include <pugixml.hpp>
#include <thread>

#include "run_fixture.hpp"

namespace {

using run_test::image;
using run_test::k_manifest;
using run_test::k_registry;
using run_test::k_template;
using run_test::RunCli;
using run_test::RunCliSmall;
using support::shell_quote;

TEST_F(RunCli, TheDemoStoryOnTheExampleProject) {
    use_example_project();
    const std::string first = repo.git("rev-parse HEAD").substr(0, 40);

    // 1. The first deploy of test: every image component is built (#1), the stack created.
    auto r1 = slipway("run --env test -q");
    ASSERT_EQ(r1.status, 0) << r1.out << r1.err;
    EXPECT_EQ(builds_of_last_run(),
              "batch-train#1 succeeded, inference-service#1 succeeded, preprocess-task#1 "
              "succeeded, training-lambda#1 succeeded\n");
    auto s1 = stack("ml-training-test");
    EXPECT_EQ(s1["(status)"], "CREATE_COMPLETE");
    EXPECT_EQ(s1["Stage"], "test");
    EXPECT_EQ(s1["TrainingLambdaImageUri"], image("training-lambda", 1, first));
    EXPECT_EQ(s1["PreprocessImageUri"], image("preprocess-task", 1, first));
    EXPECT_EQ(s1["InferenceImageUri"], image("inference-service", 1, first));
    EXPECT_EQ(s1["BatchTrainImageUri"], image("batch-train", 1, first));
    EXPECT_EQ(s1["output:TrainingFunctionName"], "ml-training-test-train");
    auto fn =
        aws("lambda get-function --function-name ml-training-test-train --query Code.ImageUri");
    EXPECT_NE(fn.out.find(image("training-lambda", 1, first)), std::string::npos) << fn.out;
    EXPECT_EQ(sql("SELECT status, base_reason FROM runs"),
              "succeeded|test was never deployed: its base branch 'test'\n");

    // 2. One component changes: only it is rebuilt (#2); every other parameter stays.
    repo.write("batch/train/train.py", "print('tuned')\n");
    const std::string second = repo.commit("batch-train: tune");
    auto r2 = slipway("run --env test -q");
    ASSERT_EQ(r2.status, 0) << r2.out << r2.err;
    EXPECT_EQ(builds_of_last_run(), "batch-train#2 succeeded\n");
    auto s2 = stack("ml-training-test");
    EXPECT_EQ(s2["(status)"], "UPDATE_COMPLETE");
    EXPECT_EQ(s2["BatchTrainImageUri"], image("batch-train", 2, second));
    for (const char* p :
         {"Stage", "TrainingLambdaImageUri", "PreprocessImageUri", "InferenceImageUri"})
        EXPECT_EQ(s2[p], s1[p]) << p;
    EXPECT_NE(r2.out.find("batch-train              succeeded  #2      changed"), std::string::npos)
        << r2.out;

    // 3. The shared library changes: exactly its dependents are rebuilt.
    repo.write("libs/common/ml_common.py", "def load_config(name):\n    return {}\n");
    const std::string third = repo.commit("common: simpler");
    auto r3 = slipway("run --env test -q");
    ASSERT_EQ(r3.status, 0) << r3.out << r3.err;
    EXPECT_EQ(builds_of_last_run(), "inference-service#2 succeeded, training-lambda#2 succeeded\n");
    auto s3 = stack("ml-training-test");
    EXPECT_EQ(s3["TrainingLambdaImageUri"], image("training-lambda", 2, third));
    EXPECT_EQ(s3["InferenceImageUri"], image("inference-service", 2, third));
    EXPECT_EQ(s3["BatchTrainImageUri"], s2["BatchTrainImageUri"]);
    EXPECT_EQ(s3["PreprocessImageUri"], s1["PreprocessImageUri"]);

    // 4. README only: nothing built, the stack untouched (no new change set, no deployment).
    const std::string change_sets =
        aws("cloudformation list-change-sets --stack-name ml-training-test").out;
    repo.write("README.md", "More words.\n");
    repo.commit("docs");
    auto r4 = slipway("run --env test -q");
    ASSERT_EQ(r4.status, 0) << r4.out << r4.err;
    EXPECT_NE(r4.out.find("nothing affected"), std::string::npos) << r4.out;
    EXPECT_EQ(builds_of_last_run(), "\n");
    EXPECT_EQ(aws("cloudformation list-change-sets --stack-name ml-training-test").out,
              change_sets);
    EXPECT_EQ(stack("ml-training-test"), s3);
    EXPECT_EQ(sql("SELECT count(*) FROM deployments WHERE env = 'test'"), "3\n");
    EXPECT_EQ(
        sql("SELECT status, json_extract(report, '$.result') FROM runs ORDER BY started_at DESC "
            "LIMIT 1"),
        "succeeded|nothing-affected\n");

    // 5. Promote to prod: the same images, nothing rebuilt.
    const std::string builds_before = sql("SELECT count(*) FROM builds");
    auto r5 = slipway("promote --from test --to prod --yes");
    ASSERT_EQ(r5.status, 0) << r5.out << r5.err;
    EXPECT_EQ(sql("SELECT count(*) FROM builds"), builds_before);
    auto prod = stack("ml-training-prod");
    EXPECT_EQ(prod["(status)"], "CREATE_COMPLETE");
    // prod spans two regions, one wave each: the same stack, the same images, in eu-west-1.
    auto eu =
        aws("cloudformation describe-stacks --region eu-west-1 --stack-name ml-training-prod "
            "--query 'Stacks[0].Parameters[?ParameterKey==`InferenceImageUri`]."
            "ParameterValue' --output text");
    EXPECT_EQ(eu.status, 0) << eu.err;
    EXPECT_EQ(eu.out, prod["InferenceImageUri"] + "\n");
    EXPECT_EQ(prod["Stage"], "prod");
    EXPECT_EQ(prod["InferenceDesiredCount"], "2");
    for (const char* p : {"TrainingLambdaImageUri", "PreprocessImageUri", "InferenceImageUri",
                          "BatchTrainImageUri"})
        EXPECT_EQ(prod[p], s3[p]) << p;

    // 6. History and status.
    auto history = slipway("history training-lambda");
    ASSERT_EQ(history.status, 0) << history.err;
    EXPECT_NE(history.out.find("prod       #2     succeeded  promote"), std::string::npos)
        << history.out;
    auto status = slipway("status --json");
    ASSERT_EQ(status.status, 0) << status.err;
    EXPECT_NE(status.out.find("\"prod\""), std::string::npos);
}

// A small project for the other paths: builds are `sh build.sh NAME`, which fails when a
// file `fail-NAME` exists and sleeps while `slow-NAME` does.

TEST_F(RunCliSmall, AConfigOnlyChangeDeploysWithoutBuilding) {
    std::string text = k_template;
    text.replace(text.find("Outputs:"), 8, "Outputs:\n  Stage:\n    Value: !Ref Stage");
    repo.write("template.yml", text);
    repo.commit("template: an output");
    auto r = slipway("run --env test -q");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(builds_of_last_run(), "\n");
    EXPECT_EQ(stack("shop-test")["output:Stage"], "test");
    EXPECT_EQ(sql("SELECT count(*) FROM deployments WHERE status = 'succeeded'"), "2\n");
}

TEST_F(RunCliSmall, AFailedBuildDeploysNothingAndTheNextRunStillSeesTheChange) {
    const auto before = stack("shop-test");
    repo.write("api/main.py", "v2\n");
    repo.write("web/main.py", "v2\n");
    const std::string change = repo.commit("api and web v2");
    repo.write("fail-api", "");
    const auto junit_file = (out.path() / "junit.xml").string();
    auto failed = slipway("run --env test -q --junit " + junit_file);
    EXPECT_EQ(failed.status, 1) << failed.out << failed.err;
    EXPECT_EQ(builds_of_last_run(), "api#2 failed, web#2 succeeded\n");
    EXPECT_EQ(stack("shop-test"), before);
    EXPECT_EQ(
        sql("SELECT status, json_extract(report, '$.result') FROM runs ORDER BY started_at DESC "
            "LIMIT 1"),
        "failed|build-failed\n");
    pugi::xml_document junit;
    ASSERT_TRUE(junit.load_file(junit_file.c_str()));
    auto suite = junit.child("testsuites").child("testsuite");
    EXPECT_EQ(suite.attribute("tests").as_int(), 2);
    EXPECT_EQ(suite.attribute("failures").as_int(), 1);
    auto failure = suite.find_child_by_attribute("testcase", "name", "api").child("failure");
    EXPECT_STREQ(failure.attribute("message").value(), "exit code 3");
    EXPECT_NE(std::string(failure.text().get()).find("api: broken"), std::string::npos);

    // The failed run deployed nothing, so the next run compares with the same deployed
    // commit and still builds both (web's earlier build is reused: same inputs). Reuse
    // checks that the image is in ECR; these builds push nothing (no Docker here), so web-2
    // is put where its build would have pushed it.
    ASSERT_EQ(support::run(env + "aws ecr create-repository --repository-name shop").status, 0);
    ASSERT_EQ(
        support::run(env + "aws " + support::ecr_put_image_args("shop", "web-2") + " 2>&1").status,
        0);
    std::filesystem::remove(repo.path() / "fail-api");
    auto next = slipway("run --env test -q");
    ASSERT_EQ(next.status, 0) << next.out << next.err;
    EXPECT_EQ(builds_of_last_run(), "api#3 succeeded, web#2 reused\n");
    auto after = stack("shop-test");
    EXPECT_EQ(after["ApiImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-3");
    EXPECT_EQ(after["WebImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-2");
    EXPECT_EQ(sql("SELECT commit_id FROM deployments ORDER BY id DESC LIMIT 1"), change + "\n");
}

TEST_F(RunCliSmall, ABadParameterStopsTheRunBeforeAnyBuildOrRecord) {
    std::string manifest = k_manifest;
    manifest.replace(manifest.find("{Stage: test}"), 13, "{Stage: staging}");
    repo.write("slipway.yml", manifest);
    repo.write("api/main.py", "v2\n");
    repo.commit("a bad stage");
    const auto before = stack("shop-test");
    const std::string counts =
        sql("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM "
            "builds), (SELECT last FROM build_counters WHERE component = "
            "'api')");
    auto r = slipway("run --env test -q");
    cli_test::expect_one_line_error(r, 2, "Stage");
    EXPECT_NE(r.err.find("staging"), std::string::npos) << r.err;
    EXPECT_EQ(sql("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM builds), (SELECT "
                  "last FROM build_counters WHERE component = 'api')"),
              counts);
    EXPECT_EQ(stack("shop-test"), before);
}

TEST_F(RunCliSmall, AKilledRunIsInterruptedAndTheNextRunStartsCleanly) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    repo.write("slow-api", "");
    const std::string command = env + shell_quote(support::slipway_binary()) +
                                " run --env test -q --repo " + shell_quote(repo.path().string()) +
                                " >/dev/null 2>&1 & echo $!";
    const int pid = std::stoi(support::run(command).out);
    for (int i = 0; i < 200 && sql("SELECT count(*) FROM builds WHERE status = 'running'") != "1\n";
         ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ASSERT_EQ(sql("SELECT build_number FROM builds WHERE status = 'running'"), "2\n");
    ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::filesystem::remove(repo.path() / "slow-api");
    support::run("pkill -f 'build.sh api' || true");

    auto next = slipway("run --env test -q");
    ASSERT_EQ(next.status, 0) << next.out << next.err;
    EXPECT_EQ(sql("SELECT status FROM runs ORDER BY started_at"),
              "succeeded\ninterrupted\nsucceeded\n");
    EXPECT_EQ(sql("SELECT build_number || ' ' || status FROM builds WHERE component = 'api' "
                  "ORDER BY id"),
              "1 succeeded\n2 interrupted\n3 succeeded\n");
    EXPECT_EQ(stack("shop-test")["ApiImage"],
              "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-3");
}

TEST_F(RunCliSmall, CodeBuildsVariablesNameTheHeadAndTheTrigger) {
    const std::string old_head = repo.git("rev-parse HEAD").substr(0, 40);
    repo.write("web/main.py", "v2\n");
    const std::string built = repo.commit("web v2");
    repo.write("api/main.py", "v3\n");
    repo.commit("api v3, not part of this build");
    const auto report_file = (out.path() / "report.json").string();
    auto r = slipway("-v run --env test -q --json-report " + report_file,
                     "CODEBUILD_BUILD_ID=ml:4f1b CODEBUILD_BUILD_NUMBER=17 "
                     "CODEBUILD_RESOLVED_SOURCE_VERSION=" +
                         built +
                         " CODEBUILD_WEBHOOK_TRIGGER=branch/dev "
                         "CODEBUILD_WEBHOOK_HEAD_REF=refs/heads/dev");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(builds_of_last_run(), "web#2 succeeded\n");
    EXPECT_EQ((r.out + r.err).find(k_secret), std::string::npos);  // -v logs no secret
    EXPECT_EQ((r.out + r.err).find("AKIDRUNTEST"), std::string::npos);
    EXPECT_EQ(sql("SELECT trigger, base, head FROM runs ORDER BY started_at DESC LIMIT 1"),
              "codebuild:ml:4f1b|" + old_head + "|" + built + "\n");
    std::ifstream file(report_file);
    rapidjson::Document report;
    report.Parse(std::string(std::istreambuf_iterator<char>(file), {}).c_str());
    ASSERT_FALSE(report.HasParseError());
    EXPECT_STREQ(report["result"].GetString(), "deployed");
    EXPECT_STREQ(report["trigger"].GetString(), "codebuild:ml:4f1b");
    EXPECT_EQ(report["components"].Size(), 3u);
    EXPECT_STREQ(report["components"][2]["component"].GetString(), "web");
    EXPECT_TRUE(report["components"][2]["parameter_changed"].GetBool());
    EXPECT_FALSE(report["components"][0]["parameter_changed"].GetBool());
    EXPECT_EQ(report["phases"].Size(), 3u);
}

TEST_F(RunCliSmall, AShallowCloneGetsTheSettingThatFixesIt) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    support::TempDir clone;
    auto cloned = support::run("git clone -q --depth 1 file://" + repo.path().string() + " " +
                               shell_quote((clone.path() / "c").string()));
    ASSERT_EQ(cloned.status, 0) << cloned.err;
    support::run("cp -r " + shell_quote((repo.path() / ".slipway").string()) + " " +
                 shell_quote((clone.path() / "c").string()));
    auto r = support::run(env + shell_quote(support::slipway_binary()) + " run --env test --repo " +
                          shell_quote((clone.path() / "c").string()));
    cli_test::expect_one_line_error(r, 2, "shallow clone");
    EXPECT_NE(r.err.find("git-clone-depth: 0"), std::string::npos) << r.err;
}

TEST_F(RunCliSmall, WriteOverridesFeedsCodePipelineAndTouchesNoStack) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    const auto before = stack("shop-test");
    auto r = slipway("run --env test -q --write-overrides " + (out.path() / "o.json").string());
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    std::ifstream file(out.path() / "o.json");
    const std::string text{std::istreambuf_iterator<char>(file), {}};
    EXPECT_EQ(
        text,
        R"({"Parameters":{"ApiImage":"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-2",)"
        R"("Stage":"test","WebImage":"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-1"}})"
        "\n");
    EXPECT_EQ(stack("shop-test"), before);
}

TEST_F(RunCliSmall, PlanBuildsNothingAndRecordsNothing) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    const auto before = stack("shop-test");
    const std::string counts =
        sql("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM builds)");
    auto r = slipway("run --env test --plan");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("would build api"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ApiImage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-1 -> "
                         "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-2"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(sql("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM builds)"), counts);
    EXPECT_EQ(stack("shop-test"), before);
}

}  // namespace
