// `slipway serve` end to end: a signed GitHub push to dev is fetched from a bare origin,
// run through the pipeline on moto and deployed to test; replays, bad signatures and
// oversized bodies change nothing; SIGTERM lets the running job finish and keeps the waiting
// one for the next start; two replicas on one store run every job once.
#include <netinet/in.h>
#include <sys/socket.h>

#include "serve_fixture.hpp"

namespace serve_test {
namespace {

// What a browser asks for (br), gzip, and nothing: the same answer each time (httplib's client
// decodes it), encoded as asked; a page asset's encoded ETag revalidates to 304, and so does
// the home page's, which carries its first API answers.
void expect_answers_compressed_as_asked(const std::string& url) {
    httplib::Client c(url);
    std::string plain;
    for (const char* accept : {"", "gzip, deflate", "gzip, deflate, br, zstd"}) {
        auto r = c.Get("/api/components", {{"Accept-Encoding", accept}});
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        const std::string want = std::string(accept).empty()                           ? ""
                                 : std::string(accept).find("br") != std::string::npos ? "br"
                                                                                       : "gzip";
        EXPECT_EQ(r->get_header_value("Content-Encoding"), want) << accept;
        EXPECT_EQ(r->get_header_value("Vary"), "Accept-Encoding");
        if (plain.empty()) plain = r->body;
        EXPECT_EQ(r->body, plain) << accept;
    }
    EXPECT_NE(plain.find("\"components\""), std::string::npos) << plain;
    auto asset = c.Get("/assets/app.js", {{"Accept-Encoding", "br"}});
    ASSERT_TRUE(asset);
    const std::string etag = asset->get_header_value("ETag");
    EXPECT_TRUE(etag.ends_with("-br\"")) << etag;
    auto again = c.Get("/assets/app.js", {{"Accept-Encoding", "br"}, {"If-None-Match", etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304);
    // The home page carries the answers it renders first (no token here); its tag revalidates.
    auto home = c.Get("/", {{"Accept-Encoding", "br"}});
    ASSERT_TRUE(home);
    EXPECT_EQ(home->get_header_value("Content-Encoding"), "br");
    for (const char* part :
         {R"(<script type="application/json" id="slipway-data">{)", R"("/api/project":{)",
          R"("/api/environments":{)", R"("/api/components?limit=200":{"components":[)",
          R"("/api/runs?limit=10":{)"})
        EXPECT_NE(home->body.find(part), std::string::npos) << part;
    const std::string home_etag = home->get_header_value("ETag");
    EXPECT_TRUE(home_etag.ends_with("-br\"")) << home_etag;
    auto same = c.Get("/", {{"Accept-Encoding", "br"}, {"If-None-Match", home_etag}});
    ASSERT_TRUE(same);
    EXPECT_EQ(same->status, 304);
}

// /api/components pages by name like every list: walking `next` with ?limit=1 visits every
// component once, in the order of the whole list; a malformed ?limit= is a 400 naming it.
void expect_components_paged(const std::string& url) {
    const auto get_json = [](const std::string& at, const std::string& path) {
        httplib::Client c(at);
        rapidjson::Document d;
        d.Parse(c.Get(path)->body.c_str());
        return d;
    };
    auto whole = get_json(url, "/api/components?limit=200");
    ASSERT_TRUE(whole["next"].IsNull());
    std::vector<std::string> all, walked;
    for (const auto& c : whole["components"].GetArray()) all.emplace_back(c["name"].GetString());
    ASSERT_GE(all.size(), 2u);
    std::string path = "/api/components?limit=1";
    for (std::size_t pages = 0; pages <= all.size(); ++pages) {
        auto page = get_json(url, path);
        ASSERT_EQ(page["components"].Size(), 1u) << path;
        walked.emplace_back(page["components"][0]["name"].GetString());
        if (page["next"].IsNull()) break;
        EXPECT_EQ(std::string(page["next"].GetString()), walked.back());
        path = "/api/components?limit=1&before=" + walked.back();
    }
    EXPECT_EQ(walked, all);
    httplib::Client c(url);
    for (const char* bad : {"/api/components?limit=abc", "/api/components?limit=0",
                            "/api/runs?limit=-3", "/api/components/api?limit=1x"}) {
        auto r = c.Get(bad);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << bad;
        EXPECT_NE(r->body.find(R"("code":"bad_request")"), std::string::npos) << r->body;
        EXPECT_NE(r->body.find("limit: expected a whole number of at least 1"), std::string::npos)
            << r->body;
    }
    auto offset = c.Get("/api/runs/any/logs/api?offset=12abc");
    ASSERT_TRUE(offset);
    EXPECT_EQ(offset->status, 400);
    EXPECT_NE(offset->body.find("offset: expected a whole number"), std::string::npos);
    auto huge = c.Get("/api/components?limit=99999999999999999999999");
    ASSERT_TRUE(huge);
    EXPECT_EQ(huge->status, 200);  // the largest page, as documented
}

TEST_F(Serve, AMergeToDevIsFetchedRunAndDeployedToTest) {
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, serve_args())) << serve.log();
    const std::string head = push_change("api", "v2");  // the clone does not have it yet

    auto r = deliver(serve.url, "d-1", "push", push_body("refs/heads/dev", head));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 202) << r->body;
    EXPECT_NE(r->body.find(R"("result":"queued")"), std::string::npos) << r->body;
    const auto job = job_of(r);
    ASSERT_GT(job, 0);
    EXPECT_EQ(wait_for_job(serve.url, job), "succeeded") << serve.log();

    // The stack has the images of that commit (the aws CLI says so), and the store recorded it.
    EXPECT_NE(stack_parameter("shop-test", "ApiImage").find(head.substr(0, 12)), std::string::npos);
    EXPECT_EQ(sql("SELECT commit_id, status FROM deployments WHERE env = 'test'"),
              head + "|succeeded\n");
    EXPECT_EQ(sql("SELECT trigger, actor FROM runs"), "github:d-1|github:alice\n");

    // The same delivery again (GitHub's redelivery): 200, nothing new.
    r = deliver(serve.url, "d-1", "push", push_body("refs/heads/dev", head));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("duplicate"), std::string::npos);
    EXPECT_EQ(sql("SELECT count(*) FROM jobs"), "1\n");

    // The history over HTTP: the run and the component's deployment.
    auto runs = get_json(serve.url, "/api/runs?env=test");
    ASSERT_TRUE(runs.HasMember("runs"));
    ASSERT_EQ(runs["runs"].Size(), 1u);
    EXPECT_EQ(std::string(runs["runs"][0]["head"].GetString()), head);
    EXPECT_EQ(std::string(runs["runs"][0]["status"].GetString()), "succeeded");
    auto api = get_json(serve.url, "/api/components/api");
    ASSERT_TRUE(api.HasMember("builds") && api["builds"].Size() == 1u);
    EXPECT_TRUE(api["builds"][0]["remote_id"].IsNull());  // built here, not on CodeBuild
    EXPECT_TRUE(api["builds"][0]["image_digest"].IsNull());
    expect_answers_compressed_as_asked(serve.url);
    expect_components_paged(serve.url);
    EXPECT_EQ(serve.terminate(std::chrono::seconds(30)), 0) << serve.log();
    EXPECT_EQ(serve.log().find(k_webhook_secret), std::string::npos);
    EXPECT_EQ(serve.log().find(k_secret), std::string::npos);
}

TEST_F(Serve, WhatIsNotAValidPushForATriggerBranchQueuesNothing) {
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, serve_args())) << serve.log();
    const std::string head = push_change("api", "v2");
    const std::string body = push_body("refs/heads/dev", head);

    auto r = deliver(serve.url, "bad-sig", "push", body, signature(body, "not-the-secret"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    r = deliver(serve.url, "no-sig", "push", body, "sha256=");
    EXPECT_EQ(r->status, 401);
    r = deliver(serve.url, "p", "ping", R"({"zen":"Keep it logically awesome."})");
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("pong"), std::string::npos);
    r = deliver(serve.url, "tag", "push", push_body("refs/tags/v1", head));
    EXPECT_EQ(r->status, 202);
    EXPECT_NE(r->body.find("ignored"), std::string::npos);
    r = deliver(serve.url, "main", "push", push_body("refs/heads/main", head));
    EXPECT_NE(r->body.find("no environment triggers on branch 'main'"), std::string::npos);
    r = deliver(serve.url, "gone", "push", push_body("refs/heads/dev", head, true));
    EXPECT_NE(r->body.find("ignored"), std::string::npos);
    r = deliver(serve.url, "junk", "push", "{not json");
    EXPECT_EQ(r->status, 400);

    EXPECT_EQ(sql("SELECT count(*) FROM jobs"), "0\n");
    // Unsigned deliveries are not even recorded; the rest are, with their result.
    EXPECT_EQ(sql("SELECT id || ' ' || result FROM deliveries ORDER BY id"),
              "gone ignored\nmain ignored\np pong\ntag ignored\n");
    EXPECT_EQ(serve.log().find(k_webhook_secret), std::string::npos);
}

std::string fmt_chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

// Raw HTTP on a socket: what cpp-httplib's client would not send.
std::string raw_request(const std::string& url, const std::string& head, std::size_t body_bytes) {
    const int port = std::stoi(url.substr(url.rfind(':') + 1));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return "";
    }
    (void)!::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    const std::string chunk(64 * 1024, 'x');
    for (std::size_t sent = 0; sent < body_bytes; sent += chunk.size()) {
        const std::string framed = fmt_chunk(chunk);
        if (::send(fd, framed.data(), framed.size(), MSG_NOSIGNAL) < 0) break;
    }
    std::string answer(4096, '\0');
    const auto n = ::recv(fd, answer.data(), answer.size(), 0);
    ::close(fd);
    return n > 0 ? answer.substr(0, static_cast<std::size_t>(n)) : "";
}

TEST_F(Serve, BodiesOver25MegabytesAreRefusedBeforeTheyAreRead) {
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, serve_args())) << serve.log();
    // Content-Length alone decides: nothing of the body is sent.
    auto answer = raw_request(serve.url,
                              "POST /hooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
                              "X-GitHub-Delivery: big\r\nContent-Length: 26214401\r\n\r\n",
                              0);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
    // Chunked: counted as it arrives.
    answer = raw_request(serve.url,
                         "POST /hooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
                         "X-GitHub-Delivery: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                         26u * 1024 * 1024);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer.substr(0, 200);
    EXPECT_EQ(sql("SELECT count(*) FROM deliveries"), "0\n");
    // The service still answers.
    auto r = deliver(serve.url, "p", "ping", "{}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(Serve, SigtermLetsTheRunningJobFinishAndTheNextStartRunsTheWaitingOne) {
    std::ofstream(gate) << "held\n";
    auto serve = std::make_unique<ServeProcess>();
    ASSERT_TRUE(serve->start(env, serve_args("--grace 60"))) << serve->log();
    const std::string first = push_change("api", "v2");
    const auto one = job_of(deliver(serve->url, "d-1", "push", push_body("refs/heads/dev", first)));
    ASSERT_TRUE(wait_running(serve->url, one)) << serve->log();
    const std::string second = push_change("web", "v2");
    const auto two =
        job_of(deliver(serve->url, "d-2", "push", push_body("refs/heads/dev", second)));
    ASSERT_GT(two, one);

    // The gate is released while serve is stopping.
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        std::filesystem::remove(gate);
    });
    EXPECT_EQ(serve->terminate(std::chrono::seconds(60)), 0) << serve->log();
    release.join();
    EXPECT_EQ(sql("SELECT id || ' ' || status FROM jobs ORDER BY id"),
              std::to_string(one) + " succeeded\n" + std::to_string(two) + " pending\n");
    EXPECT_NE(stack_parameter("shop-test", "ApiImage").find(first.substr(0, 12)),
              std::string::npos);

    serve = std::make_unique<ServeProcess>();
    ASSERT_TRUE(serve->start(env, serve_args())) << serve->log();
    EXPECT_EQ(wait_for_job(serve->url, two), "succeeded") << serve->log();
    EXPECT_NE(stack_parameter("shop-test", "WebImage").find(second.substr(0, 12)),
              std::string::npos);
    // Each build number once: api #1 (first), web #1 (first), web #2 (second).
    EXPECT_EQ(sql("SELECT component || '#' || build_number FROM builds WHERE status = 'succeeded' "
                  "ORDER BY component, build_number"),
              "api#1\nweb#1\nweb#2\n");
}

TEST_F(Serve, TwoReplicasOnOneStoreRunEveryJobOnceAndOneAtATimePerEnvironment) {
    const std::string store = "sqlite:" + (scratch.path() / "team.db").string();
    ServeProcess a, b;
    ASSERT_TRUE(a.start(env, serve_args("--store " + store))) << a.log();
    ASSERT_TRUE(b.start(env, serve_args("--store " + store))) << b.log();
    std::vector<std::int64_t> jobs;
    for (int i = 0; i < 3; ++i) {
        const std::string head = push_change(i % 2 ? "web" : "api", "v" + std::to_string(i + 2));
        auto& replica = i % 2 ? b : a;
        jobs.push_back(job_of(deliver(replica.url, "d-" + std::to_string(i), "push",
                                      push_body("refs/heads/dev", head))));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    // The last one always runs; earlier waiting ones may have been superseded by it.
    EXPECT_EQ(wait_for_job(a.url, jobs.back()), "succeeded") << a.log() << b.log();
    const std::string db = (scratch.path() / "team.db").string();
    EXPECT_EQ(sql("SELECT count(*) FROM jobs WHERE attempts > 1", db), "0\n");
    // No two runs of test overlapped.
    EXPECT_EQ(sql("SELECT count(*) FROM runs r1 JOIN runs r2 ON r1.id < r2.id WHERE r1.env = "
                  "r2.env AND r1.started_at < r2.finished_at AND r2.started_at < r1.finished_at",
                  db),
              "0\n");
    EXPECT_EQ(sql("SELECT count(DISTINCT run_id) = count(*) FROM jobs WHERE run_id != ''", db),
              "1\n");
}

TEST_F(Serve, AReplicaKilledMidRunIsTakenOverAfterItsClaimExpires) {
    const std::string store = "sqlite:" + (scratch.path() / "team.db").string();
    std::ofstream(gate) << "held\n";
    ServeProcess a;
    ASSERT_TRUE(a.start(env, serve_args("--store " + store + " --claim-ttl 2"))) << a.log();
    const std::string head = push_change("api", "v2");
    const auto job = job_of(deliver(a.url, "d-1", "push", push_body("refs/heads/dev", head)));
    ASSERT_TRUE(wait_running(a.url, job)) << a.log();
    ASSERT_TRUE(wait_for_sql("SELECT count(*) FROM runs WHERE status = 'running'", "1\n",
                             (scratch.path() / "team.db").string()))
        << a.log();
    const std::string db = (scratch.path() / "team.db").string();
    // Its builds (api and web: the first deployment builds both) wait on the gate.
    ASSERT_TRUE(wait_for_sql("SELECT count(*) FROM builds WHERE status = 'running' AND pgid > 0",
                             "2\n", db));
    std::istringstream pgids(sql("SELECT pgid FROM builds WHERE status = 'running'", db));
    std::string alive_check = "true";
    for (std::string pgid; std::getline(pgids, pgid);) alive_check += " && kill -0 -" + pgid;
    a.kill9();
    // A's builds outlive it (process groups of their own, waiting on the gate) ...
    EXPECT_EQ(support::run(alive_check).status, 0);
    ServeProcess b;
    ASSERT_TRUE(b.start(env, serve_args("--store " + store + " --claim-ttl 2"))) << b.log();
    // ... until B takes the job over: B stops them before building (issue 25: they appended
    // stale output after B's newer builds), while the gate still holds.
    ASSERT_TRUE(wait_for_sql("SELECT attempts FROM jobs", "2\n", db)) << b.log();
    std::istringstream again(
        sql("SELECT pgid FROM builds WHERE run_id = (SELECT id FROM runs "
            "ORDER BY started_at LIMIT 1) AND pgid > 0",
            db));
    for (std::string pgid; std::getline(again, pgid);) {
        const std::string group = "kill -0 -" + pgid;
        for (int i = 0; i < 100 && support::run(group).status == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        EXPECT_NE(support::run(group).status, 0) << "A's build group " << pgid << " still runs";
    }
    std::filesystem::remove(gate);
    EXPECT_EQ(wait_for_job(b.url, job), "succeeded") << b.log();
    EXPECT_EQ(sql("SELECT attempts FROM jobs", db), "2\n");
    EXPECT_NE(stack_parameter("shop-test", "ApiImage").find(head.substr(0, 12)), std::string::npos);
    // The killed replica's run is marked interrupted, the taker's succeeded.
    EXPECT_EQ(sql("SELECT status FROM runs ORDER BY started_at", db), "interrupted\nsucceeded\n");
}

// A replica stopped (SIGSTOP) past its claim, whose job another replica took over, must not
// deploy when it resumes: its claim is lost (not renewed in time, then refused), so its run is
// cancelled before the deploy phase. Only the taker's run deploys.
TEST_F(Serve, AReplicaResumedPastItsClaimNeverDeploys) {
    const std::string store = "sqlite:" + (scratch.path() / "team.db").string();
    const std::string db = (scratch.path() / "team.db").string();
    std::ofstream(gate) << "held\n";
    ServeProcess a;
    ASSERT_TRUE(a.start(env, serve_args("--store " + store + " --claim-ttl 2"))) << a.log();
    const std::string head = push_change("api", "v2");
    const auto job = job_of(deliver(a.url, "d-1", "push", push_body("refs/heads/dev", head)));
    ASSERT_TRUE(wait_for_sql("SELECT count(*) FROM runs WHERE status = 'running'", "1\n", db))
        << a.log();
    a.signal(SIGSTOP);
    std::this_thread::sleep_for(std::chrono::seconds(3));  // past A's claim
    ServeProcess b;
    ASSERT_TRUE(b.start(env, serve_args("--store " + store + " --claim-ttl 2"))) << b.log();
    ASSERT_TRUE(wait_for_sql("SELECT attempts FROM jobs", "2\n", db)) << b.log();
    a.signal(SIGCONT);
    std::filesystem::remove(gate);
    EXPECT_EQ(wait_for_job(b.url, job), "succeeded") << b.log();
    // Give A time to reach (and refuse) its deploy phase, had it been going to.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    EXPECT_EQ(sql("SELECT count(*) FROM deployments", db), "1\n") << a.log();
    EXPECT_EQ(sql("SELECT count(*) || ' ' || sum(status = 'succeeded') FROM runs", db), "2 1\n")
        << a.log();
    EXPECT_NE(stack_parameter("shop-test", "ApiImage").find(head.substr(0, 12)), std::string::npos);
}

// The team set-up of issue 16: two replicas on one DynamoDB table (moto). Replica A holds a
// run (its build waits on the gate) and is killed; B, started on the same table, takes the
// job over once A's claim expires and runs it, and then a push delivered to B runs too. The
// aws CLI reads the job items and the stack.
TEST_F(Serve, TwoReplicasOnADynamoDbTableTakeOverFromAKilledOne) {
    const std::string store = "dynamodb://serve-team?region=us-east-1";
    auto init = support::run(env + shell_quote(support::slipway_binary()) +
                             " store init --store '" + store + "' --repo " + shell_quote(clone));
    ASSERT_EQ(init.status, 0) << init.err;
    std::ofstream(gate) << "held\n";
    const std::string args = serve_args("--store '" + store + "' --claim-ttl 2");
    ServeProcess a;
    ASSERT_TRUE(a.start(env, args)) << a.log();
    const std::string first = push_change("api", "v2");
    const auto job = job_of(deliver(a.url, "d-1", "push", push_body("refs/heads/dev", first)));
    ASSERT_GT(job, 0);
    ASSERT_TRUE(wait_running(a.url, job)) << a.log();
    ServeProcess b;
    ASSERT_TRUE(b.start(env, args)) << b.log();
    a.kill9();
    std::filesystem::remove(gate);
    EXPECT_EQ(wait_for_job(b.url, job), "succeeded") << b.log();
    EXPECT_NE(stack_parameter("shop-test", "ApiImage").find(first.substr(0, 12)),
              std::string::npos);

    const std::string second = push_change("web", "v2");
    const auto next = job_of(deliver(b.url, "d-2", "push", push_body("refs/heads/dev", second)));
    EXPECT_EQ(wait_for_job(b.url, next), "succeeded") << b.log();
    EXPECT_NE(stack_parameter("shop-test", "WebImage").find(second.substr(0, 12)),
              std::string::npos);

    // The table itself: job 1 ran twice (A's interrupted attempt, B's), job 2 once.
    auto jobs =
        aws("dynamodb query --table-name serve-team --key-condition-expression 'pk = :p' "
            "--expression-attribute-values '{\":p\":{\"S\":\"JOBS\"}}' "
            "--query 'Items[].[id.N, attempts.N, status.S]' --output text");
    ASSERT_EQ(jobs.status, 0) << jobs.err;
    EXPECT_EQ(jobs.out,
              std::to_string(job) + "\t2\tsucceeded\n" + std::to_string(next) + "\t1\tsucceeded\n");
    auto runs = get_json(b.url, "/api/runs?env=test");
    ASSERT_TRUE(runs.HasMember("runs"));
    std::string statuses;
    for (const auto& r : runs["runs"].GetArray())
        statuses += std::string(r["status"].GetString()) + " ";
    EXPECT_EQ(statuses, "succeeded succeeded interrupted ");
    EXPECT_EQ(b.terminate(std::chrono::seconds(30)), 0) << b.log();
}

TEST_F(Serve, ABurstOfPushesRunsAtMostTwiceAndDeploysTheNewest) {
    std::ofstream(gate) << "held\n";
    ServeProcess serve;
    ASSERT_TRUE(serve.start(env, serve_args())) << serve.log();
    std::string head;
    std::vector<std::int64_t> jobs;
    for (int i = 0; i < 5; ++i) {
        head = push_change(i % 2 ? "web" : "api", "v" + std::to_string(i + 2));
        auto r = deliver(serve.url, "burst-" + std::to_string(i), "push",
                         push_body("refs/heads/dev", head));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 202) << r->body;
        jobs.push_back(job_of(r));
        if (i == 0) {
            ASSERT_TRUE(wait_running(serve.url, jobs[0])) << serve.log();
        }
    }
    // The same commit delivered twice (two hooks on one repository): one job.
    auto again = deliver(serve.url, "burst-again", "push", push_body("refs/heads/dev", head));
    EXPECT_NE(again->body.find("dropped"), std::string::npos) << again->body;
    std::filesystem::remove(gate);
    EXPECT_EQ(wait_for_job(serve.url, jobs.back()), "succeeded") << serve.log();
    EXPECT_EQ(wait_for_job(serve.url, jobs.front()), "succeeded");
    EXPECT_EQ(sql("SELECT count(*) FROM runs"), "2\n");
    EXPECT_EQ(sql("SELECT count(*) FROM jobs WHERE status = 'superseded'"), "3\n");
    EXPECT_NE(stack_parameter("shop-test", "WebImage").find(head.substr(0, 12)), std::string::npos);
}

TEST_F(Serve, AJobPastTheGraceIsCancelledAndQueuedAgainAtTheNextStart) {
    std::ofstream(gate) << "held\n";
    auto serve = std::make_unique<ServeProcess>();
    ASSERT_TRUE(serve->start(env, serve_args("--grace 1"))) << serve->log();
    const std::string head = push_change("api", "v2");
    const auto job = job_of(deliver(serve->url, "d-1", "push", push_body("refs/heads/dev", head)));
    ASSERT_TRUE(wait_running(serve->url, job)) << serve->log();
    EXPECT_EQ(serve->terminate(std::chrono::seconds(30)), 0) << serve->log();
    EXPECT_EQ(sql("SELECT status FROM jobs"), "interrupted\n");
    EXPECT_EQ(sql("SELECT status FROM runs"), "cancelled\n");
    EXPECT_EQ(sql("SELECT count(*) FROM deployments"), "0\n");
    // The next start queues the interrupted head again (issue 25: it waited for the next push,
    // and the reconciler skipped it, comparing with the last job's head) and deploys it.
    std::filesystem::remove(gate);
    serve = std::make_unique<ServeProcess>();
    ASSERT_TRUE(serve->start(env, serve_args())) << serve->log();
    const std::string again = "restart:job#" + std::to_string(job);
    ASSERT_TRUE(
        wait_for_sql("SELECT status FROM jobs WHERE trigger = '" + again + "'", "succeeded\n"))
        << serve->log();
    EXPECT_EQ(sql("SELECT head FROM jobs WHERE trigger = '" + again + "'"), head + "\n");
    EXPECT_NE(stack_parameter("shop-test", "ApiImage").find(head.substr(0, 12)), std::string::npos);
    // And the next push runs after it.
    const std::string next = push_change("web", "v2");
    const auto job2 = job_of(deliver(serve->url, "d-2", "push", push_body("refs/heads/dev", next)));
    EXPECT_EQ(wait_for_job(serve->url, job2), "succeeded") << serve->log();
    EXPECT_NE(stack_parameter("shop-test", "WebImage").find(next.substr(0, 12)), std::string::npos);
    // A third start finds nothing to repeat: the head is deployed.
    serve = std::make_unique<ServeProcess>();
    ASSERT_TRUE(serve->start(env, serve_args())) << serve->log();
    EXPECT_EQ(sql("SELECT count(*) FROM jobs"), "3\n");
}

// Events are best effort: a push that no event announced is found by the reconciler (after
// a fetch, at start and every --reconcile-every seconds) and run once.
TEST_F(Serve, TheReconcilerRunsAPushNoEventAnnounced) {
    const std::string head = push_change("api", "v2");  // before the service fetches
    ServeProcess serve;
    const std::string args =
        "--listen 127.0.0.1:0 --repo " + shell_quote(clone) + " --reconcile-every 1";
    ASSERT_TRUE(serve.start(env, args)) << serve.log();
    ASSERT_TRUE(wait_for_sql("SELECT count(*) FROM jobs WHERE head = '" + head + "'", "1\n"))
        << serve.log();
    const auto job = std::stoll(sql("SELECT id FROM jobs WHERE head = '" + head + "'"));
    EXPECT_EQ(wait_for_job(serve.url, job), "succeeded") << serve.log();
    EXPECT_NE(stack_parameter("shop-test", "ApiImage").find(head.substr(0, 12)), std::string::npos);
    // Later checks find it queued already: still one job, one run.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    EXPECT_EQ(sql("SELECT count(*) FROM jobs"), "1\n");
    EXPECT_EQ(sql("SELECT source || ' ' || result FROM deliveries"), "reconciler queued\n");
}

}  // namespace
}  // namespace serve_test
