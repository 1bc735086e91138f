// github::Client against GitHub's own REST API description: Stoplight Prism (mock) rejects
// with 422 every request off the schema, so each call's success is the schema's word; the
// stateful fake behind Prism's validation proxy shows the comment edited in place, the
// retries and the App's tokens.
#include "github/client.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <thread>

#include "github/github_fixture.hpp"
#include "github/jwt.hpp"

namespace {

using github_test::WithPrism;
using namespace std::chrono_literals;

const std::string k_sha = "0123456789abcdef0123456789abcdef01234567";

// A clock that records the sleeps instead of sleeping, at a time the test moves.
struct TestClock {
    std::int64_t now = 1'700'000'000;
    std::vector<std::chrono::milliseconds> slept;
    github::Clock clock() {
        return {[this] { return now; },
                [this](std::chrono::milliseconds d) {
                    slept.push_back(d);
                    now += d.count() / 1000;
                },
                [] { return 0.5; }};
    }
};

github::Settings settings(const std::string& url, const std::string& repo,
                          const std::string& token = "ghs_testtoken") {
    github::Settings s;
    s.api_url = url;
    s.repository = repo;
    s.token = token;
    return s;
}

github::CheckRun check_run(std::size_t annotations = 0) {
    github::CheckRun r;
    r.name = "slipway plan (test)";
    r.head_sha = k_sha;
    r.status = "in_progress";
    r.details_url = "https://slipway.example.com/pulls/7";
    r.external_id = "pull-7-test";
    github::CheckRunOutput o{"2 components affected", "**api** would be built", "details", {}};
    for (std::size_t i = 0; i < annotations; ++i)
        o.annotations.push_back({"slipway.yml", static_cast<int>(i + 1), static_cast<int>(i + 1),
                                 "failure", "manifest", "unknown key"});
    r.output = o;
    return r;
}

class Mock : public WithPrism {};

TEST_F(Mock, EveryCallMatchesGitHubsSchema) {
    github::Client c(settings(prism.mock, "acme/shop"));
    auto run = c.create_check_run(check_run());
    ASSERT_TRUE(run) << run.error().message;
    auto done = check_run(3);
    done.conclusion = "failure";
    auto updated = c.update_check_run(*run, done);
    ASSERT_TRUE(updated) << updated.error().message;
    auto status = c.create_status({k_sha, "pending", "slipway plan (test)", "planning", ""});
    ASSERT_TRUE(status) << status.error().message;
    auto deployment = c.create_deployment(
        {k_sha, "test", "slipway run 20250101-x", R"({"images":{"api":"x:1"}})", false, false});
    ASSERT_TRUE(deployment) << deployment.error().message;
    auto ds = c.create_deployment_status(
        *deployment, {"in_progress", "deploying", "https://slipway.example.com/runs/r1", "", true});
    ASSERT_TRUE(ds) << ds.error().message;
    auto comment = c.upsert_comment(7, "<!-- slipway:plan -->", "plan <!-- slipway:plan -->");
    ASSERT_TRUE(comment) << comment.error().message;
}

TEST_F(Mock, OffSchemaRequestsAreRefused) {
    // Prism's word is what the tests rely on: a check run without a head commit is refused.
    github::Client c(settings(prism.mock, "acme/shop"));
    auto r = c.call("POST", "/repos/acme/shop/check-runs", R"({"name":"x"})");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("422"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("ghs_testtoken"), std::string::npos);
}

class Fake : public WithPrism {
  protected:
    void SetUp() override {
        WithPrism::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        repo = "slipway-tests/" +
               std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
        prism.reset(repo);
    }
    std::string repo;
    TestClock time;
};

TEST_F(Fake, TheCommentWithTheMarkerIsEditedInPlace) {
    github::Client c(settings(prism.proxy, repo), time.clock());
    const std::string marker = "<!-- slipway:plan -->";
    ASSERT_TRUE(c.upsert_comment(7, "<!-- other -->", "someone else's <!-- other -->"));
    auto first = c.upsert_comment(7, marker, "plan 1\n" + marker);
    ASSERT_TRUE(first) << first.error().message;
    auto second = c.upsert_comment(7, marker, "plan 2\n" + marker);  // found by its marker
    ASSERT_TRUE(second) << second.error().message;
    auto third = c.upsert_comment(7, marker, "plan 3\n" + marker, *second);  // by its id
    ASSERT_TRUE(third) << third.error().message;
    EXPECT_EQ(*first, *second);
    EXPECT_EQ(*first, *third);
    auto s = prism.state(repo);
    ASSERT_TRUE(s["comments"].HasMember(std::to_string(*first).c_str()));
    const auto& mine = s["comments"][std::to_string(*first).c_str()];
    EXPECT_EQ(std::string(mine["body"].GetString()), "plan 3\n" + marker);
    EXPECT_EQ(mine["edits"].GetInt(), 2);
    EXPECT_EQ(s["comments"].MemberCount(), 2u);
}

TEST_F(Fake, TheMarkerIsFoundOnALaterPage) {
    github::Client c(settings(prism.proxy, repo), time.clock());
    const std::string marker = "<!-- slipway:plan -->";
    for (int i = 0; i < 120; ++i) {
        ASSERT_TRUE(c.call("POST", "/repos/" + repo + "/issues/9/comments",
                           R"({"body":"lgtm )" + std::to_string(i) + "\"}"));
    }
    auto created = c.upsert_comment(9, marker, "plan 1\n" + marker);  // the 121st: page 2
    ASSERT_TRUE(created);
    auto edited = c.upsert_comment(9, marker, "plan 2\n" + marker);
    ASSERT_TRUE(edited) << edited.error().message;
    EXPECT_EQ(*created, *edited);
    EXPECT_EQ(prism.state(repo)["comments"].MemberCount(), 121u);
}

TEST_F(Fake, CheckRunsMoveThroughTheirStatesWithEveryAnnotation) {
    github::Client c(settings(prism.proxy, repo), time.clock());
    auto id = c.create_check_run(check_run());
    ASSERT_TRUE(id) << id.error().message;
    auto done = check_run(120);
    done.conclusion = "failure";
    ASSERT_TRUE(c.update_check_run(*id, done));
    auto s = prism.state(repo);
    const auto& run = s["check_runs"][std::to_string(*id).c_str()];
    EXPECT_EQ(std::string(run["status"].GetString()), "completed");
    EXPECT_EQ(std::string(run["conclusion"].GetString()), "failure");
    std::size_t annotations = 0;
    for (const auto& u : run["updates"].GetArray()) {
        if (u.HasMember("output")) annotations += u["output"]["annotations"].Size();
    }
    EXPECT_EQ(annotations, 120u);  // 50 a request: three updates
    EXPECT_EQ(run["updates"].Size(), 4u);
}

TEST_F(Fake, ServerErrorsAreRetriedWithBackoff) {
    prism.fault(repo, "/statuses/", 503, 2);
    github::Client c(settings(prism.proxy, repo), time.clock());
    auto ok = c.create_status({k_sha, "success", "slipway deploy (test)", "deployed", ""});
    ASSERT_TRUE(ok) << ok.error().message;
    ASSERT_EQ(time.slept.size(), 2u);
    EXPECT_EQ(time.slept[0], 250ms);  // full jitter (0.5) of 500 ms, then of 1 s
    EXPECT_EQ(time.slept[1], 500ms);
    EXPECT_EQ(prism.state(repo)["statuses"].Size(), 1u);
}

TEST_F(Fake, RateLimitsWaitUntilGitHubSays) {
    prism.fault(repo, "/deployments", 403, 1,
                R"({"x-ratelimit-remaining":"0","x-ratelimit-reset":"1700000042"})",
                R"({"message":"API rate limit exceeded for installation"})");
    prism.fault(repo, "/deployments", 429, 1, R"({"Retry-After":"7"})",
                R"({"message":"You have exceeded a secondary rate limit"})");
    github::Client c(settings(prism.proxy, repo), time.clock());
    auto id = c.create_deployment({k_sha, "test", "", "", false, false});
    ASSERT_TRUE(id) << id.error().message;
    ASSERT_EQ(time.slept.size(), 2u);
    EXPECT_EQ(time.slept[0], 42s);  // until x-ratelimit-reset
    EXPECT_EQ(time.slept[1], 7s);   // Retry-After
}

TEST_F(Fake, PermissionErrorsAreNotRetried) {
    prism.fault(repo, "/check-runs", 403, 1, "{}",
                R"({"message":"Resource not accessible by integration"})");
    github::Client c(settings(prism.proxy, repo), time.clock());
    auto id = c.create_check_run(check_run());
    ASSERT_FALSE(id);
    EXPECT_TRUE(time.slept.empty());
    EXPECT_NE(id.error().message.find("Resource not accessible by integration"), std::string::npos);
    EXPECT_FALSE(id.error().transient);
}

TEST_F(Fake, ARateLimitBeyondTheLongestWaitGivesUp) {
    prism.fault(repo, "/statuses/", 403, 1,
                R"({"x-ratelimit-remaining":"0","x-ratelimit-reset":"1700009999"})",
                R"({"message":"API rate limit exceeded"})");
    github::Client c(settings(prism.proxy, repo), time.clock());
    auto ok = c.create_status({k_sha, "success", "slipway deploy (test)", "", ""});
    ASSERT_FALSE(ok);
    EXPECT_TRUE(ok.error().transient);
    EXPECT_TRUE(time.slept.empty());
}

// serve stopping while a report waits out a rate limit: the stopper ends the wait (the client's
// retry then comes at once) instead of holding the shutdown for GitHub's Retry-After.
TEST_F(Fake, AStopperCutsARateLimitWaitShort) {
    prism.fault(repo, "/deployments", 429, 1, R"({"Retry-After":"600"})",
                R"({"message":"You have exceeded a secondary rate limit"})");
    auto stopper = std::make_shared<github::SleepStopper>();
    github::Client c(settings(prism.proxy, repo), github::stoppable_clock(stopper));
    const auto start = std::chrono::steady_clock::now();
    std::thread stop([&] {
        std::this_thread::sleep_for(200ms);
        stopper->stop();
    });
    auto id = c.create_deployment({k_sha, "test", "", "", false, false});
    stop.join();
    ASSERT_TRUE(id) << id.error().message;  // the one fault, then the retry succeeds
    EXPECT_LT(std::chrono::steady_clock::now() - start, 60s);  // not the 600 s GitHub asked
}

// An RSA key pair made with OpenSSL for the App: (private PEM, public PEM).
std::pair<std::string, std::string> rsa_key_pair() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    auto pem = [&](bool secret) {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
        if (secret)
            PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        else
            PEM_write_bio_PUBKEY(bio.get(), key.get());
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(n));
    };
    return {pem(true), pem(false)};
}

TEST_F(Fake, AnAppBuysAnInstallationTokenAndKeepsItUntilShortlyBeforeItExpires) {
    const auto [secret, pub] = rsa_key_pair();
    prism.reset(repo, "31337", pub, 360);  // tokens for six minutes
    github::Settings s = settings(prism.proxy, repo, "");
    s.app_id = "31337";
    s.app_key_pem = secret;
    TestClock real;  // the fake checks the JWT against the real time
    real.now = static_cast<std::int64_t>(std::time(nullptr));
    github::Client c(s, real.clock());
    EXPECT_TRUE(c.checks_allowed());
    ASSERT_TRUE(c.create_check_run(check_run())) << "with the installation token";
    ASSERT_TRUE(c.create_status({k_sha, "success", "slipway deploy (test)", "", ""}));
    auto tokens = [&] {
        std::size_t n = 0;
        for (const auto& r : prism.state(repo)["requests"].GetArray())
            n += std::string(r["path"].GetString()) == "/app/installations/access_tokens";
        return n;
    };
    EXPECT_EQ(tokens(), 1u);  // kept
    real.now += 61;           // within five minutes of its expiry: bought again
    auto again = c.create_status({k_sha, "success", "slipway deploy (test)", "", ""});
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(tokens(), 2u);
}

TEST_F(Fake, AWrongAppKeyIsRefusedAndNamedWithoutTheKey) {
    const auto [secret, pub] = rsa_key_pair();
    const auto [other, other_pub] = rsa_key_pair();
    prism.reset(repo, "31337", pub);
    github::Settings s = settings(prism.proxy, repo, "");
    s.app_id = "31337";
    s.app_key_pem = other;
    github::Client c(s);
    auto id = c.create_check_run(check_run());
    ASSERT_FALSE(id);
    EXPECT_NE(id.error().message.find("installation"), std::string::npos) << id.error().message;
    EXPECT_NE(id.error().message.find("401"), std::string::npos) << id.error().message;
    EXPECT_EQ(id.error().message.find("PRIVATE"), std::string::npos);
}

TEST(Jwt, IsSignedWithTheAppsKeyAsRs256) {
    const auto [secret, pub] = rsa_key_pair();
    auto jwt = github::app_jwt("42", secret, 1'700'000'000);
    ASSERT_TRUE(jwt);
    const auto dot1 = jwt->find('.'), dot2 = jwt->rfind('.');
    EXPECT_EQ(jwt->substr(0, dot1), github::base64url(R"({"alg":"RS256","typ":"JWT"})"));
    EXPECT_EQ(jwt->substr(dot1 + 1, dot2 - dot1 - 1),
              github::base64url(R"({"exp":1700000540,"iat":1699999940,"iss":"42"})"));
    EXPECT_FALSE(github::app_jwt("42", "not a key", 0));
    EXPECT_EQ(github::base64url("\xff\xfe"), "__4");
}

TEST(Retry, FollowsGitHubsRules) {
    github::RetryPolicy p;
    github::Attempt a;
    a.status = 422;
    EXPECT_FALSE(github::retry_delay(a, 1, 0, 0.5, p));
    a.status = 502;
    EXPECT_EQ(github::retry_delay(a, 3, 0, 1.0, p), 2000ms);
    a.status = 403;
    a.message = "Must have admin rights to Repository.";
    EXPECT_FALSE(github::retry_delay(a, 1, 0, 0.5, p));
    a.message = "You have exceeded a secondary rate limit.";
    EXPECT_EQ(github::retry_delay(a, 2, 0, 0.5, p), 120s);
    a.ratelimit_remaining = "0";
    a.ratelimit_reset = "100";
    EXPECT_EQ(github::retry_delay(a, 1, 40, 0.5, p), 60s);
    a.retry_after = "3";
    EXPECT_EQ(github::retry_delay(a, 1, 40, 0.5, p), 3s);
    EXPECT_FALSE(github::retry_delay(a, p.max_attempts, 40, 0.5, p));
    github::Attempt dropped;
    dropped.transport_failed = true;
    EXPECT_EQ(github::retry_delay(dropped, 1, 0, 0.5, p), 250ms);
}

}  // namespace
