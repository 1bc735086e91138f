// No deploy goes unrecorded, and one environment is deployed by one run at a time: end to
// end on moto_server, with tests/support/fault_proxy.py in front of it where AWS must
// throttle, refuse or hang a call on cue (moto cannot), and slipway killed at chosen
// moments. What the stack holds is read with the aws CLI straight from moto; what the store
// holds with sqlite3.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "run_fixture.hpp"

namespace {

using run_test::RunCliSmall;
using support::shell_quote;

constexpr const char* k_api_2 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-2";
constexpr const char* k_web_2 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-2";

// Rules for the proxy: `action` after ExecuteChangeSet answered as `answer`.
std::string after_execute(const std::string& action, const std::string& answer,
                          const std::string& extra = "") {
    return R"([{"action": ")" + action + R"(", "after": "ExecuteChangeSet", )" + answer + extra +
           "}]";
}

bool wait_for(const std::function<bool()>& done, int tenths = 300) {
    for (int i = 0; i < tenths; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
}

class DeployIntent : public RunCliSmall {
  protected:
    // slipway in the background (its pid), its output in files under `out`.
    int start(const std::string& args, const std::string& extra_env, const std::string& name) {
        const std::string command = env + extra_env + " " + shell_quote(support::slipway_binary()) +
                                    " " + args + " --repo " + shell_quote(repo.path().string()) +
                                    " >" + shell_quote((out.path() / (name + ".out")).string()) +
                                    " 2>" + shell_quote((out.path() / (name + ".err")).string()) +
                                    " & echo $!";
        return std::stoi(support::run(command).out);
    }

    std::string output(const std::string& name) {
        std::ifstream in(out.path() / name);
        return {std::istreambuf_iterator<char>(in), {}};
    }

    // Not our child (started through sh): polls until it is gone (or a zombie nobody reaps).
    static void wait_exit(int pid) {
        auto running = [pid] {
            std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
            std::string stat{std::istreambuf_iterator<char>(in), {}};
            const auto close = stat.rfind(')');
            return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
        };
        for (int i = 0; i < 600 && running(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }

    std::string deployments() {
        return sql("SELECT id || ' ' || status FROM deployments ORDER BY id");
    }
};

// The stack was last changed by the aws CLI (its events carry no ClientRequestToken), and right
// after ExecuteChangeSet DescribeStackEvents answers as it did before (the proxy replays
// moto's previous answer twice, as a lagging read would): the CLI's UPDATE_COMPLETE is not
// ours. The deploy follows its own operation and records it with its own finish time.
TEST_F(DeployIntent, TheAwsClisUpdateBeforeOursIsNotTakenForOurs) {
    auto before = stack("shop-test");
    auto cli =
        aws("cloudformation update-stack --stack-name shop-test --use-previous-template "
            "--parameters ParameterKey=Stage,ParameterValue=" +
            before["Stage"] + " ParameterKey=ApiImage,ParameterValue=" + before["ApiImage"] +
            " ParameterKey=WebImage,ParameterValue=" + before["WebImage"] + "-by-cli");
    ASSERT_EQ(cli.status, 0) << cli.err;
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    support::FaultProxy proxy(moto.url(),
                              after_execute("DescribeStackEvents", R"("stale": true, "times": 2)"));
    ASSERT_TRUE(proxy.available());
    auto r = slipway("run --env test", " AWS_ENDPOINT_URL=" + proxy.url());
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(proxy.log().find("DescribeStackEvents stale"), std::string::npos) << proxy.log();
    EXPECT_EQ(sql("SELECT status, finished_at >= started_at FROM deployments WHERE id = 2"),
              "succeeded|1\n");
    EXPECT_EQ(stack("shop-test")["ApiImage"], k_api_2);
    EXPECT_EQ(stack("shop-test")["WebImage"], before["WebImage"]);  // what slipway deployed
}

// Killed while following the stack's events after ExecuteChangeSet: the stack has the new
// image, the store a pending deployment; `status` says so without AWS, and the next run
// records it as succeeded (and so compares with its commit: nothing left to do).
TEST_F(DeployIntent, AKilledDeployIsRecordedByTheNextCommand) {
    repo.write("api/main.py", "v2\n");
    const std::string v2 = repo.commit("api v2");
    const auto mark = (out.path() / "following").string();
    support::FaultProxy proxy(moto.url(), after_execute("DescribeStackEvents", R"("hang": true)",
                                                        R"(, "mark": ")" + mark + "\""));
    ASSERT_TRUE(proxy.available());
    const int pid = start("run --env test -q", "AWS_ENDPOINT_URL=" + proxy.url(), "killed");
    ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(mark); })) << output("killed.err");
    ::kill(pid, SIGKILL);
    wait_exit(pid);

    EXPECT_EQ(stack("shop-test")["ApiImage"], k_api_2);  // the update happened
    EXPECT_EQ(deployments(), "1 succeeded\n2 pending\n");
    // status needs no AWS to show it: point AWS nowhere.
    auto status = slipway("status", " AWS_ENDPOINT_URL=http://127.0.0.1:9");
    ASSERT_EQ(status.status, 0) << status.err;
    EXPECT_NE(status.out.find("test: deployment #2 of " + v2.substr(0, 12) + " pending since"),
              std::string::npos)
        << status.out;

    auto next = slipway("run --env test -q");
    ASSERT_EQ(next.status, 0) << next.out << next.err;
    EXPECT_NE(next.err.find("reconciled deployment #2 of test"), std::string::npos) << next.err;
    EXPECT_EQ(deployments(), "1 succeeded\n2 succeeded\n");
    EXPECT_EQ(sql("SELECT commit_id FROM deployments WHERE id = 2"), v2 + "\n");
    EXPECT_NE(next.out.find("nothing affected"), std::string::npos) << next.out;
    EXPECT_EQ(sql("SELECT status FROM runs ORDER BY started_at"),
              "succeeded\ninterrupted\nsucceeded\n");
}

// The old repro: three Throttling answers to DescribeStackEvents after ExecuteChangeSet (the
// client's whole retry budget) gave exit 4 with the stack updated and nothing recorded.
TEST_F(DeployIntent, ThrottlingWhileFollowingIsWaitedOut) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    support::FaultProxy proxy(
        moto.url(),
        after_execute("DescribeStackEvents", R"("status": 400, "code": "Throttling", "times": 3)"));
    ASSERT_TRUE(proxy.available());
    auto r = slipway("run --env test -q", " AWS_ENDPOINT_URL=" + proxy.url());
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(proxy.log().find("DescribeStackEvents 400"), std::string::npos);
    EXPECT_EQ(deployments(), "1 succeeded\n2 succeeded\n");
    EXPECT_EQ(stack("shop-test")["ApiImage"], k_api_2);
}

// A refusal that will not change (AccessDenied) after ExecuteChangeSet: exit 4 saying the
// outcome is unknown, the deployment pending; `slipway reconcile` then records it.
TEST_F(DeployIntent, AnUnreadableOutcomeIsLeftPendingForReconcile) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    support::FaultProxy proxy(
        moto.url(),
        after_execute("DescribeStackEvents", R"("status": 403, "code": "AccessDenied")"));
    ASSERT_TRUE(proxy.available());
    auto r = slipway("run --env test -q", " AWS_ENDPOINT_URL=" + proxy.url());
    EXPECT_EQ(r.status, 4) << r.out << r.err;
    EXPECT_NE(r.err.find("outcome unknown"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("deployment #2 stays pending"), std::string::npos) << r.err;
    EXPECT_EQ(stack("shop-test")["ApiImage"], k_api_2);
    EXPECT_EQ(deployments(), "1 succeeded\n2 pending\n");

    auto reconciled = slipway("reconcile --env test");
    ASSERT_EQ(reconciled.status, 0) << reconciled.err;
    EXPECT_NE(reconciled.out.find("reconciled deployment #2 of test"), std::string::npos)
        << reconciled.out;
    EXPECT_NE(reconciled.out.find(": succeeded at"), std::string::npos) << reconciled.out;
    EXPECT_EQ(deployments(), "1 succeeded\n2 succeeded\n");
    auto again = slipway("reconcile");
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(again.out, "test: nothing pending\n");
}

// Killed after the intent was written but before ExecuteChangeSet: the stack never changed,
// so reconciliation records a failure, never a success.
TEST_F(DeployIntent, AChangeSetNeverExecutedIsRecordedAsFailed) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    const auto mark = (out.path() / "executing").string();
    support::FaultProxy proxy(
        moto.url(), R"([{"action": "ExecuteChangeSet", "hang": true, "mark": ")" + mark + "\"}]");
    const int pid = start("run --env test -q", "AWS_ENDPOINT_URL=" + proxy.url(), "killed");
    ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(mark); })) << output("killed.err");
    ::kill(pid, SIGKILL);
    wait_exit(pid);
    EXPECT_EQ(deployments(), "1 succeeded\n2 pending\n");
    auto r = slipway("reconcile --env test");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("failed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("never executed"), std::string::npos) << r.out;
    EXPECT_EQ(deployments(), "1 succeeded\n2 failed\n");
    EXPECT_NE(stack("shop-test")["ApiImage"], k_api_2);
}

// --write-overrides: CodePipeline deploys, not slipway. The overrides are a pending
// deployment until the stack holds them; then the next command records it, and the next
// run compares with its commit.
TEST_F(DeployIntent, CodePipelinesDeploymentIsRecordedOnceTheStackHasIt) {
    repo.write("api/main.py", "v2\n");
    const std::string v2 = repo.commit("api v2");
    const auto file = (out.path() / "o.json").string();
    auto w = slipway("run --env test -q --write-overrides " + file);
    ASSERT_EQ(w.status, 0) << w.out << w.err;
    EXPECT_EQ(sql("SELECT status, executed_by FROM deployments WHERE id = 2"),
              "pending|codepipeline\n");
    auto early = slipway("reconcile --env test");
    ASSERT_EQ(early.status, 0) << early.err;
    EXPECT_NE(early.out.find("still pending"), std::string::npos) << early.out;

    // CodePipeline deploys the overrides. Played by a slipway with a store of its own: a real
    // change set with exactly those parameters, which this project's store never hears of.
    auto pipeline =
        slipway("deploy --env test --yes --store sqlite:" + (out.path() / "pipeline.db").string() +
                " --images api=" + k_api_2 +
                ",web=123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-1");
    ASSERT_EQ(pipeline.status, 0) << pipeline.out << pipeline.err;
    ASSERT_EQ(stack("shop-test")["ApiImage"], k_api_2);

    auto plan = slipway("run --env test --plan");
    ASSERT_EQ(plan.status, 0) << plan.out << plan.err;
    EXPECT_NE(plan.err.find("reconciled deployment #2 of test"), std::string::npos) << plan.err;
    EXPECT_NE(plan.out.find("nothing affected"), std::string::npos) << plan.out;
    EXPECT_EQ(sql("SELECT status, commit_id FROM deployments WHERE id = 2"),
              "succeeded|" + v2 + "\n");
}

// Two runs of one environment at once: the second waits for the first's lease (--wait), then
// takes its base, selection and parameters from what the first deployed: two deployments in
// order, the stack has both changes, no image went back.
TEST_F(DeployIntent, TwoRunsAtOnceDeployInOrder) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    repo.write("slow-api", "");
    const int first = start("run --env test -q", "", "first");
    ASSERT_TRUE(wait_for(
        [&] { return sql("SELECT count(*) FROM builds WHERE status = 'running'") == "1\n"; }));
    repo.write("web/main.py", "v2\n");
    const std::string v3 = repo.commit("web v2");
    const int second = start("run --env test -q --wait", "", "second");
    ASSERT_TRUE(wait_for([&] { return output("second.err").find("waiting") != std::string::npos; }))
        << output("second.err");
    EXPECT_EQ(sql("SELECT count(*) FROM builds WHERE component = 'web'"), "1\n");  // nothing built
    std::filesystem::remove(repo.path() / "slow-api");
    wait_exit(first);
    wait_exit(second);
    EXPECT_EQ(deployments(), "1 succeeded\n2 succeeded\n3 succeeded\n");
    EXPECT_EQ(sql("SELECT group_concat(i.component || '#' || i.build_number, ',') FROM "
                  "deployment_images i WHERE deployment_id = 3 ORDER BY component"),
              "api#2,web#2\n");
    EXPECT_EQ(sql("SELECT group_concat(i.component || '#' || i.build_number, ',') FROM "
                  "deployment_images i WHERE deployment_id = 2 ORDER BY component"),
              "api#2,web#1\n");
    EXPECT_EQ(sql("SELECT commit_id FROM deployments WHERE id = 3"), v3 + "\n");
    auto s = stack("shop-test");
    EXPECT_EQ(s["ApiImage"], k_api_2);
    EXPECT_EQ(s["WebImage"], k_web_2);
    EXPECT_EQ(sql("SELECT count(*) FROM builds WHERE component = 'api'"), "2\n");  // once each
}

// Without --wait, the second run exits 3 before building anything, recorded as busy.
TEST_F(DeployIntent, ABusyEnvironmentStopsTheSecondRunBeforeItBuilds) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    repo.write("slow-api", "");
    const int first = start("run --env test -q", "", "first");
    ASSERT_TRUE(wait_for(
        [&] { return sql("SELECT count(*) FROM builds WHERE status = 'running'") == "1\n"; }));
    const std::string counters = sql("SELECT group_concat(last) FROM build_counters");
    auto second = slipway("run --env test -q");
    cli_test::expect_one_line_error(second, 3, "is being deployed by");
    EXPECT_EQ(sql("SELECT group_concat(last) FROM build_counters"), counters);
    EXPECT_EQ(sql("SELECT status, kind FROM runs ORDER BY started_at DESC LIMIT 1"), "busy|run\n");
    // deploy --wait queues behind the run instead of failing at once.
    const int deployer = start("deploy --env test --wait", "", "deploy");
    ASSERT_TRUE(wait_for([&] { return output("deploy.err").find("waiting") != std::string::npos; }))
        << output("deploy.err");
    std::filesystem::remove(repo.path() / "slow-api");
    wait_exit(first);
    wait_exit(deployer);
    EXPECT_NE(output("deploy.out").find("stack is up to date"), std::string::npos)
        << output("deploy.out") << output("deploy.err");
    EXPECT_EQ(sql("SELECT kind, status FROM runs WHERE kind = 'deploy'"), "deploy|succeeded\n");
    EXPECT_EQ(stack("shop-test")["ApiImage"], k_api_2);
}

}  // namespace
