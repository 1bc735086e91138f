#pragma once
// The pipeline as a library, without moto, the aws CLI or the binary: a real git repository
// made in a temp folder, a real SQLite store file, a fake build runner and an in-memory
// CloudFormation (tests/support/fake_cloud.hpp), a clock that moves one second per reading.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "pipeline/deploys.hpp"
#include "pipeline/run.hpp"
#include "support/fake_cloud.hpp"
#include "support/git_repo.hpp"

namespace pipeline_test {

constexpr const char* k_manifest = R"(version: 1
project: shop
image: {repository: repo, tag: "{component}-{build}"}
ignore: ["**/*.md"]
components:
  api: {paths: [api/], depends_on: [lib], parameter: ApiImage, build: build api}
  web: {paths: [web/], depends_on: [lib], parameter: WebImage, build: build web}
  worker: {paths: [worker/], parameter: WorkerImage, build: build worker}
  lib: {paths: [lib/], kind: library}
  stack: {paths: [template.yml], kind: config}
environments:
  test:
    stack: shop-test
    region: us-east-1
    template: template.yml
    base: main
    parameters: {Stage: test}
  prod:
    stack: shop-prod
    region: us-east-1
    template: template.yml
    promote_from: test
    parameters: {Stage: prod}
)";

constexpr const char* k_template = R"(Parameters:
  Stage: {Type: String, AllowedValues: [test, prod]}
  ApiImage: {Type: String}
  WebImage: {Type: String}
  WorkerImage: {Type: String}
Resources:
  Api: {Type: AWS::Lambda::Function}
)";

// Forwards to an object the test keeps (the services hand out owners).
class SharedCloudFormation final : public deploy::CloudFormationApi {
  public:
    explicit SharedCloudFormation(deploy::CloudFormationApi& real) : m(real) {}
    common::Result<std::optional<deploy::StackInfo>> describe_stack(const std::string& s) override {
        return m.describe_stack(s);
    }
    common::Result<std::string> create_change_set(const deploy::ChangeSetRequest& r) override {
        return m.create_change_set(r);
    }
    common::Result<deploy::ChangeSetInfo> describe_change_set(const std::string& s,
                                                              const std::string& c) override {
        return m.describe_change_set(s, c);
    }
    common::Result<void> execute_change_set(const std::string& s, const std::string& c,
                                            const std::string& t) override {
        return m.execute_change_set(s, c, t);
    }
    common::Result<void> delete_change_set(const std::string& s, const std::string& c) override {
        return m.delete_change_set(s, c);
    }
    common::Result<void> delete_stack(const std::string& s, const std::string& t) override {
        return m.delete_stack(s, t);
    }
    common::Result<std::vector<deploy::StackEvent>> stack_events(const std::string& s,
                                                                 const std::string& stop) override {
        return m.stack_events(s, stop);
    }
    common::Result<std::string> get_template(const std::string& s) override {
        return m.get_template(s);
    }

  private:
    deploy::CloudFormationApi& m;
};

class SharedRunner final : public components::BuildRunner {
  public:
    explicit SharedRunner(components::BuildRunner& real) : m(real) {}
    common::Result<void> start(std::size_t job, const components::Command& c,
                               components::RunnerEvents& events) override {
        return m.start(job, c, events);
    }
    void cancel_all() override { m.cancel_all(); }
    [[nodiscard]] std::size_t running() const override { return m.running(); }
    components::Deadline watch(std::vector<components::Watched>& fds) override {
        return m.watch(fds);
    }
    common::Result<void> collect(std::span<const components::Watched> fds,
                                 components::RunnerEvents& events) override {
        return m.collect(fds, events);
    }

  private:
    components::BuildRunner& m;
};

// Collects what the pipeline reports.
class Collect final : public pipeline::Observer, components::BuildObserver, deploy::DeployReporter {
  public:
    std::vector<std::string> notes, warnings, phases, built, events;
    void note(const std::string& line) override { notes.push_back(line); }
    void warning(const std::string& line) override { warnings.push_back(line); }
    void run_started(const pipeline::RunStarted&) override {}
    void phase_ended(const pipeline::Phase& p) override { phases.push_back(p.name); }
    components::BuildObserver& builds() override { return *this; }
    deploy::DeployReporter& deploy() override { return *this; }
    // builds
    void started(std::size_t, const components::BuildOutcome&) override {}
    void finished(std::size_t, const components::BuildOutcome& b) override {
        built.push_back(b.component + "#" + std::to_string(b.build_number) + " " +
                        std::string(versioning::to_string(b.status)));
    }
    void line(std::size_t, std::string_view) override {}
    // deploy
    void begin(const deploy::DeployPlan&) override {}
    void preview(const deploy::Preview&) override {}
    bool confirm(const deploy::Preview&) override { return true; }
    void event(const deploy::StackEvent& e) override { events.push_back(e.status); }
    void waiting(const std::string&, std::chrono::milliseconds) override {}
};

class Pipeline : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("slipway.yml", k_manifest);
        repo.write("template.yml", k_template);
        for (const char* dir : {"api", "web", "worker", "lib"})
            repo.write(std::string(dir) + "/main.py", "v1\n");
        first = repo.commit("init");
        repo.git("branch test");  // the deployed state's branch, for base choice
        auto opened = versioning::open_store("sqlite:state.db", store_dir.path().string());
        ASSERT_TRUE(opened) << opened.error().message;
        store = std::move(*opened);
    }

    pipeline::Services services() {
        return {
            *store,
            [this] { return versioning::open_store("sqlite:state.db", store_dir.path().string()); },
            [this](const components::Target&) {
                return pipeline::CloudServices{std::make_unique<SharedCloudFormation>(cloud),
                                               nullptr, nullptr};
            },
            [this] { return std::make_unique<SharedRunner>(runner); },
            {[this] { return clock += 1000; }, [](std::chrono::milliseconds) {}, [] { return 0.5; },
             [] { return false; }, runner.interrupt_read}};
    }

    pipeline::Project project() {
        auto p = pipeline::open_project({repo.path().string(), "", "HEAD", "", "", ""});
        EXPECT_TRUE(p) << p.error().message;
        return std::move(*p);
    }

    // A whole `slipway run` of `env`; the outcome, or the error of planning it.
    common::Result<pipeline::RunOutcome> run(
        const std::string& env = "test", std::function<void(pipeline::RunRequest&)> adjust = {}) {
        auto p = project();
        pipeline::RunRequest r;
        r.env = env;
        r.builds.jobs = 2;
        r.trigger = {"cli", "", "", "tester@host"};
        if (adjust) adjust(r);
        auto s = services();
        auto plan = pipeline::plan_run(p, r, s, observer);
        if (!plan) return std::unexpected(plan.error());
        return pipeline::execute_run(p, std::move(*plan), s, observer);
    }

    common::Result<pipeline::DeployCommandOutcome> deploy_command(pipeline::DeployRequest r) {
        auto p = project();
        r.trigger = {"cli", "", "", "tester@host"};
        auto s = services();
        return pipeline::run_deploy_command(p, r, s, observer);
    }

    // The stack's value of a parameter, as the fake CloudFormation holds it.
    std::string param(const std::string& stack, const std::string& name) {
        auto it = cloud.stacks.find(stack);
        if (it == cloud.stacks.end()) return "(no stack)";
        auto p = it->second.info.parameters.find(name);
        return p == it->second.info.parameters.end() ? "(none)" : p->second;
    }

    // What the store recorded: "component#number status" of one run, sorted.
    std::string builds_of(const std::string& run_id) {
        std::vector<std::string> out;
        for (const char* c : {"api", "lib", "web", "worker"}) {
            auto builds = store->builds_of(c, 100);
            for (const auto& b : builds.value()) {
                if (b.run_id == run_id)
                    out.push_back(std::string(c) + "#" + std::to_string(b.build_number) + " " +
                                  std::string(versioning::to_string(b.status)));
            }
        }
        std::sort(out.begin(), out.end());
        std::string joined;
        for (const auto& s : out) joined += (joined.empty() ? "" : ", ") + s;
        return joined;
    }

    support::GitRepo repo;
    support::TempDir store_dir;
    std::unique_ptr<versioning::VersionStore> store;
    support::FakeCloudFormation cloud;
    support::FakeRunner runner;
    Collect observer;
    std::string first;
    versioning::Millis clock = 1'795'000'000'000;  // one second further at every reading
};

}  // namespace pipeline_test
