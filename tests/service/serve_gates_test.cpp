// Gated promotions through `slipway serve`, end to end on moto: two replicas on one store ship
// an approved request once; the writes of docs/api.md need a role, the same origin and the
// caller's CSRF token (a bearer client without Origin may write; a viewer may not); a page's
// request is deployed by the service once a second identity approves it, a rollback posted
// to the API is a job that deploys with its reason; with `promote: auto` the service asks for
// the promotion itself and ships it once the soak ends. Checked with the aws CLI and sqlite3.
#include "serve_fixture.hpp"

namespace {

using serve_test::Serve;
using serve_test::ServeProcess;
using support::shell_quote;

class ServeGates : public Serve {
  protected:
    std::string manifest_text() const override {
        std::string m = serve_test::k_manifest;
        m.replace(m.find("    parameters: {Stage: prod}"), 0,
                  "    promote: auto\n    gates: {approvals: 1, approvers: [carol]}\n");
        return m;
    }

    void SetUp() override {
        Serve::SetUp();
        if (IsSkipped()) return;
        tokens = (scratch.path() / "tokens").string();
        std::ofstream(tokens) << "# token role identity\n"
                              << "alice-token deployer alice\n"
                              << "carol-token approver carol\n"
                              << "victor-token viewer victor\n";
        auto ran = slipway("USER=alice", "run --env test -q");
        ASSERT_EQ(ran.status, 0) << ran.out << ran.err;
    }

    support::CommandResult slipway(const std::string& extra_env, const std::string& args) {
        return support::run(env + extra_env + " " + shell_quote(support::slipway_binary()) + " " +
                            args + " --repo " + shell_quote(clone));
    }

    // A POST as `token` with these headers; status and body.
    static std::pair<int, std::string> post(const std::string& url, const std::string& path,
                                            const std::string& token, const std::string& body,
                                            httplib::Headers h = {}) {
        httplib::Client c(url);
        c.set_read_timeout(std::chrono::seconds(10));
        if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
        auto r = c.Post(path.c_str(), h, body, "application/json");
        return r ? std::pair{r->status, r->body} : std::pair{0, std::string("no answer")};
    }

    static std::string csrf(const std::string& url, const std::string& token) {
        httplib::Client c(url);
        auto r = c.Get("/api/me", {{"Authorization", "Bearer " + token}});
        rapidjson::Document d;
        d.Parse(r->body.c_str());
        return d["csrf"].GetString();
    }

    static std::int64_t job_of_body(const std::string& body) {
        rapidjson::Document d;
        d.Parse(body.c_str());
        if (!d.IsObject() || !d.HasMember("job") || !d["job"].IsObject()) return 0;
        return d["job"]["id"].GetInt64();
    }

    std::string tokens;
};

TEST_F(ServeGates, TwoReplicasShipAnApprovedRequestOnce) {
    auto held = slipway("USER=alice", "promote --to prod --yes");
    ASSERT_EQ(held.status, 5) << held.out << held.err;
    EXPECT_NE(held.out.find("held by a gate: request #1"), std::string::npos) << held.out;
    ServeProcess a, b;
    const std::string args = serve_args("--gate-every 1 --api-token-file " + shell_quote(tokens));
    ASSERT_TRUE(a.start(env, args)) << a.log();
    ASSERT_TRUE(b.start(env, args)) << b.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(sql("SELECT count(*) FROM jobs WHERE env = 'prod'"), "0\n") << "held: no job";
    auto approved = slipway("USER=carol", "approve --env prod --request 1");
    ASSERT_EQ(approved.status, 0) << approved.out << approved.err;
    ASSERT_TRUE(wait_for_sql("SELECT status FROM requests WHERE id = 1", "deployed\n"))
        << a.log() << b.log();
    // Both promoters keep looking for a while: nothing more happens.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    EXPECT_EQ(sql("SELECT count(*) FROM deployments WHERE env = 'prod'"), "1\n");
    EXPECT_EQ(sql("SELECT count(*) FROM jobs WHERE env = 'prod' AND status = 'succeeded'"), "1\n");
    EXPECT_EQ(sql("SELECT count(*) FROM jobs WHERE env = 'prod' AND status IN ('pending', "
                  "'running')"),
              "0\n");
    EXPECT_EQ(stack_parameter("shop-prod", "ApiImage"), stack_parameter("shop-test", "ApiImage"));
    EXPECT_NE(sql("SELECT note FROM deployments WHERE env = 'prod'")
                  .find("request #1 (requested by alice"),
              std::string::npos);
    EXPECT_NE(sql("SELECT note FROM deployments WHERE env = 'prod'").find("approved by carol"),
              std::string::npos);
    EXPECT_EQ(a.terminate(std::chrono::seconds(30)), 0);
    EXPECT_EQ(b.terminate(std::chrono::seconds(30)), 0);
}

// prod says `promote: auto` with a soak gate alone; nobody runs `promote`: once test runs new
// images the service asks for the promotion itself, holds it while the images soak and then
// ships it once.
class ServeAutoPromotion : public Serve {
  protected:
    static constexpr std::int64_t k_soak_ms = 5000;

    std::string manifest_text() const override {
        std::string m = serve_test::k_manifest;
        m.replace(m.find("    parameters: {Stage: prod}"), 0,
                  "    promote: auto\n    gates: {soak: 5s}\n");
        return m;
    }

    support::CommandResult slipway(const std::string& args) {
        return support::run(env + "USER=alice " + shell_quote(support::slipway_binary()) + " " +
                            args + " --repo " + shell_quote(clone));
    }
};

TEST_F(ServeAutoPromotion, AutoRequestsAndShipsWhenSoakEnds) {
    ServeProcess s;
    ASSERT_TRUE(s.start(env, serve_args("--gate-every 1"))) << s.log();
    // Nothing deployed in test: nothing to ask for.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(sql("SELECT count(*) FROM requests"), "0\n");
    auto ran = slipway("run --env test -q");
    ASSERT_EQ(ran.status, 0) << ran.out << ran.err;
    const std::string tested =
        sql("SELECT id || '|' || finished_at FROM deployments WHERE env = 'test' AND status = "
            "'succeeded'");
    ASSERT_FALSE(tested.empty());
    const std::int64_t test_finished = std::stoll(tested.substr(tested.find('|') + 1));
    // The service asks for test's images itself, and holds them while they soak.
    ASSERT_TRUE(wait_for_sql("SELECT count(*) FROM requests WHERE env = 'prod'", "1\n")) << s.log();
    auto listed = get_json(s.url, "/api/requests?env=prod");
    ASSERT_TRUE(listed.HasMember("requests") && listed["requests"].Size() == 1u);
    const auto& request = listed["requests"][0];
    EXPECT_EQ(std::string(request["requested_by"].GetString()), "slipway-serve");
    EXPECT_EQ(request["source_deployment"].GetInt64(), std::stoll(tested));
    if (std::string(request["status"].GetString()) == "open") {  // (not shipped yet)
        ASSERT_TRUE(request["gates"].IsObject());
        ASSERT_EQ(request["gates"]["unmet"].Size(), 1u);
        EXPECT_EQ(std::string(request["gates"]["unmet"][0]["gate"].GetString()), "soak");
    }
    EXPECT_EQ(sql("SELECT count(*) FROM jobs WHERE env = 'prod' AND created_at < " +
                  std::to_string(test_finished + k_soak_ms)),
              "0\n");
    ASSERT_TRUE(wait_for_sql("SELECT status FROM requests WHERE id = 1", "deployed\n")) << s.log();
    // Shipped only once the soak ended, by one job, as one promotion.
    EXPECT_EQ(sql("SELECT count(*) FROM jobs WHERE env = 'prod' AND created_at < " +
                  std::to_string(test_finished + k_soak_ms)),
              "0\n")
        << sql("SELECT id, created_at FROM jobs");
    EXPECT_EQ(sql("SELECT count(*) FROM deployments WHERE env = 'prod' AND started_at < " +
                  std::to_string(test_finished + k_soak_ms)),
              "0\n");
    EXPECT_EQ(sql("SELECT kind, trigger, status FROM jobs WHERE env = 'prod'"),
              "promote|request:1|succeeded\n");
    EXPECT_EQ(sql("SELECT kind, status, source FROM deployments WHERE env = 'prod'"),
              "promote|succeeded|test#1\n");
    EXPECT_EQ(sql("SELECT note FROM deployments WHERE env = 'prod'"),
              "request #1 (requested by slipway-serve)\n");
    EXPECT_EQ(stack_parameter("shop-prod", "ApiImage"), stack_parameter("shop-test", "ApiImage"));
    EXPECT_EQ(stack_parameter("shop-prod", "Stage"), "prod");
    // The promoter keeps looking: prod runs test's images, nothing more is asked or shipped.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    EXPECT_EQ(sql("SELECT count(*) FROM requests"), "1\n");
    EXPECT_EQ(sql("SELECT count(*) FROM deployments WHERE env = 'prod'"), "1\n");
    EXPECT_EQ(s.terminate(std::chrono::seconds(30)), 0);
}

// prod without promote: auto (the service would otherwise ask for the promotion itself).
class ServeWrites : public ServeGates {
  protected:
    std::string manifest_text() const override {
        std::string m = ServeGates::manifest_text();
        m.erase(m.find("    promote: auto\n"), 18);
        return m;
    }
};

TEST_F(ServeWrites, NeedARoleTheSameOriginAndTheCsrfToken) {
    ServeProcess s;
    ASSERT_TRUE(s.start(
        env, serve_args("--gate-every 1 --drift-every 1 --api-token-file " + shell_quote(tokens))))
        << s.log();
    const std::string path = "/api/environments/prod/requests";
    const std::string host = s.url.substr(7);
    // A viewer may not write, whatever it sends.
    auto viewer = post(s.url, path, "victor-token", "{}",
                       {{"Origin", s.url}, {"X-CSRF-Token", csrf(s.url, "victor-token")}});
    EXPECT_EQ(viewer.first, 403) << viewer.second;
    // No identity: 401.
    EXPECT_EQ(post(s.url, path, "", "{}").first, 401);
    // A browser's write from another origin, or without the caller's CSRF token, is refused.
    auto cross =
        post(s.url, path, "alice-token", "{}",
             {{"Origin", "http://127.0.0.1:1"}, {"X-CSRF-Token", csrf(s.url, "alice-token")}});
    EXPECT_EQ(cross.first, 403);
    EXPECT_NE(cross.second.find("cross-origin"), std::string::npos) << cross.second;
    auto no_token = post(s.url, path, "alice-token", "{}", {{"Origin", s.url}});
    EXPECT_EQ(no_token.first, 403);
    EXPECT_NE(no_token.second.find("CSRF"), std::string::npos) << no_token.second;
    auto wrong = post(s.url, path, "alice-token", "{}",
                      {{"Origin", s.url}, {"X-CSRF-Token", csrf(s.url, "carol-token")}});
    EXPECT_EQ(wrong.first, 403);
    EXPECT_EQ(sql("SELECT count(*) FROM requests"), "0\n") << "nothing recorded";
    // The deployer asks (as a browser would, same origin and its token) ...
    auto asked = post(s.url, path, "alice-token", R"({"reason":"release 4"})",
                      {{"Origin", s.url}, {"X-CSRF-Token", csrf(s.url, "alice-token")}});
    ASSERT_EQ(asked.first, 201) << asked.second;
    EXPECT_NE(asked.second.find("\"requested_by\":\"web:alice\""), std::string::npos);
    EXPECT_NE(asked.second.find("needs 1 more from carol"), std::string::npos) << asked.second;
    auto again = post(s.url, path, "alice-token", "{}");  // curl-like: bearer, no Origin
    EXPECT_EQ(again.first, 409) << again.second;
    // ... a deployer may not approve, the approver does; the service ships it.
    auto by_alice = post(s.url, "/api/requests/1/approve", "alice-token", "{}");
    EXPECT_EQ(by_alice.first, 403) << by_alice.second;
    auto by_carol = post(s.url, "/api/requests/1/approve", "carol-token", R"({"reason":"ok"})",
                         {{"Origin", s.url}, {"X-CSRF-Token", csrf(s.url, "carol-token")}});
    ASSERT_EQ(by_carol.first, 200) << by_carol.second;
    ASSERT_TRUE(wait_for_sql("SELECT status FROM requests WHERE id = 1", "deployed\n")) << s.log();
    EXPECT_EQ(stack_parameter("shop-prod", "ApiImage"), stack_parameter("shop-test", "ApiImage"));
    auto me = httplib::Client(s.url).Get("/api/me", {{"Authorization", "Bearer carol-token"}});
    ASSERT_TRUE(me);
    EXPECT_NE(me->body.find("\"role\":\"approver\""), std::string::npos) << me->body;
    // The drift checks (every second here) are on /metrics (behind the API's tokens, as one is
    // set) and the environments' cards.
    std::string metrics;
    for (int i = 0; i < 100 && metrics.find("env=\"test\",status=\"IN_SYNC\"") == std::string::npos;
         ++i) {
        auto m = httplib::Client(s.url).Get("/metrics", {{"Authorization", "Bearer carol-token"}});
        metrics = m ? m->body : "";
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_NE(metrics.find("slipway_drift_status{env=\"test\",status=\"IN_SYNC\"} 1"),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("slipway_requests_open{env=\"prod\"} 0"), std::string::npos);
    auto envs =
        httplib::Client(s.url).Get("/api/environments", {{"Authorization", "Bearer victor-token"}});
    ASSERT_TRUE(envs);
    EXPECT_NE(envs->body.find("\"drift\":{\"checked_at\""), std::string::npos) << envs->body;
    // A rollback through the API: a job, recorded with its reason.
    auto back = post(s.url, "/api/environments/test/rollback", "alice-token",
                     R"({"deployment":"1","reason":""})");
    EXPECT_EQ(back.first, 400) << back.second;  // a reason is needed
    EXPECT_EQ(sql("SELECT count(*) FROM jobs WHERE kind = 'rollback'"), "0\n") << "nothing queued";
    // test moves on (deployment #3), then goes back to #1 through the API.
    const std::string first = stack_parameter("shop-test", "ApiImage");
    std::ofstream(clone + "/api/main.py") << "v2\n";
    ASSERT_EQ(support::run("git -C " + shell_quote(clone) +
                           " -c user.name=t -c user.email=t@example.com commit -qam 'api: v2'")
                  .status,
              0);
    auto moved = slipway("USER=alice", "run --env test -q");
    ASSERT_EQ(moved.status, 0) << moved.out << moved.err;
    ASSERT_NE(stack_parameter("shop-test", "ApiImage"), first);
    auto rolled = post(s.url, "/api/environments/test/rollback", "alice-token",
                       R"({"deployment":"1","reason":"api v2 answers 500"})");
    ASSERT_EQ(rolled.first, 202) << rolled.second;
    const auto job = job_of_body(rolled.second);
    ASSERT_GT(job, 0) << rolled.second;
    EXPECT_EQ(sql("SELECT kind, actor, note FROM jobs WHERE id = " + std::to_string(job)),
              "rollback|web:alice|api v2 answers 500\n");
    EXPECT_TRUE(
        wait_for_sql("SELECT status FROM jobs WHERE id = " + std::to_string(job), "succeeded\n"))
        << s.log();
    EXPECT_EQ(sql("SELECT kind, status, actor, note FROM deployments WHERE env = 'test' "
                  "ORDER BY id DESC LIMIT 1"),
              "rollback|succeeded|web:alice|api v2 answers 500\n");
    EXPECT_EQ(stack_parameter("shop-test", "ApiImage"), first) << "the aws CLI: back on #1";
    auto deployments = httplib::Client(s.url).Get("/api/environments/test/deployments",
                                                  {{"Authorization", "Bearer victor-token"}});
    ASSERT_TRUE(deployments);
    EXPECT_NE(deployments->body.find("\"note\":\"api v2 answers 500\""), std::string::npos)
        << deployments->body;
    EXPECT_FALSE(s.log().find("carol-token") != std::string::npos) << "tokens never logged";
}

// The drift checks and the reconciler side by side, each every second: the reconciler
// reloads the manifest on every pass, and the drift checks kept reading the environments of
// the one they had let go (a use after free: the service died within seconds, "internal:
// std::bad_alloc" or "basic_string::_M_create").
TEST_F(ServeWrites, DriftChecksBesideTheReconcilerKeepTheirManifest) {
    ServeProcess s;
    ASSERT_TRUE(s.start(env, "--listen 127.0.0.1:0 --repo " + shell_quote(clone) +
                                 " --webhook-secret-file " +
                                 shell_quote((scratch.path() / "secret").string()) +
                                 " --reconcile-every 1 --drift-every 1 --gate-every 1"))
        << s.log();
    const auto count = [&](const std::string& text) {
        const std::string log = s.log();
        std::size_t n = 0;
        for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
        return n;
    };
    for (int i = 0; i < 200 && count("serve: drift of prod") < 8; ++i) {
        ASSERT_EQ(s.wait_exit(std::chrono::seconds(0)), -1) << "serve ended:\n" << s.log();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_GE(count("serve: drift of test (shop-test): IN_SYNC"), 8u) << s.log();
    EXPECT_EQ(s.terminate(std::chrono::seconds(30)), 0) << s.log();
}

}  // namespace
