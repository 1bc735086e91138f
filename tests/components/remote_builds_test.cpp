// Builds on CodeBuild through the executor: moto_server (tests/support/moto_launcher.py,
// whose CodeBuild advances one phase per poll, runs the build script the test writes and
// logs to CloudWatch Logs) on loopback with real SigV4, real local processes for the local
// builds, a real SQLite store. Answers are checked with a second API call.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>

#include "components/builder.hpp"
#include "components/codebuild_api.hpp"
#include "components/codebuild_runner.hpp"
#include "support/git_repo.hpp"
#include "support/moto.hpp"
#include "versioning/version_store.hpp"

namespace {

using versioning::BuildStatus;

const std::string k_project = "slipway-builds";

support::TempDir& scratch() {
    static support::TempDir dir;
    return dir;
}

std::string script_path() {
    return (scratch().path() / "codebuild.json").string();
}

support::MotoServer& moto() {
    static support::MotoServer server({{"MOTO_CODEBUILD_SCRIPT", script_path()}});
    return server;
}

aws::ClientOptions moto_options() {
    aws::ClientOptions o;
    o.env = aws::env_of({{"AWS_ENDPOINT_URL", moto().url()}});
    o.region = "us-east-1";
    o.credentials = aws::static_credentials({"AKIDTEST", "test-secret", ""});
    o.random = [] { return 0.0; };  // retries without waiting
    return o;
}

// Records every start and end (and the lines) in order, and can interrupt the run once a
// line it waits for appears.
class Recorder final : public components::BuildObserver {
  public:
    void started(std::size_t, const components::BuildOutcome& b) override {
        events.push_back("start " + b.component);
    }
    void finished(std::size_t, const components::BuildOutcome& b) override {
        events.push_back("end " + b.component + " " + std::string(versioning::to_string(b.status)));
    }
    void line(std::size_t, std::string_view text) override {
        if (!interrupt_on.empty() && text.find(interrupt_on) != std::string_view::npos &&
            interrupt_fd >= 0) {
            (void)!::write(interrupt_fd, "x", 1);
            interrupt_fd = -1;
        }
    }
    [[nodiscard]] std::size_t at(const std::string& event) const {
        return static_cast<std::size_t>(std::find(events.begin(), events.end(), event) -
                                        events.begin());
    }
    std::vector<std::string> events;
    std::string interrupt_on;
    int interrupt_fd = -1;
};

class RemoteBuilds : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!moto().available()) GTEST_SKIP() << moto().why_not();
        aws::Client admin(moto_options());
        auto made = admin.json(
            aws::codebuild_service(), "CodeBuild_20161006",
            {"CreateProject", "codebuild:CreateProject"},
            R"({"name":")" + k_project +
                R"(","source":{"type":"NO_SOURCE","location":"x"},"artifacts":{"type":"NO_ARTIFACTS"},)"
                R"("environment":{"type":"LINUX_CONTAINER","image":"aws/codebuild/standard:7.0",)"
                R"("computeType":"BUILD_GENERAL1_SMALL"},"serviceRole":"arn:aws:iam::123456789012:role/cb"})");
        ASSERT_TRUE(made || made.error().message.find("ResourceAlreadyExists") != std::string::npos)
            << made.error().message;
        std::string yaml =
            "image: {repository: r}\n"
            "remote: {codebuild: {project: " +
            k_project +
            ", compute_type: BUILD_GENERAL1_MEDIUM}}\n"
            "components:\n"
            "  lib: {paths: [lib/], kind: library, build: 'printf \"lib built\\n\"'}\n"
            "  api: {paths: [api/], parameter: A, build: make api, depends_on: [lib], remote: "
            "codebuild}\n"
            "  web: {paths: [web/], parameter: W, build: 'true', depends_on: [api]}\n"
            "  solo: {paths: [solo/], parameter: S, build: 'true'}\n";
        manifest = *components::parse_manifest(yaml, "m.yml");
        graph = *components::build_graph(manifest);
        store = std::move(*versioning::open_store("sqlite:state.db", dir.path().string()));
        ASSERT_EQ(::pipe(interrupt), 0);
        // Run ids are unique, and so are the idempotency tokens made of them.
        settings.run_id = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        settings.commit = "0123456789abcdef0123456789abcdef01234567";
        settings.repo_root = dir.path().string();
        settings.log_dir = dir.path().string();
        settings.image = manifest.image;
        settings.jobs = 2;
        settings.remote_jobs = 4;
        settings.interrupt_fd = interrupt[0];
        settings.now = [] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                .count();
        };
        recorder.interrupt_fd = interrupt[1];
    }
    void TearDown() override {
        if (interrupt[0] >= 0) ::close(interrupt[0]), ::close(interrupt[1]);
    }

    void write_script(const std::string& json) { std::ofstream(script_path()) << json; }

    components::BuildReport run(bool all_remote = false) {
        auto plan =
            components::BuildPlan::make(manifest, graph, manifest.component_names(), all_remote);
        std::vector<std::string> hashes(plan.size(), "h");
        auto local = components::make_process_runner(std::chrono::seconds(1));
        components::CodeBuildRunnerOptions options;
        options.target = *manifest.codebuild;
        options.commit = settings.commit;
        options.poll_min = std::chrono::milliseconds(20);
        options.poll_max = std::chrono::milliseconds(80);
        auto remote = components::make_codebuild_runner(
            std::make_shared<aws::Client>(moto_options()), options);
        components::Runners runners{local.get(), remote.get()};
        auto report = components::run_builds(plan, hashes, *store, runners, recorder, settings);
        EXPECT_TRUE(report) << report.error().message;
        return report ? *report : components::BuildReport{};
    }

    static const components::BuildOutcome& of(const components::BuildReport& r,
                                              const std::string& name) {
        for (const auto& b : r.builds) {
            if (b.component == name) return b;
        }
        throw std::logic_error("no build of " + name);
    }

    // What CodeBuild says of a build now.
    static components::CodeBuildBuild remote_build(const std::string& arn) {
        aws::Client client(moto_options());
        components::CodeBuildApi api(client);
        auto builds = api.batch_get_builds({components::build_id_of(arn)});
        EXPECT_TRUE(builds && builds->size() == 1);
        return builds && !builds->empty() ? (*builds)[0] : components::CodeBuildBuild{};
    }

    // How many builds the project has had.
    static std::size_t count_builds() {
        aws::Client client(moto_options());
        auto ids = client.json(aws::codebuild_service(), "CodeBuild_20161006",
                               {"ListBuildsForProject", "codebuild:ListBuildsForProject"},
                               R"({"projectName":")" + k_project + "\"}");
        EXPECT_TRUE(ids);
        std::size_t n = 0;
        for (auto at = ids->find(k_project + ":"); at != std::string::npos;
             at = ids->find(k_project + ":", at + 1))
            ++n;
        return n;
    }

    static std::vector<std::string> lines_of(const std::string& path) {
        std::ifstream in(path);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }

    support::TempDir dir;
    components::Manifest manifest;
    components::ComponentGraph graph;
    std::unique_ptr<versioning::VersionStore> store;
    components::BuildSettings settings;
    Recorder recorder;
    int interrupt[2] = {-1, -1};
};

// lib (local) -> api (CodeBuild) -> web (local): each starts only after what it waits for
// succeeded; CodeBuild gets the build's SLIPWAY_* variables and the command, and the build
// ARN is in the store.
TEST_F(RemoteBuilds, APlanMixesLocalAndRemoteBuildsAcrossDependencies) {
    write_script(R"({"api": {"exports": {"SLIPWAY_IMAGE_DIGEST": "sha256:feed"}}})");
    auto r = run();
    EXPECT_TRUE(r.all_succeeded());
    EXPECT_LT(recorder.at("end lib succeeded"), recorder.at("start api"));
    EXPECT_LT(recorder.at("end api succeeded"), recorder.at("start web"));
    const auto& api = of(r, "api");
    ASSERT_TRUE(api.handle.remote_id.starts_with("arn:aws:codebuild:us-east-1:"))
        << api.handle.remote_id;
    EXPECT_EQ(api.image_digest, "sha256:feed");
    auto stored = (*store->builds_of("api", 1))[0];
    EXPECT_EQ(stored.status, BuildStatus::succeeded);
    EXPECT_EQ(stored.handle.remote_id, api.handle.remote_id);
    EXPECT_EQ(stored.image_digest, "sha256:feed");
    auto build = remote_build(api.handle.remote_id);
    EXPECT_EQ(build.status, "SUCCEEDED");
    const auto log = lines_of(api.log_path);
    for (const char* expected :
         {"SLIPWAY_BUILD_COMMAND=make api", "SLIPWAY_BUILD_NUMBER=1", "SLIPWAY_COMPONENT=api",
          "SLIPWAY_IMAGE_URI=r:api-1", "SLIPWAY_COMMIT=0123456789abcdef0123456789abcdef01234567"}) {
        EXPECT_NE(std::find(log.begin(), log.end(), expected), log.end()) << expected;
    }
    EXPECT_EQ(
        std::count_if(log.begin(), log.end(),
                      [](const std::string& l) { return l.starts_with("SLIPWAY_REPO_ROOT"); }),
        0);  // the local checkout means nothing there
    EXPECT_EQ(lines_of(of(r, "lib").log_path), std::vector<std::string>{"lib built"});
}

TEST_F(RemoteBuilds, ARemoteFailureSkipsItsDependentsAndIndependentWorkGoesOn) {
    write_script(R"({"api": {"outcome": "FAILED", "exit_status": 3}})");
    auto r = run();
    EXPECT_FALSE(r.all_succeeded());
    EXPECT_EQ(of(r, "api").status, BuildStatus::failed);
    EXPECT_EQ(of(r, "api").exit_code, 3);
    EXPECT_EQ(of(r, "web").status, BuildStatus::skipped);
    EXPECT_EQ(of(r, "solo").status, BuildStatus::succeeded);
    EXPECT_EQ((*store->builds_of("api", 1))[0].exit_code, 3);
    const auto log = lines_of(of(r, "api").log_path);
    EXPECT_NE(std::find_if(
                  log.begin(), log.end(),
                  [](const std::string& l) { return l.find("BUILD FAILED") != std::string::npos; }),
              log.end());
}

TEST_F(RemoteBuilds, FaultsAndTimeoutsEndAsCodeBuildSays) {
    write_script(R"({"*": {"outcome": "FAULT", "in_phase": "PROVISIONING"},
                     "web": {"outcome": "TIMED_OUT", "in_phase": "BUILD"}})");
    auto r = run(true);  // --remote codebuild: every build goes there
    EXPECT_EQ(of(r, "lib").status, BuildStatus::failed);
    EXPECT_FALSE(of(r, "lib").exit_code);
    EXPECT_EQ(of(r, "api").status, BuildStatus::skipped);
    EXPECT_EQ(of(r, "solo").status, BuildStatus::failed);
    write_script(R"({"*": {"outcome": "TIMED_OUT", "in_phase": "BUILD"}})");
    settings.run_id += "-again";
    auto again = run(true);
    EXPECT_EQ(of(again, "lib").status, BuildStatus::timed_out);
}

// Ctrl-C while a remote build runs: CodeBuild is told to stop it, and it ends cancelled.
TEST_F(RemoteBuilds, CancelStopsRemoteBuilds) {
    write_script(R"({"api": {"build_ms": 60000}})");
    recorder.interrupt_on = "Entering phase BUILD";
    auto r = run();
    EXPECT_TRUE(r.interrupted);
    const auto& api = of(r, "api");
    EXPECT_EQ(api.status, BuildStatus::cancelled);
    EXPECT_EQ(of(r, "web").status, BuildStatus::cancelled);
    EXPECT_EQ(remote_build(api.handle.remote_id).status, "STOPPED");
    EXPECT_EQ((*store->builds_of("api", 1))[0].status, BuildStatus::cancelled);
}

// --fail-fast: a local failure stops the remote build that runs beside it.
TEST_F(RemoteBuilds, FailFastStopsRemoteBuilds) {
    write_script(R"({"api": {"build_ms": 60000}})");
    manifest.components[3].build = "sh -c 'sleep 1; exit 4'";  // solo fails while api runs
    settings.fail_fast = true;
    auto r = run();
    EXPECT_EQ(of(r, "solo").status, BuildStatus::failed);
    EXPECT_EQ(of(r, "web").status, BuildStatus::skipped);
    const auto& api = of(r, "api");
    EXPECT_EQ(api.status, BuildStatus::cancelled);
    EXPECT_EQ(remote_build(api.handle.remote_id).status, "STOPPED");
}

// The build's log lines reach the log file whole and in order, while it runs and after.
TEST_F(RemoteBuilds, LogsArriveInOrder) {
    std::string lines;
    for (int i = 1; i <= 40; ++i)
        lines += (i > 1 ? "," : "") + std::string("\"line ") + std::to_string(i) + "\"";
    write_script(R"({"api": {"log": [)" + lines + "]}}");
    auto r = run();
    ASSERT_TRUE(r.all_succeeded());
    std::vector<std::string> got;
    for (const auto& l : lines_of(of(r, "api").log_path)) {
        if (l.starts_with("line ")) got.push_back(l);
    }
    ASSERT_EQ(got.size(), 40u);
    for (int i = 1; i <= 40; ++i) EXPECT_EQ(got[i - 1], "line " + std::to_string(i));
}

// An interrupted run's remote build (recorded running with its ARN) is awaited by the next
// plan that needs it: no second StartBuild, the same number, its end recorded.
TEST_F(RemoteBuilds, AnInterruptedRunsRemoteBuildIsAwaitedNotStartedAgain) {
    write_script(R"({"api": {"build_ms": 300}})");
    aws::Client client(moto_options());
    components::CodeBuildApi api(client);
    components::CodeBuildStart start{k_project,
                                     settings.commit,
                                     {{"SLIPWAY_COMPONENT", "api"}},
                                     "dead-run:api:1",
                                     "",
                                     "",
                                     std::nullopt,
                                     0};
    auto started = api.start_build(start);
    ASSERT_TRUE(started) << started.error().message;
    const std::size_t builds = count_builds();
    versioning::RunRecord dead{
        "dead-run", "cli", "", "HEAD", "", versioning::RunStatus::running, 1, {}, "host", 1, 1};
    ASSERT_TRUE(store->begin_run(dead));
    auto reserved =
        store->reserve_build({"api", settings.commit, "h", "dead-run", 1, "api.log"},
                             [](std::int64_t n) { return "r:api-" + std::to_string(n); });
    ASSERT_TRUE(reserved);
    ASSERT_TRUE(store->start_build("api", 1, 2, {0, 0, started->arn}));
    ASSERT_TRUE(store->recover_interrupted(
        "host", 3, [](auto, auto) { return false; }, [](const auto&) {}));
    auto orphans = *store->orphaned_remote_builds();
    ASSERT_EQ(orphans.size(), 1u);
    auto plan = components::BuildPlan::make(manifest, graph, manifest.component_names());
    std::vector<std::string> hashes(plan.size(), "h");
    std::vector<versioning::BuildRecord> unwanted;
    settings.adopt = components::adoptable_builds(plan, hashes, orphans, true, unwanted);
    EXPECT_TRUE(unwanted.empty());
    auto r = run();
    ASSERT_TRUE(r.all_succeeded());
    const auto& awaited = of(r, "api");
    EXPECT_TRUE(awaited.adopted);
    EXPECT_EQ(awaited.build_number, 1);
    EXPECT_EQ(awaited.handle.remote_id, started->arn);
    EXPECT_EQ(*store->peek_next_number("api"), 2);  // no new number
    EXPECT_EQ(count_builds(), builds);              // no StartBuild
    EXPECT_EQ((*store->builds_of("api", 1))[0].status, BuildStatus::succeeded);
    EXPECT_TRUE(store->orphaned_remote_builds()->empty());
}

}  // namespace
