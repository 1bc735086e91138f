// The build phase as a library, over a real repository and SQLite store with a fake runner:
// which components a build request selects (and the usage and input errors), the plan's
// input hashes, the images the builds would get before anything is reserved (next numbers,
// reuse of the same inputs, no store yet), the build settings, and `slipway build` recorded
// as a run.
#include <fstream>
#include <regex>

#include "pipeline/builds.hpp"
#include "pipeline/host.hpp"
#include "pipeline_fixture.hpp"

namespace {

using pipeline_test::Pipeline;
using Strings = std::vector<std::string>;

class Builds : public Pipeline {
  protected:
    static Strings planned(const pipeline::PlannedBuilds& b) {
        Strings out;
        for (std::size_t i = 0; i < b.plan.size(); ++i) out.push_back(b.plan.at(i).component);
        return out;
    }
    common::Result<pipeline::SelectedBuilds> select(
        std::function<void(pipeline::BuildRequest&)> adjust) {
        auto p = project();
        pipeline::BuildRequest r;
        adjust(r);
        return pipeline::select_builds(p, r);
    }
    // One input hash per planned component, by name.
    std::map<std::string, std::string> hashes() {
        auto p = project();
        auto b = pipeline::plan_builds(p, {"api", "web", "worker"});
        EXPECT_TRUE(b) << b.error().message;
        std::map<std::string, std::string> out;
        for (std::size_t i = 0; i < b->plan.size(); ++i)
            out[b->plan.at(i).component] = b->hashes[i];
        return out;
    }
    common::Result<std::vector<pipeline::ProspectiveBuild>> prospective(
        versioning::VersionStore* s, bool reuse = true, const std::string& env = "test") {
        auto p = project();
        auto b = pipeline::plan_builds(p, {"api", "web", "worker"});
        if (!b) return std::unexpected(b.error());
        // What a build would reuse, as reusable_builds() finds it (no ECR image here).
        std::vector<std::optional<components::Reusable>> reusable;
        if (s && reuse) {
            auto found = components::find_reusable_builds(b->plan, b->hashes, *s);
            if (!found) return std::unexpected(found.error());
            reusable = std::move(*found);
        }
        return pipeline::prospective_builds(p, *b, s, reusable, env, clock);
    }
    common::Result<pipeline::BuildCommandOutcome> build(
        std::function<void(pipeline::BuildRequest&)> adjust) {
        auto p = project();
        pipeline::BuildRequest r;
        r.options.jobs = 2;
        r.trigger = {"cli", "", "", "tester@host"};
        adjust(r);
        auto selected = pipeline::select_builds(p, r);
        if (!selected) return std::unexpected(selected.error());
        auto s = services();
        return pipeline::run_build_command(p, r, *selected, s, observer);
    }
};

// ---- select_builds ----------------------------------------------------------------------

TEST_F(Builds, NoWayToSelectOrMoreThanOneIsAUsageError) {
    const std::vector<std::function<void(pipeline::BuildRequest&)>> bad = {
        [](pipeline::BuildRequest&) {},
        [](pipeline::BuildRequest& r) { r.diff.base = "main", r.all = true; },
        [](pipeline::BuildRequest& r) { r.all = true, r.only = {"api"}; },
        [](pipeline::BuildRequest& r) { r.diff.base = "main", r.only = {"api"}; },
        [](pipeline::BuildRequest& r) { r.diff.base = "main", r.all = true, r.only = {"api"}; },
    };
    for (std::size_t i = 0; i < bad.size(); ++i) {
        auto s = select(bad[i]);
        ASSERT_FALSE(s) << i;
        EXPECT_EQ(s.error().code, common::ErrorCode::usage) << i;
        EXPECT_NE(s.error().message.find("give one of --base REF, --all or --only"),
                  std::string::npos)
            << s.error().message;
    }
}

TEST_F(Builds, AnUnknownComponentIsAnInputErrorWithADidYouMean) {
    auto s = select([](pipeline::BuildRequest& r) { r.only = {"api", "wrker"}; });
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, common::ErrorCode::input);
    EXPECT_NE(s.error().message.find("unknown component 'wrker'"), std::string::npos);
    EXPECT_NE(s.error().message.find("did you mean 'worker'"), std::string::npos)
        << s.error().message;
}

TEST_F(Builds, AllPlansEveryComponentWithABuildStep) {
    auto s = select([](pipeline::BuildRequest& r) { r.all = true; });
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(planned(s->builds), (Strings{"api", "web", "worker"}));  // no library, no config
    EXPECT_TRUE(s->selection.affected.empty());
    ASSERT_EQ(s->builds.hashes.size(), 3u);
    for (const auto& h : s->builds.hashes)
        EXPECT_TRUE(std::regex_match(h, std::regex("[0-9a-f]{40}"))) << h;
}

TEST_F(Builds, OnlyPlansTheNamedOnesInDependencyOrder) {
    auto s = select([](pipeline::BuildRequest& r) { r.only = {"worker", "api"}; });
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(planned(s->builds), (Strings{"api", "worker"}));
    auto lib = select([](pipeline::BuildRequest& r) { r.only = {"lib"}; });
    ASSERT_TRUE(lib) << lib.error().message;
    EXPECT_EQ(planned(lib->builds), Strings{});  // a library has nothing to build
}

TEST_F(Builds, ABasePlansWhatTheDiffAffects) {
    repo.write("lib/main.py", "v2\n");
    repo.write("api/README.md", "docs\n");
    repo.commit("lib v2");
    auto s = select([&](pipeline::BuildRequest& r) { r.diff.base = first; });
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(planned(s->builds), (Strings{"api", "web"}));
    Strings affected;
    for (const auto& c : s->selection.affected) affected.push_back(c.name);
    EXPECT_EQ(affected, (Strings{"lib", "api", "web"}));
    EXPECT_EQ(s->selection.ignored, Strings{"api/README.md"});
}

TEST_F(Builds, ABaseWithNothingChangedPlansNothing) {
    auto s = select([&](pipeline::BuildRequest& r) { r.diff.base = "HEAD"; });
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->builds.plan.size(), 0u);
    EXPECT_TRUE(s->builds.hashes.empty());
}

TEST_F(Builds, AnUnknownBaseIsAnInputError) {
    auto s = select([](pipeline::BuildRequest& r) { r.diff.base = "no-such-ref"; });
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, common::ErrorCode::input);
}

TEST(BuildsOutsideGit, SelectingIsAUsageError) {
    support::TempDir dir;
    std::ofstream(dir.path() / "slipway.yml") << pipeline_test::k_manifest;
    auto p = pipeline::open_project({dir.path().string(), "", "HEAD", "", "", ""});
    ASSERT_TRUE(p) << p.error().message;
    pipeline::BuildRequest r;
    r.all = true;
    auto s = pipeline::select_builds(*p, r);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, common::ErrorCode::usage);
    EXPECT_NE(s.error().message.find("not in a git repository"), std::string::npos);
}

// ---- input hashes -----------------------------------------------------------------------

TEST_F(Builds, AHashChangesWithItsInputsOnly) {
    const auto before = hashes();
    repo.write("web/main.py", "v2\n");
    repo.commit("web v2");
    const auto after_web = hashes();
    EXPECT_EQ(after_web.at("api"), before.at("api"));
    EXPECT_NE(after_web.at("web"), before.at("web"));
    EXPECT_EQ(after_web.at("worker"), before.at("worker"));
    repo.write("lib/main.py", "v2\n");  // both api and web depend on lib
    repo.commit("lib v2");
    const auto after_lib = hashes();
    EXPECT_NE(after_lib.at("api"), after_web.at("api"));
    EXPECT_NE(after_lib.at("web"), after_web.at("web"));
    EXPECT_EQ(after_lib.at("worker"), before.at("worker"));
    repo.write("api/README.md", "ignored\n");
    repo.commit("docs");
    EXPECT_EQ(hashes(), after_lib);
}

// ---- prospective_builds -----------------------------------------------------------------

TEST_F(Builds, WithoutAStoreNumbersStartAtOne) {
    auto b = prospective(nullptr);
    ASSERT_TRUE(b) << b.error().message;
    ASSERT_EQ(b->size(), 3u);
    for (const auto& p : *b) {
        EXPECT_EQ(p.next_number, 1) << p.component;
        EXPECT_EQ(p.reused_number, 0) << p.component;
        EXPECT_EQ(p.next_image, "repo:" + p.component + "-1");
        EXPECT_EQ(p.build_number(), 1);
        EXPECT_EQ(p.image_uri(), p.next_image);
    }
}

TEST_F(Builds, AfterARunTheSameInputsWouldBeReused) {
    ASSERT_TRUE(run());
    repo.write("web/main.py", "v2\n");
    repo.commit("web v2");
    auto b = prospective(store.get());
    ASSERT_TRUE(b) << b.error().message;
    ASSERT_EQ(b->size(), 3u);
    const auto& api = (*b)[0];
    EXPECT_EQ(api.component, "api");
    EXPECT_EQ(api.next_number, 2);
    EXPECT_EQ(api.reused_number, 1);
    EXPECT_EQ(api.reused_image, "repo:api-1");
    EXPECT_EQ(api.build_number(), 1);
    EXPECT_EQ(api.image_uri(), "repo:api-1");
    const auto& web = (*b)[1];
    EXPECT_EQ(web.reused_number, 0);  // new inputs
    EXPECT_EQ(web.build_number(), 2);
    EXPECT_EQ(web.image_uri(), "repo:web-2");
    // Nothing was reserved: asking again gives the same numbers.
    auto again = prospective(store.get());
    ASSERT_TRUE(again);
    EXPECT_EQ((*again)[1].next_number, 2);
    EXPECT_EQ(*store->peek_next_number("web"), 2);
}

TEST_F(Builds, WithoutReuseEveryBuildTakesTheNextNumber) {
    ASSERT_TRUE(run());
    auto b = prospective(store.get(), false);
    ASSERT_TRUE(b) << b.error().message;
    for (const auto& p : *b) {
        EXPECT_EQ(p.reused_number, 0) << p.component;
        EXPECT_EQ(p.build_number(), 2) << p.component;
        EXPECT_EQ(p.image_uri(), "repo:" + p.component + "-2");
    }
}

TEST_F(Builds, AFailedBuildIsNeverReused) {
    runner.exit_codes["web"] = 1;
    auto first_run = run();
    ASSERT_TRUE(first_run);
    ASSERT_EQ(first_run->summary.result, "build-failed");
    auto b = prospective(store.get());
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ((*b)[0].reused_number, 1);  // api succeeded
    EXPECT_EQ((*b)[1].reused_number, 0);  // web failed: built again, as #2
    EXPECT_EQ((*b)[1].build_number(), 2);
}

TEST_F(Builds, TheImageTagGetsTheEnvironmentAndTime) {
    std::string manifest = pipeline_test::k_manifest;
    manifest.replace(manifest.find("\"{component}-{build}\""), 21,
                     "\"{component}-{env}-{timestamp}-{short_commit}-{build}\"");
    repo.write("slipway.yml", manifest);
    const auto head = repo.commit("tags");
    auto b = prospective(nullptr, true, "prod");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ((*b)[0].next_image,
              "repo:api-prod-" + pipeline::compact_time(clock) + "-" + head.substr(0, 12) + "-1")
        << (*b)[0].next_image;
}

// ---- build_settings ---------------------------------------------------------------------

TEST_F(Builds, SettingsCarryTheRunAndMakeItsLogFolder) {
    auto p = project();
    auto s = services();
    pipeline::BuildOptions options;
    options.fail_fast = true;
    options.reuse = false;
    const auto settings = pipeline::build_settings(p, "run-1", "test", clock, options, {}, s);
    EXPECT_EQ(settings.run_id, "run-1");
    EXPECT_EQ(settings.commit, p.head);
    EXPECT_EQ(settings.repo_root, p.root);
    EXPECT_EQ(settings.env, "test");
    EXPECT_EQ(settings.timestamp, pipeline::compact_time(clock));
    EXPECT_EQ(std::filesystem::path(settings.log_dir),
              std::filesystem::path(p.root) / ".slipway" / "logs" / "run-1");
    EXPECT_TRUE(std::filesystem::is_directory(settings.log_dir));
    EXPECT_GE(settings.jobs, 1u);
    EXPECT_TRUE(settings.fail_fast);
    EXPECT_FALSE(settings.reuse);
    EXPECT_EQ(settings.image.repository, "repo");
    EXPECT_TRUE(std::any_of(settings.base_env.begin(), settings.base_env.end(),
                            [](const std::string& e) { return e.starts_with("PATH="); }));
    options.jobs = 3;
    EXPECT_EQ(pipeline::build_settings(p, "run-2", "", clock, options, {}, s).jobs, 3u);
    EXPECT_EQ(repo.git("status --porcelain --untracked-files=all"), "");
}

// ---- run_build_command, exit_status -----------------------------------------------------

TEST_F(Builds, ABuildCommandIsARunOfKindBuild) {
    auto out = build([](pipeline::BuildRequest& r) { r.only = {"api"}; });
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(pipeline::exit_status(out->report), 0);
    ASSERT_EQ(out->report.builds.size(), 1u);
    EXPECT_EQ(out->report.builds[0].build_number, 1);
    auto run = store->run(out->run_id);
    ASSERT_TRUE(run);
    ASSERT_TRUE(run->has_value());
    EXPECT_EQ((*run)->kind, "build");
    EXPECT_EQ((*run)->status, versioning::RunStatus::succeeded);
    EXPECT_EQ((*run)->actor, "tester@host");
    auto builds = store->builds_of_run(out->run_id);
    ASSERT_TRUE(builds);
    ASSERT_EQ(builds->size(), 1u);
    EXPECT_EQ((*builds)[0].component, "api");
    // Selecting by --only records no diffs.
    EXPECT_TRUE(store->diffs_of(first)->empty());
}

TEST_F(Builds, AFailedBuildFailsTheRun) {
    runner.exit_codes["web"] = 3;
    auto out = build([](pipeline::BuildRequest& r) { r.all = true; });
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(pipeline::exit_status(out->report), 1);
    auto run = store->run(out->run_id);
    ASSERT_TRUE(run && run->has_value());
    EXPECT_EQ((*run)->status, versioning::RunStatus::failed);
    bool web_failed = false;
    for (const auto& b : out->report.builds) {
        if (b.component == "web") {
            web_failed = b.status == versioning::BuildStatus::failed && b.exit_code == 3;
        }
    }
    EXPECT_TRUE(web_failed);
}

TEST_F(Builds, TheSameInputsAreReusedUnlessTold) {
    ASSERT_TRUE(build([](pipeline::BuildRequest& r) { r.only = {"api"}; }));
    auto reused = build([](pipeline::BuildRequest& r) { r.only = {"api"}; });
    ASSERT_TRUE(reused);
    EXPECT_EQ(reused->report.builds[0].status, versioning::BuildStatus::reused);
    EXPECT_EQ(reused->report.builds[0].build_number, 1);
    EXPECT_EQ(pipeline::exit_status(reused->report), 0);
    auto rebuilt = build([](pipeline::BuildRequest& r) {
        r.only = {"api"};
        r.options.reuse = false;
    });
    ASSERT_TRUE(rebuilt);
    EXPECT_EQ(rebuilt->report.builds[0].status, versioning::BuildStatus::succeeded);
    EXPECT_EQ(rebuilt->report.builds[0].build_number, 2);
}

TEST(ExitStatus, FollowsTheReport) {
    components::BuildReport r;
    EXPECT_EQ(pipeline::exit_status(r), 0);  // nothing to build
    components::BuildOutcome ok;
    ok.status = versioning::BuildStatus::succeeded;
    components::BuildOutcome reused;
    reused.status = versioning::BuildStatus::reused;
    r.builds = {ok, reused};
    EXPECT_EQ(pipeline::exit_status(r), 0);
    for (auto bad : {versioning::BuildStatus::failed, versioning::BuildStatus::timed_out,
                     versioning::BuildStatus::cancelled, versioning::BuildStatus::skipped}) {
        components::BuildOutcome b;
        b.status = bad;
        auto with = r;
        with.builds.push_back(b);
        EXPECT_EQ(pipeline::exit_status(with), 1) << versioning::to_string(bad);
    }
    r.interrupted = true;
    EXPECT_EQ(pipeline::exit_status(r), 130);
}

}  // namespace
