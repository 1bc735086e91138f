// GitHub end to end: a real `slipway serve` (and the CLI in an Actions-like environment) on
// moto as AWS, with every GitHub call going through Stoplight Prism's validation proxy over
// GitHub's own REST API description in front of the stateful fake (github_fake.py) -- a call
// off the schema is refused there and never reaches the fake, so the state the tests read is
// what GitHub would hold. CloudFormation is checked with the aws CLI, the store with sqlite3.
//
// Also: every `push` and `pull_request` example payload GitHub publishes
// (@octokit/webhooks-examples), re-signed with the test's secret, through a real serve's intake.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "github/github_fixture.hpp"
#include "service/serve_fixture.hpp"

namespace {

using github_test::Prism;
using serve_test::ServeProcess;
using support::shell_quote;

// GitHub's pull_request event, as much of it as slipway reads (GitHub's examples carry all).
std::string pull_request_body(const std::string& action, int number, const std::string& head,
                              const std::string& repo, bool draft = false,
                              const std::string& base = "dev",
                              const std::string& head_ref = "feature",
                              const std::string& head_repo = "") {
    return R"({"action":")" + action + R"(","number":)" + std::to_string(number) +
           R"(,"pull_request":{"number":)" + std::to_string(number) + R"(,"state":")" +
           (action == "closed" ? "closed" : "open") + R"(","draft":)" + (draft ? "true" : "false") +
           R"(,"merged":false,"title":"Faster api","html_url":"https://github.com/)" + repo +
           "/pull/" + std::to_string(number) + R"(","user":{"login":"octocat"},)" +
           R"("head":{"sha":")" + head + R"(","ref":")" + head_ref + R"(","repo":{"full_name":")" +
           (head_repo.empty() ? repo : head_repo) + R"("}},"base":{"ref":")" + base +
           R"(","repo":{"full_name":")" + repo + R"("}}},)" + R"("repository":{"full_name":")" +
           repo + R"("},"sender":{"login":"octocat"}})";
}

class GithubServe : public serve_test::Serve {
  protected:
    void SetUp() override {
        std::string why;
        prism = Prism::find(why);
        if (prism.proxy.empty()) {
            if (Prism::ci()) FAIL() << why;
            GTEST_SKIP() << why;
        }
        Serve::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        repo = "slipway-tests/" +
               std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
        prism.reset(repo);
        token_file = (scratch.path() / "github-token").string();
        std::ofstream(token_file) << k_token << "\n";
    }

    std::string github_args() const {
        return serve_args("--github-api-url " + prism.proxy + " --github-token-file " +
                          shell_quote(token_file) + " --github-repository " + repo +
                          " --public-url http://slipway.test");
    }

    // Waits (90 s at most) until `ready` holds of the fake's state.
    template <typename F>
    bool wait_for_state(F&& ready) {
        for (int i = 0; i < 900; ++i) {
            auto s = prism.state(repo);
            if (s.IsObject() && ready(s)) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

    // The completed check run `name` on `sha`, or nullptr.
    static const rapidjson::Value* completed_check(const rapidjson::Document& s,
                                                   const std::string& name,
                                                   const std::string& sha) {
        for (const auto& [id, run] : s["check_runs"].GetObject()) {
            if (name == run["name"].GetString() && sha == run["head_sha"].GetString() &&
                std::string(run["status"].GetString()) == "completed")
                return &run;
        }
        return nullptr;
    }

    // A branch off dev changing `component`, pushed to origin as GitHub keeps a PR's head
    // (refs/pull/N/head) and as the branch; its commit.
    std::string push_pull_request(int number, const std::string& component,
                                  const std::string& text) {
        dev.write(component + "/main.py", text + "\n");
        const std::string head = dev.commit(component + ": " + text);
        dev.git("push -q -f origin HEAD:refs/heads/feature HEAD:refs/pull/" +
                std::to_string(number) + "/head");
        return head;
    }

    Prism prism;
    std::string repo;
    std::string token_file;
    static constexpr const char* k_token = "ghs_e2eTokenThatMustNotLeak";
};

TEST_F(GithubServe, APullRequestIsPlannedCommentedAndCheckedAndItsMergeIsAGithubDeployment) {
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, github_args())) << serve.log();
    // test's first deployment (a deployment on GitHub too).
    const std::string first = push_change("web", "v2");
    auto r = deliver(serve.url, "push-1", "push", push_body("refs/heads/dev", first, false, repo));
    ASSERT_TRUE(r && r->status == 202) << (r ? r->body : "no answer");
    ASSERT_EQ(wait_for_job(serve.url, job_of(r)), "succeeded") << serve.log();
    const std::string builds_before =
        sql("SELECT component, build_number FROM builds ORDER BY 1, 2");
    const std::string deployments_before = sql("SELECT count(*) FROM deployments");

    // A pull request into dev: planned, never deployed.
    dev.git("checkout -q -b feature");
    // The PR changes api and adds a resource to the template.
    dev.write("template.yml", std::string(serve_test::k_template) +
                                  "  Extra:\n    Type: AWS::SSM::Parameter\n    Properties: "
                                  "{Type: String, Value: extra}\n");
    const std::string head = push_pull_request(7, "api", "v3");
    r = deliver(serve.url, "pr-1", "pull_request", pull_request_body("opened", 7, head, repo));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 202) << r->body;
    EXPECT_NE(r->body.find(R"("result":"planning")"), std::string::npos) << r->body;
    ASSERT_TRUE(wait_for_state([&](const rapidjson::Document& s) {
        return completed_check(s, "slipway plan (test)", head) && s["comments"].MemberCount() == 1;
    })) << serve.log();
    auto s = prism.state(repo);
    const auto* check = completed_check(s, "slipway plan (test)", head);
    EXPECT_EQ(std::string((*check)["conclusion"].GetString()), "success") << serve.log();
    EXPECT_EQ(std::string((*check)["details_url"].GetString()), "http://slipway.test/pulls/7");
    // queued (on arrival), in_progress, completed.
    ASSERT_GE((*check)["updates"].Size(), 3u);
    EXPECT_EQ(std::string((*check)["updates"][0]["status"].GetString()), "queued");
    EXPECT_EQ(std::string((*check)["updates"][1]["status"].GetString()), "in_progress");
    const auto& comment = s["comments"].MemberBegin()->value;
    const std::string body = comment["body"].GetString();
    const std::string comment_id = s["comments"].MemberBegin()->name.GetString();
    EXPECT_NE(body.find("<!-- slipway:plan -->"), std::string::npos) << body;
    EXPECT_NE(body.find("`api`"), std::string::npos) << body;
    EXPECT_NE(body.find("`ApiImage`"), std::string::npos) << body;
    EXPECT_NE(body.find("| Add | `Extra` | `AWS::SSM::Parameter` |"), std::string::npos) << body;
    EXPECT_NE(body.find("http://slipway.test/pulls/7"), std::string::npos) << body;
    EXPECT_EQ(comment["issue"].GetInt(), 7);

    // The change set was deleted (the aws CLI finds none), nothing was recorded, no build
    // number was taken, and the stack still runs dev's images.
    // (moto keeps the executed change sets of deployments listed; CloudFormation drops them.)
    auto sets =
        aws("cloudformation list-change-sets --stack-name shop-test --query "
            "'Summaries[?ExecutionStatus!=`EXECUTE_COMPLETE`]'");
    ASSERT_EQ(sets.status, 0) << sets.err;
    EXPECT_EQ(sets.out, "[]\n");
    EXPECT_EQ(sql("SELECT component, build_number FROM builds ORDER BY 1, 2"), builds_before);
    EXPECT_EQ(sql("SELECT count(*) FROM deployments"), deployments_before);
    EXPECT_EQ(sql("SELECT count(*) FROM runs"), "1\n");
    EXPECT_EQ(stack_parameter("shop-test", "ApiImage").find(head.substr(0, 12)), std::string::npos);

    // The plan page's data.
    auto plan = get_json(serve.url, "/api/pulls/7");
    ASSERT_TRUE(plan.HasMember("envs"));
    EXPECT_EQ(std::string(plan["envs"][0]["result"].GetString()), "planned");
    EXPECT_EQ(std::string(plan["head_sha"].GetString()), head);
    httplib::Client page(serve.url);
    auto html = page.Get("/pulls/7");
    ASSERT_TRUE(html);
    EXPECT_EQ(html->status, 200);

    // A second push to the PR: the same comment, edited; a check run on the new head.
    const std::string second = push_pull_request(7, "api", "v4");
    r = deliver(serve.url, "pr-2", "pull_request",
                pull_request_body("synchronize", 7, second, repo));
    ASSERT_TRUE(r && r->status == 202);
    ASSERT_TRUE(wait_for_state([&](const rapidjson::Document& st) {
        return completed_check(st, "slipway plan (test)", second) != nullptr &&
               st["comments"].MemberBegin()->value["edits"].GetInt() >= 1;
    })) << serve.log();
    s = prism.state(repo);
    EXPECT_EQ(s["comments"].MemberCount(), 1u);
    EXPECT_EQ(std::string(s["comments"].MemberBegin()->name.GetString()), comment_id);
    EXPECT_NE(std::string(s["comments"].MemberBegin()->value["body"].GetString())
                  .find(second.substr(0, 12)),
              std::string::npos);

    // The merge: a push to dev, deployed, reported as a GitHub deployment.
    dev.git("checkout -q dev");
    dev.git("merge -q --no-ff -m merge feature");
    const std::string merged = dev.git("rev-parse HEAD").substr(0, 40);
    dev.git("push -q origin dev");
    r = deliver(serve.url, "push-2", "push", push_body("refs/heads/dev", merged, false, repo));
    ASSERT_TRUE(r && r->status == 202) << (r ? r->body : "");
    ASSERT_EQ(wait_for_job(serve.url, job_of(r)), "succeeded") << serve.log();
    ASSERT_TRUE(wait_for_state([&](const rapidjson::Document& st) {
        if (!completed_check(st, "slipway deploy (test)", merged)) return false;
        for (const auto& ds : st["deployment_statuses"].GetArray()) {
            const auto& d =
                st["deployments"][std::to_string(ds["deployment_id"].GetInt64()).c_str()];
            if (merged == d["ref"].GetString() && std::string(ds["state"].GetString()) == "success")
                return true;
        }
        return false;
    })) << serve.log();
    s = prism.state(repo);
    std::vector<std::string> states;
    std::int64_t merged_deployment = 0;
    for (const auto& [id, d] : s["deployments"].GetObject()) {
        if (merged == d["ref"].GetString()) merged_deployment = d["id"].GetInt64();
    }
    for (const auto& ds : s["deployment_statuses"].GetArray()) {
        if (ds["deployment_id"].GetInt64() == merged_deployment)
            states.push_back(ds["state"].GetString());
    }
    EXPECT_EQ(states, (std::vector<std::string>{"in_progress", "success"}));
    for (const auto& ds : s["deployment_statuses"].GetArray())
        EXPECT_TRUE(
            std::string(ds["log_url"].GetString()).starts_with("http://slipway.test/runs/"));
    const auto& d = s["deployments"][std::to_string(merged_deployment).c_str()];
    EXPECT_EQ(std::string(d["environment"].GetString()), "test");
    EXPECT_FALSE(d["auto_merge"].GetBool());
    EXPECT_TRUE(d["payload"]["components"].HasMember("api"));
    // The first deployment of test is inactive now (GitHub's auto_inactive).
    std::size_t inactive = 0;
    for (const auto& [id, dep] : s["deployments"].GetObject())
        inactive += dep.HasMember("inactive") && dep["inactive"].GetBool();
    EXPECT_EQ(inactive, 1u);
    EXPECT_TRUE(completed_check(s, "slipway deploy (test)", merged));

    // Every report went through; the token is nowhere in the log.
    httplib::Client c(serve.url);
    auto metrics = c.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->body.find(R"(slipway_github_reports_total{result="failed"})"),
              std::string::npos)
        << metrics->body;
    EXPECT_EQ(serve.terminate(std::chrono::seconds(30)), 0) << serve.log();
    EXPECT_EQ(serve.log().find(k_token), std::string::npos);
}

TEST_F(GithubServe, DraftsAndClosedPullRequestsStartNothing) {
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, github_args())) << serve.log();
    dev.git("checkout -q -b feature");
    const std::string head = push_pull_request(9, "api", "draft");
    auto r = deliver(serve.url, "pr-d", "pull_request",
                     pull_request_body("opened", 9, head, repo, true));
    ASSERT_TRUE(r);
    EXPECT_NE(r->body.find(R"("result":"ignored")"), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("draft"), std::string::npos) << r->body;
    r = deliver(serve.url, "pr-c", "pull_request", pull_request_body("closed", 9, head, repo));
    ASSERT_TRUE(r);
    EXPECT_NE(r->body.find(R"("result":"closed")"), std::string::npos) << r->body;
    r = deliver(serve.url, "pr-m", "pull_request",
                pull_request_body("opened", 9, head, repo, false, "main"));
    ASSERT_TRUE(r);
    EXPECT_NE(r->body.find("no environment triggers on branch 'main'"), std::string::npos)
        << r->body;
    r = deliver(serve.url, "pr-o", "pull_request",
                pull_request_body("opened", 9, head, "someone/else"));
    ASSERT_TRUE(r);
    EXPECT_NE(r->body.find("not " + repo), std::string::npos) << r->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(prism.state(repo)["requests"].Size(), 0u);  // nothing was posted
    EXPECT_EQ(aws("cloudformation describe-stacks --stack-name shop-test").status, 255);
}

TEST_F(GithubServe, ANewerPushSupersedesAPlanThatWaitsForItsEnvironment) {
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, github_args())) << serve.log();
    // A run of test holds the environment (its build waits on the gate).
    std::ofstream(gate) << "";
    const std::string first = push_change("web", "v2");
    auto r = deliver(serve.url, "push-1", "push", push_body("refs/heads/dev", first, false, repo));
    ASSERT_TRUE(r && r->status == 202);
    const auto job = job_of(r);
    ASSERT_TRUE(wait_running(serve.url, job));
    // Its run started: it holds test's lease (its build waits on the gate).
    bool holds = false;
    for (int i = 0; i < 600 && !holds; ++i) {
        auto q = get_json(serve.url, "/api/queue");
        for (const auto& j : q["jobs"].GetArray())
            holds |= j["id"].GetInt64() == job && j["run_id"].IsString();
        if (!holds) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(holds) << serve.log();
    dev.git("checkout -q -b feature");
    const std::string old_head = push_pull_request(11, "api", "v3");
    r = deliver(serve.url, "pr-1", "pull_request", pull_request_body("opened", 11, old_head, repo));
    ASSERT_TRUE(r && r->status == 202);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the plan waits for test
    const std::string new_head = push_pull_request(11, "api", "v4");
    r = deliver(serve.url, "pr-2", "pull_request",
                pull_request_body("synchronize", 11, new_head, repo));
    ASSERT_TRUE(r && r->status == 202);
    std::filesystem::remove(gate);
    ASSERT_EQ(wait_for_job(serve.url, job), "succeeded") << serve.log();
    ASSERT_TRUE(wait_for_state([&](const rapidjson::Document& s) {
        return completed_check(s, "slipway plan (test)", new_head) &&
               completed_check(s, "slipway plan (test)", old_head) &&
               s["comments"].MemberCount() == 1;
    })) << serve.log();
    auto s = prism.state(repo);
    EXPECT_EQ(std::string(
                  (*completed_check(s, "slipway plan (test)", old_head))["conclusion"].GetString()),
              "cancelled");
    EXPECT_EQ(std::string(
                  (*completed_check(s, "slipway plan (test)", new_head))["conclusion"].GetString()),
              "success");
    ASSERT_EQ(s["comments"].MemberCount(), 1u);
    EXPECT_NE(std::string(s["comments"].MemberBegin()->value["body"].GetString())
                  .find(new_head.substr(0, 12)),
              std::string::npos);
    auto sets =
        aws("cloudformation list-change-sets --stack-name shop-test --query "
            "'Summaries[?ExecutionStatus!=`EXECUTE_COMPLETE`]'");
    EXPECT_EQ(sets.out, "[]\n");
}

TEST_F(GithubServe, AnInvalidManifestFailsTheCheckRunAtItsLine) {
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, github_args())) << serve.log();
    dev.git("checkout -q -b feature");
    dev.write("slipway.yml",
              std::string(serve_test::k_manifest)
                  .replace(std::string(serve_test::k_manifest).find("    trigger: {branch: dev}"),
                           0, "    colour: blue\n"));
    const std::string head = dev.commit("a typo");
    dev.git("push -q -f origin HEAD:refs/pull/12/head");
    auto r =
        deliver(serve.url, "pr-1", "pull_request", pull_request_body("opened", 12, head, repo));
    ASSERT_TRUE(r && r->status == 202);
    ASSERT_TRUE(wait_for_state([&](const rapidjson::Document& s) {
        return completed_check(s, "slipway plan (test)", head) != nullptr;
    })) << serve.log();
    auto s = prism.state(repo);
    const auto& run = *completed_check(s, "slipway plan (test)", head);
    EXPECT_EQ(std::string(run["conclusion"].GetString()), "failure");
    const auto& last = run["updates"][run["updates"].Size() - 1];
    ASSERT_TRUE(last.HasMember("output"));
    ASSERT_EQ(last["output"]["annotations"].Size(), 1u) << serve.log();
    EXPECT_EQ(std::string(last["output"]["annotations"][0]["path"].GetString()), "slipway.yml");
    EXPECT_EQ(last["output"]["annotations"][0]["start_line"].GetInt(), 13);
}

// A fork's pull request: the fork's branches are not in the base repository; GitHub keeps the
// PR's head there as refs/pull/N/head, and serve plans that commit -- also when the fork's
// branch has the name of one of the base repository's branches (here: dev), which must not
// be taken for it.
TEST_F(GithubServe, AForksPullRequestIsPlannedFromItsRefsPullHead) {
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, github_args())) << serve.log();
    // The fork: a clone of origin under another owner, its own commit on its dev.
    support::GitRepo fork;
    const std::string origin = (scratch.path() / "origin.git").string();
    fork.git("remote add origin " + shell_quote(origin));
    fork.git("fetch -q origin");
    fork.git("checkout -q -B dev origin/dev");
    fork.write("api/main.py", "from the fork\n");
    const std::string fork_head = fork.commit("api: from the fork");
    // What GitHub does for a fork's PR: the head goes to the base repository as
    // refs/pull/21/head only.
    fork.git("push -q origin HEAD:refs/pull/21/head");
    // The base repository's dev moves on (another component), as it does while a PR is open,
    // and is deployed to test.
    const std::string base_head = push_change("web", "v2");
    auto pushed =
        deliver(serve.url, "push-1", "push", push_body("refs/heads/dev", base_head, false, repo));
    ASSERT_TRUE(pushed && pushed->status == 202) << (pushed ? pushed->body : "no answer");
    ASSERT_EQ(wait_for_job(serve.url, job_of(pushed)), "succeeded") << serve.log();
    auto branches =
        support::run("git -C " + shell_quote(origin) + " branch --contains " + fork_head);
    ASSERT_EQ(branches.status, 0) << branches.err;
    ASSERT_EQ(branches.out, "");  // on no branch of the base repository

    auto r = deliver(
        serve.url, "pr-f1", "pull_request",
        pull_request_body("opened", 21, fork_head, repo, false, "dev", "dev", "forker/shop"));
    ASSERT_TRUE(r && r->status == 202) << (r ? r->body : "no answer");
    EXPECT_NE(r->body.find(R"("result":"planning")"), std::string::npos) << r->body;
    ASSERT_TRUE(wait_for_state([&](const rapidjson::Document& s) {
        return completed_check(s, "slipway plan (test)", fork_head) &&
               s["comments"].MemberCount() == 1;
    })) << serve.log();
    auto s = prism.state(repo);
    EXPECT_EQ(
        std::string(
            (*completed_check(s, "slipway plan (test)", fork_head))["conclusion"].GetString()),
        "success")
        << serve.log();
    const std::string comment = s["comments"].MemberBegin()->value["body"].GetString();
    EXPECT_NE(comment.find(fork_head.substr(0, 12)), std::string::npos) << comment;
    EXPECT_NE(comment.find("`api`"), std::string::npos) << comment;

    // The plan is of the fork's commit merged into the base's dev, as git has them.
    auto plan = get_json(serve.url, "/api/pulls/21");
    ASSERT_TRUE(plan.HasMember("envs")) << serve.log();
    EXPECT_EQ(std::string(plan["head_sha"].GetString()), fork_head);
    EXPECT_EQ(std::string(plan["envs"][0]["result"].GetString()), "planned");
    const std::string merge = plan["merge_commit"].GetString();
    auto parents =
        support::run("git -C " + shell_quote(clone) + " rev-parse " + merge + "^1 " + merge + "^2");
    ASSERT_EQ(parents.status, 0) << parents.err;
    EXPECT_EQ(parents.out, base_head + "\n" + fork_head + "\n");
    std::vector<std::string> affected;
    for (const auto& a : plan["envs"][0]["affected"].GetArray())
        affected.emplace_back(a["component"].GetString());
    EXPECT_EQ(affected, (std::vector<std::string>{"api"}))
        << "a plan of the base repository's dev would not change api";

    // A fork's PR whose head GitHub has not stored (no refs/pull/22/head): an error naming the
    // commit, on its check run -- the base repository's dev, of the same name, is not planned.
    fork.write("api/main.py", "not pushed anywhere\n");
    const std::string unseen = fork.commit("api: unseen");
    r = deliver(serve.url, "pr-f2", "pull_request",
                pull_request_body("opened", 22, unseen, repo, false, "dev", "dev", "forker/shop"));
    ASSERT_TRUE(r && r->status == 202) << (r ? r->body : "no answer");
    ASSERT_TRUE(wait_for_state([&](const rapidjson::Document& st) {
        return completed_check(st, "slipway plan (test)", unseen) != nullptr;
    })) << serve.log();
    s = prism.state(repo);
    EXPECT_EQ(
        std::string((*completed_check(s, "slipway plan (test)", unseen))["conclusion"].GetString()),
        "failure");
    plan = get_json(serve.url, "/api/pulls/22");
    ASSERT_TRUE(plan.HasMember("envs"));
    const std::string why = plan["envs"][0]["message"].GetString();
    EXPECT_EQ(std::string(plan["envs"][0]["result"].GetString()), "error") << why;
    EXPECT_NE(why.find(unseen.substr(0, 12)), std::string::npos) << why;
    EXPECT_NE(why.find("forker/shop:dev"), std::string::npos) << why;
    EXPECT_NE(why.find("refs/pull/22/head"), std::string::npos) << why;
    EXPECT_EQ(why.find("refs/heads/dev"), std::string::npos) << why;
    EXPECT_TRUE(plan["envs"][0]["affected"].Empty());
    EXPECT_EQ(serve.terminate(std::chrono::seconds(30)), 0) << serve.log();
}

// --- the CLI in GitHub Actions ------------------------------------------------------------

TEST_F(GithubServe, TheCliPostsItsPlanToThePullRequestAndItsDeployAsADeployment) {
    // Actions checks the PR's merge out; slipway is run in it. The environments say where
    // they answer, and prod is a production environment.
    std::string manifest = serve_test::k_manifest;
    manifest.insert(manifest.find("    trigger: {branch: dev}"),
                    "    url: https://test.shop.example.com\n");
    manifest.insert(manifest.find("    promote_from: test"),
                    "    url: https://shop.example.com\n    production: true\n");
    dev.write("slipway.yml", manifest);
    const std::string event = (scratch.path() / "event.json").string();
    const std::string head = push_change("api", "v2");
    std::ofstream(event) << pull_request_body("synchronize", 5, head, repo);
    const std::string actions = env + "GITHUB_ACTIONS=true GITHUB_REPOSITORY=" + repo +
                                " GITHUB_API_URL=" + prism.proxy + " GITHUB_TOKEN=" + k_token +
                                " GITHUB_EVENT_PATH=" + shell_quote(event) +
                                " GITHUB_RUN_ID=42 GITHUB_SHA=" + head + " ";
    const std::string slipway = "cd " + shell_quote(dev.path().string()) + " && " + actions +
                                shell_quote(support::slipway_binary());
    auto plan = support::run(slipway + " run --env test --plan --github");
    ASSERT_EQ(plan.status, 0) << plan.out << plan.err;
    auto again = support::run(slipway + " run --env test --plan --github");
    ASSERT_EQ(again.status, 0) << again.err;
    auto s = prism.state(repo);
    ASSERT_EQ(s["comments"].MemberCount(), 1u) << again.err;
    const auto& comment = s["comments"].MemberBegin()->value;
    EXPECT_EQ(comment["edits"].GetInt(), 1);
    EXPECT_NE(std::string(comment["body"].GetString()).find("<!-- slipway:plan:test -->"),
              std::string::npos);
    EXPECT_TRUE(completed_check(s, "slipway plan (test)", head));
    EXPECT_EQ(sql("SELECT count(*) FROM builds", (dev.path() / ".slipway/state.db").string()),
              "0\n");

    // The deploy: a GitHub deployment with in_progress, then success.
    auto run = support::run(slipway + " run --env test --yes --github");
    ASSERT_EQ(run.status, 0) << run.err;
    s = prism.state(repo);
    ASSERT_EQ(s["deployments"].MemberCount(), 1u) << run.err;
    const auto& d = s["deployments"].MemberBegin()->value;
    EXPECT_EQ(std::string(d["ref"].GetString()), head);
    EXPECT_FALSE(d["production_environment"].GetBool());
    std::vector<std::string> states;
    for (const auto& ds : s["deployment_statuses"].GetArray()) {
        states.push_back(ds["state"].GetString());
        EXPECT_EQ(std::string(ds["log_url"].GetString()),
                  "https://github.com/" + repo + "/actions/runs/42");
        EXPECT_EQ(std::string(ds["environment_url"].GetString()), "https://test.shop.example.com");
    }
    EXPECT_EQ(states, (std::vector<std::string>{"in_progress", "success"}));
    EXPECT_EQ(run.err.find(k_token), std::string::npos);

    // A promotion is a deployment of prod, of the commit test runs.
    auto promote = support::run(slipway + " promote --to prod --yes --github");
    ASSERT_EQ(promote.status, 0) << promote.err;
    s = prism.state(repo);
    ASSERT_EQ(s["deployments"].MemberCount(), 2u) << promote.err;
    std::int64_t prod = 0;
    for (const auto& [id, dep] : s["deployments"].GetObject()) {
        if (std::string(dep["environment"].GetString()) == "prod") {
            prod = dep["id"].GetInt64();
            EXPECT_EQ(std::string(dep["ref"].GetString()), head);
            EXPECT_EQ(std::string(dep["payload"]["kind"].GetString()), "promote");
            EXPECT_TRUE(dep["production_environment"].GetBool());
        }
    }
    states.clear();
    for (const auto& ds : s["deployment_statuses"].GetArray()) {
        if (ds["deployment_id"].GetInt64() != prod) continue;
        states.push_back(ds["state"].GetString());
        EXPECT_EQ(std::string(ds["environment_url"].GetString()), "https://shop.example.com");
    }
    EXPECT_EQ(states, (std::vector<std::string>{"in_progress", "success"}));
    EXPECT_TRUE(completed_check(s, "slipway deploy (prod)", head));
}

// `slipway rollback --github` is a GitHub deployment as a deploy is: of the environment's
// place in history once rolled back (the commit whose deployment runs again), its payload
// the rolled-back images (kind rollback), statuses in_progress -> success, the check run
// `slipway deploy (test)` on that commit, and the deployments it replaces inactive by
// GitHub's own rule. A rollback of one component likewise.
TEST_F(GithubServe, TheCliReportsARollbackAsAGithubDeployment) {
    std::string manifest = serve_test::k_manifest;
    manifest.insert(manifest.find("    trigger: {branch: dev}"),
                    "    url: https://test.shop.example.com\n");
    dev.write("slipway.yml", manifest);
    const std::string first = push_change("api", "v2");
    const std::string db = (dev.path() / ".slipway/state.db").string();
    const std::string slipway = "cd " + shell_quote(dev.path().string()) + " && " + env +
                                "GITHUB_ACTIONS=true GITHUB_REPOSITORY=" + repo +
                                " GITHUB_API_URL=" + prism.proxy + " GITHUB_TOKEN=" + k_token +
                                " GITHUB_RUN_ID=43 " + shell_quote(support::slipway_binary());
    auto run = support::run(slipway + " run --env test --yes --github");
    ASSERT_EQ(run.status, 0) << run.err;
    const std::string first_image = stack_parameter("shop-test", "ApiImage");
    const std::string second = push_change("api", "v3");
    run = support::run(slipway + " run --env test --yes --github");
    ASSERT_EQ(run.status, 0) << run.err;
    ASSERT_EQ(prism.state(repo)["deployments"].MemberCount(), 2u) << run.err;
    const std::string first_id =
        sql("SELECT id FROM deployments WHERE commit_id = '" + first + "'", db);
    ASSERT_FALSE(first_id.empty()) << sql("SELECT * FROM deployments", db);

    auto rollback = support::run(slipway + " rollback --env test --to " +
                                 first_id.substr(0, first_id.find('\n')) +
                                 " --yes --reason '5xx after v3' --github");
    ASSERT_EQ(rollback.status, 0) << rollback.out << rollback.err;
    EXPECT_EQ(stack_parameter("shop-test", "ApiImage"), first_image);  // the aws CLI's view
    auto s = prism.state(repo);
    ASSERT_EQ(s["deployments"].MemberCount(), 3u) << rollback.err;
    const rapidjson::Value* back = nullptr;
    for (const auto& [id, d] : s["deployments"].GetObject()) {
        if (std::string(d["payload"]["kind"].GetString()) == "rollback") back = &d;
    }
    ASSERT_NE(back, nullptr) << rollback.err;
    const auto& d = *back;
    EXPECT_EQ(std::string(d["ref"].GetString()), first) << "the commit the stack runs again";
    EXPECT_EQ(std::string(d["environment"].GetString()), "test");
    EXPECT_FALSE(d["production_environment"].GetBool());
    EXPECT_EQ(std::string(d["payload"]["components"]["api"]["image"].GetString()), first_image);
    EXPECT_EQ(d["payload"]["components"]["api"]["build"].GetInt(), 1);
    EXPECT_FALSE(d.HasMember("inactive"));
    std::vector<std::string> states;
    for (const auto& ds : s["deployment_statuses"].GetArray()) {
        if (ds["deployment_id"].GetInt64() != d["id"].GetInt64()) continue;
        states.push_back(ds["state"].GetString());
        EXPECT_EQ(std::string(ds["log_url"].GetString()),
                  "https://github.com/" + repo + "/actions/runs/43");
        EXPECT_EQ(std::string(ds["environment_url"].GetString()), "https://test.shop.example.com");
    }
    EXPECT_EQ(states, (std::vector<std::string>{"in_progress", "success"}));
    std::size_t inactive = 0;
    for (const auto& [id, dep] : s["deployments"].GetObject())
        inactive += dep.HasMember("inactive") && dep["inactive"].GetBool();
    EXPECT_EQ(inactive, 2u);  // both deployments before it
    const auto* check = completed_check(s, "slipway deploy (test)", first);
    ASSERT_NE(check, nullptr);
    // The first run's check run was completed, and the rollback's is a second one on it.
    std::size_t checks_on_first = 0;
    for (const auto& [id, cr] : s["check_runs"].GetObject())
        checks_on_first += std::string(cr["head_sha"].GetString()) == first &&
                           std::string(cr["name"].GetString()) == "slipway deploy (test)";
    EXPECT_EQ(checks_on_first, 2u);
    for (const auto& [id, cr] : s["check_runs"].GetObject())
        EXPECT_EQ(std::string(cr["conclusion"].GetString()), "success")
            << cr["head_sha"].GetString();

    // One component back to an earlier build: a deployment whose payload says so.
    rollback = support::run(slipway +
                            " rollback --env test --component api --build 2 --yes "
                            "--reason 'v3 after all' --github");
    ASSERT_EQ(rollback.status, 0) << rollback.out << rollback.err;
    s = prism.state(repo);
    ASSERT_EQ(s["deployments"].MemberCount(), 4u) << rollback.err;
    std::int64_t latest = 0;
    for (const auto& [id, dep] : s["deployments"].GetObject())
        latest = std::max(latest, dep["id"].GetInt64());
    const auto& component = s["deployments"][std::to_string(latest).c_str()];
    EXPECT_EQ(std::string(component["payload"]["kind"].GetString()), "rollback");
    EXPECT_EQ(component["payload"]["components"]["api"]["build"].GetInt(), 2);
    // The environment's place in history (pipeline/ledger.hpp): web still runs its build of
    // `first`, so every change up to `first` is deployed, not yet every one up to `second`.
    EXPECT_EQ(std::string(component["ref"].GetString()), first);
    states.clear();
    for (const auto& ds : s["deployment_statuses"].GetArray())
        if (ds["deployment_id"].GetInt64() == latest) states.push_back(ds["state"].GetString());
    EXPECT_EQ(states, (std::vector<std::string>{"in_progress", "success"}));
    for (const auto& req : s["requests"].GetArray())
        EXPECT_LT(req["status"].GetInt(), 300) << req["path"].GetString();
    EXPECT_EQ(rollback.err.find(k_token), std::string::npos);
    // Prism refuses a request off GitHub's schema (422) before the fake sees it: the reporter
    // would say so.
    EXPECT_EQ(rollback.err.find("report(s) failed"), std::string::npos) << rollback.err;
}

// A personal token cannot write check runs: the plan and the deploy are commit statuses of the
// same names instead.
TEST_F(GithubServe, APersonalTokenPostsCommitStatusesInsteadOfCheckRuns) {
    const std::string event = (scratch.path() / "event.json").string();
    const std::string head = push_change("api", "v2");
    std::ofstream(event) << pull_request_body("synchronize", 6, head, repo);
    const std::string slipway = "cd " + shell_quote(dev.path().string()) + " && " + env +
                                "GITHUB_REPOSITORY=" + repo + " GITHUB_API_URL=" + prism.proxy +
                                " GITHUB_TOKEN=ghp_personalTokenThatMustNotLeak" +
                                " GITHUB_EVENT_PATH=" + shell_quote(event) + " GITHUB_SHA=" + head +
                                " " + shell_quote(support::slipway_binary());
    auto plan = support::run(slipway + " run --env test --plan --github");
    ASSERT_EQ(plan.status, 0) << plan.out << plan.err;
    auto run = support::run(slipway + " run --env test --yes --github");
    ASSERT_EQ(run.status, 0) << run.err;
    auto s = prism.state(repo);
    EXPECT_EQ(s["check_runs"].MemberCount(), 0u);
    std::vector<std::string> plans, deploys;
    for (const auto& st : s["statuses"].GetArray()) {
        EXPECT_EQ(std::string(st["sha"].GetString()), head);
        const std::string context = st["context"].GetString();
        if (context == "slipway plan (test)") plans.push_back(st["state"].GetString());
        if (context == "slipway deploy (test)") deploys.push_back(st["state"].GetString());
    }
    ASSERT_FALSE(plans.empty()) << plan.err;
    EXPECT_EQ(plans.back(), "success");
    ASSERT_FALSE(deploys.empty()) << run.err;
    EXPECT_EQ(deploys.front(), "pending");
    EXPECT_EQ(deploys.back(), "success");
    EXPECT_EQ(plan.err.find("ghp_personal"), std::string::npos);
    EXPECT_EQ(run.err.find("ghp_personal"), std::string::npos);
}

// serve with a personal token (no App): its deploys and its pull-request plans are commit
// statuses of the check runs' names, pending then the outcome, linking the run's page and the
// plan's page; no check run is tried (GitHub would refuse it); the deployment is posted as
// with an App (a personal token with repo scope may write deployments).
TEST_F(GithubServe, ServeWithAPersonalTokenPostsCommitStatusesInsteadOfCheckRuns) {
    constexpr const char* personal = "ghp_servePersonalTokenThatMustNotLeak";
    std::ofstream(token_file, std::ios::trunc) << personal << "\n";
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, github_args())) << serve.log();
    // The statuses of `context` on `sha`, in the order GitHub received them.
    auto states_of = [](const rapidjson::Document& s, const std::string& context,
                        const std::string& sha) {
        std::vector<std::string> out;
        for (const auto& st : s["statuses"].GetArray()) {
            if (context == st["context"].GetString() && sha == st["sha"].GetString())
                out.emplace_back(st["state"].GetString());
        }
        return out;
    };
    auto target_of = [](const rapidjson::Document& s, const std::string& context) {
        std::string url;
        for (const auto& st : s["statuses"].GetArray()) {
            if (context == st["context"].GetString() && st.HasMember("target_url"))
                url = st["target_url"].GetString();
        }
        return url;
    };

    // A push to dev: deployed; the deploy is a commit status and a GitHub deployment.
    const std::string pushed = push_change("web", "v2");
    auto r = deliver(serve.url, "push-1", "push", push_body("refs/heads/dev", pushed, false, repo));
    ASSERT_TRUE(r && r->status == 202) << (r ? r->body : "no answer");
    ASSERT_EQ(wait_for_job(serve.url, job_of(r)), "succeeded") << serve.log();
    ASSERT_TRUE(wait_for_state([&](const rapidjson::Document& s) {
        const auto states = states_of(s, "slipway deploy (test)", pushed);
        return !states.empty() && states.back() != "pending";
    })) << serve.log();
    auto s = prism.state(repo);
    EXPECT_EQ(states_of(s, "slipway deploy (test)", pushed),
              (std::vector<std::string>{"pending", "success"}));
    EXPECT_TRUE(target_of(s, "slipway deploy (test)").starts_with("http://slipway.test/runs/"))
        << target_of(s, "slipway deploy (test)");
    ASSERT_EQ(s["deployments"].MemberCount(), 1u);
    EXPECT_EQ(std::string(s["deployments"].MemberBegin()->value["ref"].GetString()), pushed);

    // A pull request into dev: its plan is a commit status on the PR's head, and the comment.
    dev.git("checkout -q -b feature");
    const std::string head = push_pull_request(8, "api", "v3");
    r = deliver(serve.url, "pr-1", "pull_request", pull_request_body("opened", 8, head, repo));
    ASSERT_TRUE(r && r->status == 202) << (r ? r->body : "no answer");
    ASSERT_TRUE(wait_for_state([&](const rapidjson::Document& st) {
        const auto states = states_of(st, "slipway plan (test)", head);
        return !states.empty() && states.back() != "pending" && st["comments"].MemberCount() == 1;
    })) << serve.log();
    s = prism.state(repo);
    const auto plans = states_of(s, "slipway plan (test)", head);
    ASSERT_GE(plans.size(), 2u);  // pending (queued), pending (planning), success
    EXPECT_EQ(plans.front(), "pending");
    EXPECT_EQ(plans.back(), "success") << serve.log();
    EXPECT_EQ(target_of(s, "slipway plan (test)"), "http://slipway.test/pulls/8");
    EXPECT_EQ(s["check_runs"].MemberCount(), 0u);
    for (const auto& req : s["requests"].GetArray())
        EXPECT_EQ(std::string(req["path"].GetString()).find("/check-runs"), std::string::npos);
    for (const auto& req : s["requests"].GetArray())
        EXPECT_LT(req["status"].GetInt(), 300) << req["path"].GetString();
    // Prism refuses a request off GitHub's schema (422) before the fake sees it: serve counts
    // such a report as failed.
    httplib::Client c(serve.url);
    auto metrics = c.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->body.find(R"(slipway_github_reports_total{result="failed"})"),
              std::string::npos)
        << metrics->body;

    EXPECT_EQ(serve.terminate(std::chrono::seconds(30)), 0) << serve.log();
    EXPECT_EQ(serve.log().find(personal), std::string::npos);
}

TEST_F(GithubServe, GithubFailingNeverChangesADeploysOutcome) {
    prism.fault(repo, "/deployments", 403, 10, "{}",
                R"({"message":"Resource not accessible by integration"})");
    const std::string head = push_change("api", "v2");
    const std::string slipway = "cd " + shell_quote(dev.path().string()) + " && " + env +
                                "GITHUB_REPOSITORY=" + repo + " GITHUB_API_URL=" + prism.proxy +
                                " GITHUB_TOKEN=" + k_token + " " +
                                shell_quote(support::slipway_binary());
    auto run = support::run(slipway + " run --env test --yes --github");
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.err.find("Resource not accessible by integration"), std::string::npos) << run.err;
    EXPECT_NE(stack_parameter("shop-test", "ApiImage").find(head.substr(0, 12)), std::string::npos);
}

// prod's approvers are GitHub's team `platform` (the manifest does not define it) and the
// manifest's team `ops`: serve asks GitHub (through Prism) who is in platform -- an active
// member approves, a pending invitation does not -- and never who is in ops, whose members
// are the manifest's list.
class GithubTeams : public GithubServe {
  protected:
    // An organization of the test's own: the fake keeps teams and the membership requests
    // per organization, and a test setting its teams clears what another, running beside
    // it under ctest -j, had recorded.
    void SetUp() override {
        GithubServe::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        repo = "slipway-teams-" +
               std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
               "/shop";
        prism.reset(repo);
    }

    std::string manifest_text() const override {
        std::string m = serve_test::k_manifest;
        m.replace(m.find("components:"), 0, "teams: {ops: [frank]}\n");
        m.replace(m.find("    parameters: {Stage: prod}"), 0,
                  "    gates: {approvals: 1, approvers: [\"team:platform\", \"team:ops\"]}\n");
        return m;
    }

    // A POST as `token` (a bearer client: no Origin, no CSRF token needed); status and body.
    static std::pair<int, std::string> post(const std::string& url, const std::string& path,
                                            const std::string& token) {
        httplib::Client c(url);
        c.set_read_timeout(std::chrono::seconds(20));
        auto r =
            c.Post(path.c_str(), {{"Authorization", "Bearer " + token}}, "{}", "application/json");
        return r ? std::pair{r->status, r->body} : std::pair{0, std::string("no answer")};
    }
};

TEST_F(GithubTeams, AnApproverInAGithubTeamIsAskedOfGithubTheManifestsTeamsFirst) {
    const std::string org = repo.substr(0, repo.find('/'));
    prism.control("/_fake/teams",
                  R"({"org":")" + org + R"(","team":"ops","members":{"gina":"active"}})");
    prism.control("/_fake/teams", R"({"org":")" + org +
                                      R"(","team":"platform","members":{"dave":"active",)" +
                                      R"("erin":"pending"}})");
    const std::string tokens = (scratch.path() / "tokens").string();
    std::ofstream(tokens) << "alice-token deployer alice\n"
                          << "dave-token approver dave\nerin-token approver erin\n"
                          << "gina-token approver gina\n";
    auto ran = support::run(env + "USER=alice " + shell_quote(support::slipway_binary()) +
                            " run --env test -q --repo " + shell_quote(clone));
    ASSERT_EQ(ran.status, 0) << ran.out << ran.err;
    ServeProcess s;
    ASSERT_TRUE(
        s.start(env, github_args() + " --gate-every 1 --api-token-file " + shell_quote(tokens)))
        << s.log();
    auto asked = post(s.url, "/api/environments/prod/requests", "alice-token");
    ASSERT_EQ(asked.first, 201) << asked.second;
    // An invitation not accepted yet is no membership; the manifest's ops is frank alone.
    auto erin = post(s.url, "/api/requests/1/approve", "erin-token");
    EXPECT_EQ(erin.first, 403) << erin.second;
    EXPECT_NE(erin.second.find("erin is not an approver of 'prod'"), std::string::npos)
        << erin.second;
    auto gina = post(s.url, "/api/requests/1/approve", "gina-token");
    EXPECT_EQ(gina.first, 403) << gina.second;
    auto dave = post(s.url, "/api/requests/1/approve", "dave-token");
    ASSERT_EQ(dave.first, 200) << dave.second << s.log();
    ASSERT_TRUE(wait_for_sql("SELECT status FROM requests WHERE id = 1", "deployed\n")) << s.log();
    EXPECT_NE(sql("SELECT note FROM deployments WHERE env = 'prod'").find("approved by dave"),
              std::string::npos);
    EXPECT_EQ(stack_parameter("shop-prod", "ApiImage"), stack_parameter("shop-test", "ApiImage"));
    // What GitHub was asked (every call through Prism's validation): platform, never ops.
    httplib::Client fake(prism.fake);
    auto state = fake.Get("/_fake/state?org=" + org);
    ASSERT_TRUE(state);
    rapidjson::Document d;
    d.Parse(state->body.c_str());
    std::set<std::string> asked_about;
    for (const auto& r : d["requests"].GetArray()) {
        EXPECT_STREQ(r["team"].GetString(), "platform");
        asked_about.insert(r["login"].GetString());
    }
    EXPECT_TRUE(asked_about.contains("dave") && asked_about.contains("erin")) << state->body;
    EXPECT_EQ(s.log().find(k_token), std::string::npos) << "the token never logged";
    EXPECT_EQ(s.terminate(std::chrono::seconds(30)), 0);
}

// The CLI asks GitHub too, with --github (in Actions: GITHUB_TOKEN, GITHUB_REPOSITORY,
// GITHUB_ACTOR); without it a team the manifest does not define has no members.
TEST_F(GithubTeams, TheCliAsksGithubWithGithub) {
    const std::string org = repo.substr(0, repo.find('/'));
    prism.control("/_fake/teams", R"({"org":")" + org +
                                      R"(","team":"platform","members":{"dave":"active",)" +
                                      R"("erin":"pending"}})");
    const auto slipway = [&](const std::string& actor, const std::string& args) {
        return support::run(
            env + "USER=alice GITHUB_ACTOR=" + actor + " GITHUB_REPOSITORY=" + repo +
            " GITHUB_API_URL=" + prism.proxy + " GITHUB_TOKEN=" + k_token + " " +
            shell_quote(support::slipway_binary()) + " " + args + " --repo " + shell_quote(clone));
    };
    ASSERT_EQ(slipway("alice", "run --env test -q").status, 0);
    auto held = slipway("alice", "promote --to prod --yes");
    ASSERT_EQ(held.status, 5) << held.out << held.err;
    // A pending invitation is no membership; without --github nobody is in platform.
    auto erin = slipway("erin", "approve --env prod --request 1 --github");
    EXPECT_EQ(erin.status, 2) << erin.out << erin.err;
    EXPECT_NE(erin.err.find("github:erin is not an approver of 'prod'"), std::string::npos)
        << erin.err;
    auto unasked = slipway("dave", "approve --env prod --request 1");
    EXPECT_EQ(unasked.status, 2) << unasked.out << unasked.err;
    auto dave = slipway("dave", "approve --env prod --request 1 --github");
    ASSERT_EQ(dave.status, 0) << dave.out << dave.err;
    EXPECT_NE(dave.out.find("gates pass"), std::string::npos) << dave.out;
    // The gates count dave's approval only where GitHub is asked.
    EXPECT_NE(slipway("dave", "requests --env prod --json --github").out.find("\"passed\":true"),
              std::string::npos);
    EXPECT_NE(slipway("dave", "requests --env prod --json").out.find("\"passed\":false"),
              std::string::npos);
    auto shipped = slipway("alice", "promote --to prod --request 1 --yes --github");
    ASSERT_EQ(shipped.status, 0) << shipped.out << shipped.err;
    EXPECT_EQ(stack_parameter("shop-prod", "ApiImage"), stack_parameter("shop-test", "ApiImage"));
    EXPECT_EQ(shipped.err.find(k_token), std::string::npos);
}

// --- GitHub's own example payloads through a real serve's intake ---------------------------

httplib::Result deliver(const std::string& url, const std::string& id, const std::string& event,
                        const std::string& body, const std::string& secret) {
    httplib::Client c(url);
    c.set_read_timeout(std::chrono::seconds(10));
    httplib::Headers h{
        {"X-GitHub-Event", event},
        {"X-GitHub-Delivery", id},
        {"X-Hub-Signature-256", "sha256=" + aws::to_hex(aws::hmac_sha256(secret, body))}};
    return c.Post("/hooks/github", h, body, "application/json");
}

class WebhookExamples : public ::testing::Test {
  protected:
    void SetUp() override {
        const char* file = std::getenv("SLIPWAY_WEBHOOK_EXAMPLES");
        std::ifstream in(file ? file : WEBHOOK_EXAMPLES);
        if (!in) {
            if (Prism::ci()) FAIL() << "no @octokit/webhooks-examples (scripts/setup.sh)";
            GTEST_SKIP()
                << "no @octokit/webhooks-examples (scripts/setup.sh: npm ci in tests/github)";
        }
        std::stringstream s;
        s << in.rdbuf();
        examples.Parse(s.str().c_str());
        ASSERT_TRUE(examples.IsArray());
        repo.write("slipway.yml", serve_test::k_manifest);
        repo.write("template.yml", serve_test::k_template);
        repo.commit("init");
        repo.git("branch -q dev");
        std::ofstream(secret.path() / "secret") << serve_test::k_webhook_secret << "\n";
    }

    // The examples of one event, each as the bytes GitHub would send.
    std::vector<std::string> bodies(const std::string& event) const {
        std::vector<std::string> out;
        for (const auto& e : examples.GetArray()) {
            if (event != e["name"].GetString()) continue;
            for (const auto& example : e["examples"].GetArray()) {
                rapidjson::StringBuffer b;
                rapidjson::Writer<rapidjson::StringBuffer> w(b);
                example.Accept(w);
                out.emplace_back(b.GetString(), b.GetSize());
            }
        }
        return out;
    }

    rapidjson::Document examples;
    support::GitRepo repo;
    support::TempDir secret;
};

TEST_F(WebhookExamples, EveryPushAndPullRequestExampleIsTakenForItsRepository) {
    ServeProcess serve;
    const std::string args = "--listen 127.0.0.1:0 --repo " + shell_quote(repo.path().string()) +
                             " --webhook-secret-file " +
                             shell_quote((secret.path() / "secret").string()) +
                             " --reconcile-every 0 --github-repository Codertocat/Hello-World";
    ASSERT_TRUE(serve.start("", args)) << serve.log();
    const auto pushes = bodies("push");
    const auto pulls = bodies("pull_request");
    ASSERT_GE(pushes.size(), 5u);
    ASSERT_GE(pulls.size(), 20u);
    int n = 0;
    for (const auto& body : pushes) {
        auto r = deliver(serve.url, "push-" + std::to_string(++n), "push", body,
                         serve_test::k_webhook_secret);
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->status == 202 || r->status == 200) << r->status << " " << r->body;
        EXPECT_NE(r->body.find(R"("result":)"), std::string::npos) << r->body;
    }
    std::map<std::string, int> results;
    for (const auto& body : pulls) {
        rapidjson::Document d;
        d.Parse(body.c_str());
        const std::string action = d["action"].GetString();
        const std::string repository = d["repository"]["full_name"].GetString();
        auto r = deliver(serve.url, "pr-" + std::to_string(++n), "pull_request", body,
                         serve_test::k_webhook_secret);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 202) << r->body;
        rapidjson::Document answer;
        answer.Parse(r->body.c_str());
        const std::string result = answer["result"].GetString();
        const std::string reason = answer.HasMember("reason") ? answer["reason"].GetString() : "";
        ++results[result];
        EXPECT_EQ(answer["pull_request"].GetInt64(), d["pull_request"]["number"].GetInt64());
        if (repository != "Codertocat/Hello-World") {
            EXPECT_EQ(result, "ignored") << reason;
            EXPECT_NE(reason.find("not Codertocat/Hello-World"), std::string::npos) << reason;
        } else if (action == "closed") {
            EXPECT_EQ(result, "closed") << reason;
        } else if (d["pull_request"]["draft"].IsBool() && d["pull_request"]["draft"].GetBool()) {
            EXPECT_EQ(result, "ignored") << reason;
        } else {
            // Their base branches trigger no environment here.
            EXPECT_EQ(result, "ignored") << action << ": " << reason;
        }
        // A signature made with another secret is refused before anything is read.
        auto forged = deliver(serve.url, "pr-x", "pull_request", body, "not-the-secret");
        ASSERT_TRUE(forged);
        EXPECT_EQ(forged->status, 401);
    }
    EXPECT_GT(results["closed"], 0);
    EXPECT_EQ(serve.terminate(std::chrono::seconds(30)), 0) << serve.log();
}

}  // namespace
