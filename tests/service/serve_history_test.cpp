// Newest wins means newest in history, not newest to arrive (issue 24 §2). GitHub's
// deliveries are unordered: a push's webhook may arrive after the push that followed it.
// A real `slipway serve`, a bare origin it fetches from, moto as AWS; the stack's parameters
// are read with the aws CLI, the queue with sqlite3.
#include <filesystem>

#include "serve_fixture.hpp"

namespace {

using serve_test::Serve;
using serve_test::ServeProcess;

// The commit an image URI of this manifest was built from ("...:api-3-<12 hex>").
std::string built_from(const std::string& image) {
    return image.substr(image.rfind('-') + 1);
}

// Holds the service's builds until released.
struct Gate {
    explicit Gate(const std::string& path) : m_path(path) { std::ofstream(path) << "hold\n"; }
    ~Gate() { release(); }
    void release() { std::filesystem::remove(m_path); }
    std::string m_path;
};

// B's webhook, then its parent A's (a new delivery): A is dropped as older than B, and the
// stack ends on B.
TEST_F(Serve, APushDeliveredAfterItsChildIsDroppedAsOlder) {
    const std::string a = push_change("api", "v2");
    const std::string b = push_change("api", "v3");
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, serve_args())) << serve.log();
    Gate hold(gate);
    auto rb = deliver(serve.url, "delivery-b", "push", push_body("refs/heads/dev", b));
    ASSERT_TRUE(rb);
    const auto jb = job_of(rb);
    // B's builds run: the service has fetched, so it knows A is B's parent.
    ASSERT_TRUE(wait_for_sql("SELECT count(*) > 0 FROM builds WHERE status = 'running'", "1\n"))
        << serve.log();
    auto ra = deliver(serve.url, "delivery-a", "push", push_body("refs/heads/dev", a));
    ASSERT_TRUE(ra);
    EXPECT_NE(ra->body.find("\"result\":\"dropped\""), std::string::npos) << ra->body;
    EXPECT_NE(ra->body.find("older than " + b.substr(0, 12) + ", already running as job #" +
                            std::to_string(jb)),
              std::string::npos)
        << ra->body;
    hold.release();
    EXPECT_EQ(wait_for_job(serve.url, jb), "succeeded") << serve.log();
    EXPECT_EQ(built_from(stack_parameter("shop-test", "ApiImage")), b.substr(0, 12));
    EXPECT_EQ(sql("SELECT status FROM jobs WHERE head = '" + a + "'"), "dropped\n");
    EXPECT_EQ(sql("SELECT result FROM deliveries WHERE id = 'delivery-a'"), "dropped\n");
}

// Pushes h1..h4 delivered as 1, 2, 4, 3 while the service has not fetched h2..h4 yet, so it
// cannot tell their order when they arrive: h4 waits in place of h2, h3 in place of h4. Once
// h3's worker has fetched, h3 is older than the h4 it replaced: h4 is queued again, h3
// dropped, and the stack ends on h4. Then a force-push (a head that is not a descendant of
// the deployed one) is deployed, and said so.
TEST_F(Serve, PushesDeliveredOutOfOrderEndOnTheNewestAndAForcePushIsDeployed) {
    const std::string h1 = push_change("api", "h1");
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, serve_args())) << serve.log();
    Gate hold(gate);
    auto r1 = deliver(serve.url, "d-1", "push", push_body("refs/heads/dev", h1));
    ASSERT_TRUE(r1);
    ASSERT_TRUE(wait_for_sql("SELECT count(*) > 0 FROM builds WHERE status = 'running'", "1\n"))
        << serve.log();
    const std::string h2 = push_change("web", "h2");
    const std::string h3 = push_change("api", "h3");
    const std::string h4 = push_change("api", "h4");
    for (const auto& [id, head] : {std::pair{"d-2", h2}, {"d-4", h4}, {"d-3", h3}}) {
        auto r = deliver(serve.url, id, "push", push_body("refs/heads/dev", head));
        ASSERT_TRUE(r);
        EXPECT_NE(r->body.find("\"result\":\"queued\""), std::string::npos) << r->body;
    }
    hold.release();
    // h1, then h3 (dropped), then h4 queued again.
    ASSERT_TRUE(
        wait_for_sql("SELECT count(*) FROM jobs WHERE status IN ('pending', 'running')", "0\n"))
        << serve.log();
    EXPECT_EQ(built_from(stack_parameter("shop-test", "ApiImage")), h4.substr(0, 12))
        << serve.log();
    EXPECT_EQ(built_from(stack_parameter("shop-test", "WebImage")), h4.substr(0, 12));
    const std::string h3_job =
        sql("SELECT status || ' ' || reason FROM jobs WHERE head = '" + h3 + "'");
    EXPECT_NE(h3_job.find("dropped older than " + h4.substr(0, 12) + ", a later push it replaced"),
              std::string::npos)
        << h3_job;
    EXPECT_EQ(sql("SELECT status FROM jobs WHERE head = '" + h4 + "' ORDER BY id"),
              "superseded\nsucceeded\n");

    // A force-push: dev rewritten from h2 on.
    dev.git("reset -q --hard " + h2);
    dev.write("api/main.py", "forced\n");
    const std::string forced = dev.commit("api: forced");
    dev.git("push -q --force origin dev");
    auto rf = deliver(serve.url, "d-f", "push", push_body("refs/heads/dev", forced));
    ASSERT_TRUE(rf);
    const auto jf = job_of(rf);
    ASSERT_GT(jf, 0) << rf->body;
    EXPECT_EQ(wait_for_job(serve.url, jf), "succeeded") << serve.log();
    EXPECT_EQ(built_from(stack_parameter("shop-test", "ApiImage")), forced.substr(0, 12));
    EXPECT_NE(
        serve.log().find(forced.substr(0, 12) + " is not a descendant of " + h4.substr(0, 12)),
        std::string::npos)
        << serve.log();
}

}  // namespace
