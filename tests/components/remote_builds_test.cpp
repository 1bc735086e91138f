// Builds on CodeBuild through the executor: moto_server (tests/support/moto_launcher.py,
// whose CodeBuild is a local build agent: it clones the project's source -- a bare
// repository made here -- at the build's commit and runs manifests/remote/buildspec-remote.yml
// from it, logging to CloudWatch Logs) on loopback with real SigV4, real local processes for
// the local builds, a real SQLite store. What a build did is checked through the APIs: its
// output in CloudWatch Logs, the image it pushed in ECR.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

#include "components/builder.hpp"
#include "components/codebuild_api.hpp"
#include "components/codebuild_runner.hpp"
#include "support/git_repo.hpp"
#include "support/moto.hpp"
#include "versioning/version_store.hpp"

namespace {

using versioning::BuildStatus;

const std::string k_project = "slipway-builds";
const std::string k_registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

support::TempDir& scratch() {
    static support::TempDir dir;
    return dir;
}

std::string control_path() {
    return (scratch().path() / "codebuild.json").string();
}

support::MotoServer& moto() {
    static support::MotoServer server({{"MOTO_CODEBUILD_CONTROL", control_path()}});
    return server;
}

// api's build: prints its token and its SLIPWAY_* variables, writes an image manifest that
// carries the token and pushes it to ECR (moto) with the aws CLI, as `docker push` would.
const char* k_api_build = R"(#!/bin/sh
set -e
echo "token $1"
env | grep '^SLIPWAY_' | sort
mkdir -p out
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%064d","size":2},"layers":[],"annotations":{"token":"%s"}}' 0 "$1" > out/manifest.json
aws ecr put-image --repository-name app --image-tag "${SLIPWAY_IMAGE_URI##*:}" --image-manifest file://out/manifest.json >/dev/null
)";

// The project's source: a bare repository holding the buildspec slipway ships and api's
// build script, made once.
struct Source {
    Source() {
        std::ifstream spec(std::string(MANIFESTS_DIR) + "/remote/buildspec-remote.yml");
        std::stringstream text;
        text << spec.rdbuf();
        work.write("manifests/remote/buildspec-remote.yml", text.str());
        work.write("api/build.sh", k_api_build);
        work.write("api/src", "v1\n");
        commit = work.commit("init");
        bare = (bare_dir.path() / "repo.git").string();
        support::run("git clone -q --bare " + support::shell_quote(work.path()) + " " +
                     support::shell_quote(bare));
    }
    support::GitRepo work;
    support::TempDir bare_dir;
    std::string bare;
    std::string commit;
};

Source& source() {
    static Source s;
    return s;
}

std::string random_token() {
    static std::mt19937_64 rng(std::random_device{}());
    return std::to_string(rng());
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
            R"({"name":")" + k_project + R"(","source":{"type":"CODECOMMIT","location":")" +
                source().bare +
                R"(","buildspec":"manifests/remote/buildspec-remote.yml"},)"
                R"("artifacts":{"type":"NO_ARTIFACTS"},)"
                R"("environment":{"type":"LINUX_CONTAINER","image":"aws/codebuild/standard:7.0",)"
                R"("computeType":"BUILD_GENERAL1_SMALL"},"serviceRole":"arn:aws:iam::123456789012:role/cb"})");
        ASSERT_TRUE(made || made.error().message.find("ResourceAlreadyExists") != std::string::npos)
            << made.error().message;
        auto repo =
            admin.json(aws::ecr_service(), "AmazonEC2ContainerRegistry_V20150921",
                       {"CreateRepository", "ecr:CreateRepository"}, R"({"repositoryName":"app"})");
        ASSERT_TRUE(repo ||
                    repo.error().message.find("RepositoryAlreadyExists") != std::string::npos)
            << repo.error().message;
        write_control("{}");
        token = random_token();
        set_manifest("sh api/build.sh " + token);
        store = std::move(*versioning::open_store("sqlite:state.db", dir.path().string()));
        ASSERT_EQ(::pipe(interrupt), 0);
        // Run ids are unique, and so are the idempotency tokens made of them.
        settings.run_id = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        settings.commit = source().commit;
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

    // lib (local) -> api (CodeBuild, running `api_build`) -> web (local); solo (local).
    void set_manifest(const std::string& api_build, const std::string& lib_extra = "") {
        std::string yaml =
            "image: {repository: " + k_registry +
            "/app}\n"
            "remote: {codebuild: {project: " +
            k_project +
            ", compute_type: BUILD_GENERAL1_MEDIUM}}\n"
            "components:\n"
            "  lib: {paths: [lib/], kind: library, build: 'printf \"lib built\\n\"'" +
            lib_extra +
            "}\n"
            "  api: {paths: [api/], parameter: A, build: '" +
            api_build +
            "', depends_on: [lib], remote: codebuild}\n"
            "  web: {paths: [web/], parameter: W, build: 'true', depends_on: [api]}\n"
            "  solo: {paths: [solo/], parameter: S, build: 'true'}\n";
        auto parsed = components::parse_manifest(yaml, "m.yml");
        ASSERT_TRUE(parsed) << parsed.error().message;
        manifest = *parsed;
        graph = *components::build_graph(manifest);
    }

    void TearDown() override {
        if (interrupt[0] >= 0) ::close(interrupt[0]), ::close(interrupt[1]);
    }

    void write_control(const std::string& json) { std::ofstream(control_path()) << json; }

    // What the build's CloudWatch Logs stream holds, line by line.
    static std::vector<std::string> cloudwatch_lines(const components::CodeBuildBuild& b) {
        aws::Client client(moto_options());
        components::CodeBuildApi api(client);
        auto page = api.get_log_events(b.log_group, b.log_stream, "");
        EXPECT_TRUE(page) << page.error().message;
        std::vector<std::string> out;
        for (auto m : page ? page->messages : std::vector<std::string>{}) {
            while (!m.empty() && m.back() == '\n') m.pop_back();
            out.push_back(m);
        }
        return out;
    }

    static bool has(const std::vector<std::string>& lines, const std::string& line) {
        return std::find(lines.begin(), lines.end(), line) != lines.end();
    }

    std::string token;

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
        options.log_calls_per_second = 50;
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
// succeeded. CodeBuild runs buildspec-remote.yml from the project's source at the run's
// commit: api's build prints a random token (seen in CloudWatch Logs and in slipway's build
// log) and pushes an image manifest carrying it (seen in ECR, whose digest of it slipway
// records from the build's exported variables).
TEST_F(RemoteBuilds, APlanMixesLocalAndRemoteBuildsAcrossDependencies) {
    auto r = run();
    EXPECT_TRUE(r.all_succeeded());
    EXPECT_LT(recorder.at("end lib succeeded"), recorder.at("start api"));
    EXPECT_LT(recorder.at("end api succeeded"), recorder.at("start web"));
    const auto& api = of(r, "api");
    ASSERT_TRUE(api.handle.remote_id.starts_with("arn:aws:codebuild:us-east-1:"))
        << api.handle.remote_id;
    auto build = remote_build(api.handle.remote_id);
    EXPECT_EQ(build.status, "SUCCEEDED");
    // The token, through CloudWatch Logs and in slipway's own log of the build.
    const auto cloudwatch = cloudwatch_lines(build);
    EXPECT_TRUE(has(cloudwatch, "token " + token));
    const auto log = lines_of(api.log_path);
    EXPECT_TRUE(has(log, "token " + token));
    for (const std::string& expected :
         {"SLIPWAY_BUILD_COMMAND=sh api/build.sh " + token, std::string("SLIPWAY_BUILD_NUMBER=1"),
          std::string("SLIPWAY_COMPONENT=api"), "SLIPWAY_IMAGE_URI=" + k_registry + "/app:api-1",
          "SLIPWAY_COMMIT=" + settings.commit}) {
        EXPECT_TRUE(has(log, expected)) << expected;
    }
    // The local checkout's path means nothing there: the buildspec sets the build's own.
    EXPECT_FALSE(has(log, "SLIPWAY_REPO_ROOT=" + settings.repo_root));
    // The image it pushed, through ECR: its manifest carries the token, and its digest is
    // the one the build exported and slipway recorded.
    aws::Client client(moto_options());
    auto image = client.json(aws::ecr_service(), "AmazonEC2ContainerRegistry_V20150921",
                             {"DescribeImages", "ecr:DescribeImages"},
                             R"({"repositoryName":"app","imageIds":[{"imageTag":"api-1"}]})");
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_NE(image->find(api.image_digest), std::string::npos) << *image;
    auto manifest_text =
        client.json(aws::ecr_service(), "AmazonEC2ContainerRegistry_V20150921",
                    {"BatchGetImage", "ecr:BatchGetImage"},
                    R"({"repositoryName":"app","imageIds":[{"imageTag":"api-1"}]})");
    ASSERT_TRUE(manifest_text);
    EXPECT_NE(manifest_text->find(token), std::string::npos) << *manifest_text;
    ASSERT_TRUE(api.image_digest.starts_with("sha256:")) << api.image_digest;
    auto stored = (*store->builds_of("api", 1))[0];
    EXPECT_EQ(stored.status, BuildStatus::succeeded);
    EXPECT_EQ(stored.handle.remote_id, api.handle.remote_id);
    EXPECT_EQ(stored.image_digest, api.image_digest);
    EXPECT_EQ(lines_of(of(r, "lib").log_path), std::vector<std::string>{"lib built"});
}

// A command that exits 3 on CodeBuild fails the build with that status, and the component.
TEST_F(RemoteBuilds, ARemoteFailureSkipsItsDependentsAndIndependentWorkGoesOn) {
    set_manifest("echo failing " + token + "; exit 3");
    auto r = run();
    EXPECT_FALSE(r.all_succeeded());
    EXPECT_EQ(of(r, "api").status, BuildStatus::failed);
    EXPECT_EQ(of(r, "api").exit_code, 3);
    EXPECT_EQ(of(r, "web").status, BuildStatus::skipped);
    EXPECT_EQ(of(r, "solo").status, BuildStatus::succeeded);
    EXPECT_EQ((*store->builds_of("api", 1))[0].exit_code, 3);
    EXPECT_TRUE(of(r, "api").image_digest.empty());
    const auto build = remote_build(of(r, "api").handle.remote_id);
    EXPECT_EQ(build.status, "FAILED");
    EXPECT_TRUE(has(cloudwatch_lines(build), "failing " + token));
    const auto log = lines_of(of(r, "api").log_path);
    EXPECT_TRUE(has(log, "failing " + token));
    EXPECT_NE(std::find_if(
                  log.begin(), log.end(),
                  [](const std::string& l) { return l.find("BUILD FAILED") != std::string::npos; }),
              log.end());
}

TEST_F(RemoteBuilds, FaultsAndTimeoutsEndAsCodeBuildSays) {
    write_control(R"({"faults": {"*": "PROVISIONING"}})");
    auto r = run(true);  // --remote codebuild: every build goes there
    EXPECT_EQ(of(r, "lib").status, BuildStatus::failed);
    EXPECT_FALSE(of(r, "lib").exit_code);
    EXPECT_EQ(of(r, "api").status, BuildStatus::skipped);
    EXPECT_EQ(of(r, "solo").status, BuildStatus::failed);
    // One of CodeBuild's minutes lasts 0.2 s here: lib's timeout (5 minutes, CodeBuild's
    // least) ends it at 1 s, before slipway's own (20 s) would.
    write_control(R"({"seconds_per_minute": 0.2})");
    set_manifest("true", ", timeout: 20s");
    manifest.components[0].build = "sleep 30";
    settings.run_id += "-again";
    auto again = run(true);
    EXPECT_EQ(of(again, "lib").status, BuildStatus::timed_out);
    EXPECT_EQ(remote_build(of(again, "lib").handle.remote_id).status, "TIMED_OUT");
}

// Ctrl-C while a remote build runs: CodeBuild is told to stop it, and it ends cancelled.
TEST_F(RemoteBuilds, CancelStopsRemoteBuilds) {
    set_manifest("sleep 60");
    recorder.interrupt_on = "Running command cd";
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
    set_manifest("sleep 60");
    manifest.components[3].build = "sh -c 'sleep 1; exit 4'";  // solo fails while api runs
    settings.fail_fast = true;
    auto r = run();
    EXPECT_EQ(of(r, "solo").status, BuildStatus::failed);
    EXPECT_EQ(of(r, "web").status, BuildStatus::skipped);
    const auto& api = of(r, "api");
    EXPECT_EQ(api.status, BuildStatus::cancelled);
    EXPECT_EQ(remote_build(api.handle.remote_id).status, "STOPPED");
}

// The build's output reaches the log file whole and in order, while it runs and after.
TEST_F(RemoteBuilds, LogsArriveInOrder) {
    set_manifest("for i in $(seq 1 40); do echo \"line $i\"; sleep 0.01; done");
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
    aws::Client client(moto_options());
    components::CodeBuildApi api(client);
    components::CodeBuildStart start{
        k_project,
        settings.commit,
        {{"SLIPWAY_COMPONENT", "api"}, {"SLIPWAY_BUILD_COMMAND", "sleep 0.3; echo awaited"}},
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
    auto reserved = store->reserve_build(
        {"api", settings.commit, "h", "dead-run", 1, (dir.path() / "dead-run-api.log").string()},
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
