// The commands that are not a run, as library calls: `affected` (the selection of a change,
// checked against git's own diff), the query context and a commit's recorded diffs, `init`,
// and `reconcile` of every environment.
#include <fstream>

#include "pipeline/affected.hpp"
#include "pipeline/environment.hpp"
#include "pipeline/history.hpp"
#include "pipeline/init.hpp"
#include "pipeline_fixture.hpp"

namespace {

using pipeline_test::Pipeline;

std::vector<std::string> names(const components::Selection& s) {
    std::vector<std::string> out;
    for (const auto& c : s.affected) out.push_back(c.name);
    return out;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t s = 0, e; s < text.size(); s = e + 1) {
        e = text.find('\n', s);
        if (e == std::string::npos) e = text.size();
        if (e > s) out.push_back(text.substr(s, e - s));
    }
    return out;
}

TEST_F(Pipeline, AffectedSelectsWhatGitsDiffTouchesAndItsDependents) {
    repo.write("lib/util.py", "v2\n");
    repo.write("worker/README.md", "docs\n");
    repo.git("mv web/main.py web/app.py");
    repo.commit("lib, docs, a rename");
    pipeline::AffectedRequest r;
    r.repo = repo.path().string();
    r.diff.base = first;
    auto out = pipeline::select_affected(r);
    ASSERT_TRUE(out) << out.error().message;
    // The changed paths are git's, both sides of the rename included.
    auto git = lines(repo.git("diff --name-only --no-renames " + first + " HEAD"));
    std::sort(git.begin(), git.end());
    EXPECT_EQ(out->selection.changed, git);
    // Dependency order: the library before what depends on it.
    EXPECT_EQ(names(out->selection), (std::vector<std::string>{"lib", "api", "web"}));
    EXPECT_EQ(out->selection.ignored, (std::vector<std::string>{"worker/README.md"}));
    ASSERT_TRUE(out->changes.has_value());
}

TEST_F(Pipeline, AffectedTakesAPathListInsteadOfGitAndNeedsOneOfThem) {
    pipeline::AffectedRequest r;
    r.repo = repo.path().string();
    auto none = pipeline::select_affected(r);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, common::ErrorCode::usage);

    const auto list = store_dir.path() / "paths.txt";
    std::ofstream(list) << "worker/main.py\r\n\n\"tem\\160late.yml\"\nnowhere/x\n";
    r.changed_files = list.string();
    auto out = pipeline::select_affected(r);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->changes.has_value());
    EXPECT_EQ(names(out->selection), (std::vector<std::string>{"stack", "worker"}));
    EXPECT_EQ(out->selection.unowned, (std::vector<std::string>{"nowhere/x"}));

    r.diff.base = "no-such-ref";
    r.changed_files.clear();
    auto bad = pipeline::select_affected(r);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, common::ErrorCode::input);
    EXPECT_NE(bad.error().message.find("no-such-ref"), std::string::npos);
}

// A store that is not there is an error (issue 26: a mistyped --store answered "never
// built"), and is not created; one that is there is read.
TEST_F(Pipeline, AQueryOfAStoreThatIsNotThereFailsAndOneThatIsReadsTheRecordedDiffs) {
    pipeline::ProjectRequest r{repo.path().string(), "", "HEAD", "", "", ""};
    auto empty = pipeline::open_for_query(r);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, common::ErrorCode::input);
    EXPECT_NE(empty.error().message.find("the version store sqlite:.slipway/state.db does not "
                                         "exist"),
              std::string::npos)
        << empty.error().message;
    EXPECT_FALSE(std::filesystem::exists(repo.path() / ".slipway" / "state.db"));

    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    const std::string head = repo.commit("api v2");
    ASSERT_TRUE(run());
    r.store = "sqlite:" + (store_dir.path() / "state.db").string();
    auto c = pipeline::open_for_query(r);
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_NE(c->store, nullptr);
    auto d = pipeline::recorded_diffs(*c, "HEAD");
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->commit, head);
    ASSERT_EQ(d->diffs.size(), 1u);
    EXPECT_EQ(d->diffs[0].component, "api");
    EXPECT_EQ(d->diffs[0].paths, (std::vector<std::string>{"api/main.py"}));
    auto unknown = pipeline::recorded_diffs(*c, "mian");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("did you mean 'main'"), std::string::npos)
        << unknown.error().message;
}

TEST_F(Pipeline, AQueryWithABrokenManifestFailsOnlyWhenTheManifestIsNamed) {
    ASSERT_TRUE(run());
    repo.write("slipway.yml", "components: [\n");
    pipeline::ProjectRequest r{repo.path().string(),
                               "",
                               "HEAD",
                               "sqlite:" + (store_dir.path() / "state.db").string(),
                               "",
                               ""};
    auto c = pipeline::open_for_query(r);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->manifest_or_null(), nullptr);
    r.manifest = (repo.path() / "slipway.yml").string();
    auto named = pipeline::open_for_query(r);
    ASSERT_FALSE(named);
    EXPECT_EQ(named.error().code, common::ErrorCode::input);
    EXPECT_NE(named.error().message.find("slipway.yml:"), std::string::npos)
        << named.error().message;
}

TEST_F(Pipeline, InitWritesAStarterManifestOnceAndNeverOutsideTheRepository) {
    support::GitRepo fresh;
    fresh.write("services/orders/Dockerfile", "FROM scratch\n");
    fresh.write("services/orders/app.py", "print('orders')\n");
    fresh.commit("orders");
    pipeline::InitRequest r{fresh.path().string(), "", false};
    auto done = pipeline::init_project(r);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(done->manifest, std::filesystem::weakly_canonical(fresh.path()) / "slipway.yml");
    ASSERT_TRUE(std::filesystem::exists(done->manifest));
    ASSERT_FALSE(done->found.components.empty());
    EXPECT_EQ(done->found.components[0].name, "orders");
    // The manifest it wrote loads.
    auto loaded = pipeline::load_project_manifest(nullptr, done->manifest.string(), "HEAD");
    EXPECT_TRUE(loaded) << loaded.error().message;

    std::ofstream(done->manifest, std::ios::app) << "# edited by hand\n";
    auto again = pipeline::init_project(r);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, common::ErrorCode::input);
    std::ifstream in(done->manifest);
    const std::string kept((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(kept.find("# edited by hand"), std::string::npos);

    r.force = true;
    r.template_file = (store_dir.path() / "outside.yml").string();
    std::ofstream(r.template_file) << "Resources: {}\n";
    auto outside = pipeline::init_project(r);
    ASSERT_FALSE(outside);
    EXPECT_NE(outside.error().message.find("not inside the repository"), std::string::npos);
}

TEST_F(Pipeline, ReconcileHoldsEachEnvironmentAndSaysWhatItFound) {
    auto p = project();
    auto s = services();
    std::vector<std::string> said, notes;
    const auto say = [&](const std::string& l) { said.push_back(l); };
    const auto note = [&](const std::string& l) { notes.push_back(l); };
    ASSERT_TRUE(pipeline::reconcile_environments(p, "", false, s, note, say));
    EXPECT_EQ(said, (std::vector<std::string>{"test: nothing pending", "prod: nothing pending"}));
    said.clear();
    ASSERT_TRUE(pipeline::reconcile_environments(p, "prod", false, s, note, say));
    EXPECT_EQ(said, (std::vector<std::string>{"prod: nothing pending"}));
    auto unknown = pipeline::reconcile_environments(p, "prdo", false, s, note, say);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, common::ErrorCode::input);
    EXPECT_NE(unknown.error().message.find("prod"), std::string::npos);
    // Nothing was left held: a run of test takes the lease at once.
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->summary.result, "deployed");
}

}  // namespace
