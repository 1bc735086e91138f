// What moto cannot do, from a scripted server on 127.0.0.1 (one reply per request, in
// order): CodeBuild's concurrent-build quota, throttling and 5xx answers mid-poll are
// waited out; CodeBuild out of reach for good fails the run and leaves the build recorded
// running for the next run. The requests slipway sent are checked one by one.
#include <gtest/gtest.h>

#include <fstream>

#include "components/builder.hpp"
#include "components/codebuild_runner.hpp"
#include "support/git_repo.hpp"
#include "support/scripted_server.hpp"
#include "versioning/version_store.hpp"

namespace {

using support::ScriptedReply;
using support::ScriptedServer;
using versioning::BuildStatus;

ScriptedReply json(int status, const std::string& body) {
    return {false, status, {{"x-amzn-RequestId", "req"}}, body};
}

ScriptedReply error(int status, const std::string& type, const std::string& message) {
    return json(status, R"({"__type": ")" + type + R"(", "message": ")" + message + R"("})");
}

const std::string k_arn = "arn:aws:codebuild:us-east-1:123456789012:build/p:1";

std::string build(const std::string& status, bool complete, const std::string& extra = "") {
    return R"({"id": "p:1", "arn": ")" + k_arn + R"(", "buildStatus": ")" + status +
           R"(", "currentPhase": "BUILD", "buildComplete": )" + (complete ? "true" : "false") +
           R"(, "phases": [{"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED"}],)"
           R"( "logs": {"groupName": "/aws/codebuild/p", "streamName": "1"})" +
           extra + "}";
}

ScriptedReply events(const std::string& messages, const std::string& next) {
    return json(200, R"({"events": [)" + messages + R"(], "nextForwardToken": ")" + next + R"("})");
}

class NullObserver final : public components::BuildObserver {
  public:
    void started(std::size_t, const components::BuildOutcome&) override {}
    void finished(std::size_t, const components::BuildOutcome&) override {}
    void line(std::size_t, std::string_view) override {}
};

struct Harness {
    explicit Harness(const ScriptedServer& server) {
        manifest = *components::parse_manifest(
            "image: {repository: r}\nremote: {codebuild: {project: p}}\ncomponents:\n"
            "  api: {paths: [api/], parameter: A, build: make api, remote: codebuild}\n",
            "m.yml");
        graph = *components::build_graph(manifest);
        store = std::move(*versioning::open_store("sqlite:state.db", dir.path().string()));
        aws::ClientOptions o;
        o.env = aws::env_of({{"AWS_ENDPOINT_URL", server.url()}});
        o.region = "us-east-1";
        o.credentials = aws::static_credentials({"AKIDTEST", "SECRETKEY123", ""});
        o.random = [] { return 0.0; };
        o.sleep = [](std::chrono::milliseconds) {};
        client = std::make_shared<aws::Client>(o);
        settings.run_id = "run-1";
        settings.commit = std::string(40, 'a');
        settings.log_dir = dir.path().string();
        settings.image = manifest.image;
        settings.now = [] { return 1000; };
    }
    common::Result<components::BuildReport> run(int max_failed_polls = 20) {
        auto plan = components::BuildPlan::make(manifest, graph, {"api"});
        components::CodeBuildRunnerOptions options;
        options.target = *manifest.codebuild;
        options.commit = settings.commit;
        options.poll_min = std::chrono::milliseconds(5);
        options.poll_max = std::chrono::milliseconds(20);
        options.max_failed_polls = max_failed_polls;
        auto remote = components::make_codebuild_runner(client, options);
        components::Runners runners{nullptr, remote.get()};
        NullObserver observer;
        return components::run_builds(plan, {"h"}, *store, runners, observer, settings);
    }
    support::TempDir dir;
    components::Manifest manifest;
    components::ComponentGraph graph;
    std::unique_ptr<versioning::VersionStore> store;
    std::shared_ptr<aws::Client> client;
    components::BuildSettings settings;
};

// The operation of each request, and the body of each StartBuild.
std::vector<std::string> operations(const ScriptedServer& server,
                                    std::vector<std::string>* starts) {
    std::vector<std::string> out;
    for (const auto& r : server.requests()) {
        const auto at = r.find("X-Amz-Target: ");
        const auto dot = r.find('.', at);
        out.push_back(r.substr(dot + 1, r.find('\r', dot) - dot - 1));
        if (out.back() == "StartBuild") starts->push_back(r.substr(r.find("\r\n\r\n") + 4));
    }
    return out;
}

TEST(CodeBuildFaults, TheQuotaThrottlingAndServerErrorsAreWaitedOut) {
    ScriptedServer server({
        error(400, "AccountLimitExceededException",
              "Cannot have more than 1 active builds for the account"),
        json(200, R"({"build": )" + build("IN_PROGRESS", false) + "}"),
        error(500, "InternalFailure", "boom"),  // a poll that fails three times
        error(503, "ServiceUnavailable", "boom"),
        error(500, "InternalFailure", "boom"),
        error(400, "ThrottlingException", "Rate exceeded"),  // the next one, retried
        json(200, R"({"builds": [)" + build("IN_PROGRESS", false) + "]}"),
        events(R"({"message": "a\n"}, {"message": "b\n"})", "f/1"),
        json(
            200,
            R"({"builds": [)" +
                build(
                    "SUCCEEDED", true,
                    R"(, "exportedEnvironmentVariables": [{"name": "SLIPWAY_IMAGE_DIGEST", "value": "sha256:abc"}])") +
                "]}"),
        events(R"({"message": "c\n"})", "f/2"),
        events("", "f/2"),
    });
    Harness h(server);
    auto report = h.run();
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_EQ(report->builds.size(), 1u);
    const auto& b = report->builds[0];
    EXPECT_EQ(b.status, BuildStatus::succeeded);
    EXPECT_EQ(b.image_digest, "sha256:abc");
    EXPECT_EQ(b.handle.remote_id, k_arn);
    std::vector<std::string> starts;
    EXPECT_EQ(operations(server, &starts),
              (std::vector<std::string>{"StartBuild", "StartBuild", "BatchGetBuilds",
                                        "BatchGetBuilds", "BatchGetBuilds", "BatchGetBuilds",
                                        "BatchGetBuilds", "GetLogEvents", "BatchGetBuilds",
                                        "GetLogEvents", "GetLogEvents"}));
    ASSERT_EQ(starts.size(), 2u);
    EXPECT_EQ(starts[0], starts[1]);  // the same request, the same idempotency token
    EXPECT_NE(starts[0].find(R"("idempotencyToken":"run-1:api:1")"), std::string::npos);
    EXPECT_NE(starts[0].find(R"({"name":"SLIPWAY_BUILD_COMMAND","value":"make api")"),
              std::string::npos)
        << starts[0];
    std::ifstream log(b.log_path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(log, l);) {
        if (!l.starts_with("[codebuild]")) lines.push_back(l);
    }
    EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ((*h.store->builds_of("api", 1))[0].status, BuildStatus::succeeded);
}

// CodeBuild gone for good: the run fails (exit 4), and the build, which may still run there,
// stays recorded running with its ARN, so the next run awaits it.
TEST(CodeBuildFaults, CodeBuildOutOfReachFailsTheRunAndKeepsTheBuildForTheNext) {
    ScriptedServer server({
        json(200, R"({"build": )" + build("IN_PROGRESS", false) + "}"),
        error(500, "InternalFailure", "boom"),  // from here on, every answer
    });
    Harness h(server);
    auto report = h.run(3);
    ASSERT_FALSE(report);
    EXPECT_EQ(report.error().code, common::ErrorCode::external);
    EXPECT_NE(report.error().message.find("no answer from CodeBuild"), std::string::npos)
        << report.error().message;
    auto stored = (*h.store->builds_of("api", 1))[0];
    EXPECT_EQ(stored.status, BuildStatus::running);
    EXPECT_EQ(stored.handle.remote_id, k_arn);
}

}  // namespace
