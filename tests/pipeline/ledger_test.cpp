// The ledger's invariant (docs/deploy.md, "What counts as deployed"): a change merged into an
// environment's branch counts as deployed only when, for every component it affects, the
// stack runs an image built from a commit that contains it. Rollbacks and hand-picked images
// must leave the changes they do not deploy selected by the next run.
#include "pipeline/ledger.hpp"
#include "pipeline_fixture.hpp"

namespace {

using pipeline_test::Pipeline;

pipeline::DeployRequest request(const std::string& kind, const std::string& env) {
    pipeline::DeployRequest r;
    r.kind = kind;
    r.env = env;
    return r;
}

// The names a plan would build, sorted.
std::string planned(const common::Result<pipeline::RunOutcome>& out) {
    if (!out) return "error: " + out.error().message;
    std::vector<std::string> names;
    for (const auto& b : out->prospective) names.push_back(b.component);
    std::sort(names.begin(), names.end());
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : " ") + n;
    return joined;
}

const versioning::DeploymentImage* image_of(const versioning::DeploymentRecord& d,
                                            const std::string& component) {
    for (const auto& i : d.images)
        if (i.component == component) return &i;
    return nullptr;
}

class Ledger : public Pipeline {
  protected:
    common::Result<pipeline::RunOutcome> plan() {
        return run("test", [](pipeline::RunRequest& r) { r.plan = true; });
    }
    versioning::DeploymentRecord current() { return store->current_deployments("test")->front(); }
};

// The repro: web's change fails to build (nothing deployed), then api is rolled back
// to build #1 at the head. The rollback must not count web's change (nor api's since #1) as
// deployed: the next run still builds both.
TEST_F(Ledger, ARollbackAtTheHeadLeavesTheChangesItDidNotDeploySelected) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    const std::string api_v2 = repo.commit("api v2");
    ASSERT_TRUE(run());  // api#2
    repo.write("web/main.py", "v2\n");
    const std::string web_v2 = repo.commit("web v2");
    runner.exit_codes["web"] = 1;
    auto failed = run();
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->summary.result, "build-failed");
    auto back = request("rollback", "test");
    back.component = "api";
    back.build = 1;
    auto rolled = deploy_command(back);
    ASSERT_TRUE(rolled) << rolled.error().message;
    EXPECT_EQ(param("shop-test", "ApiImage"), "repo:api-1");
    // What the store says the stack runs: api as of the first commit, web and worker as of
    // api v2 (the last run), the template as of the head it was read at.
    const auto d = current();
    EXPECT_EQ(image_of(d, "api")->commit, first);
    EXPECT_EQ(image_of(d, "web")->commit, api_v2);
    EXPECT_EQ(image_of(d, "worker")->commit, api_v2);
    EXPECT_EQ(d.template_commit, web_v2);
    EXPECT_EQ(d.commit, first);  // every change up to `first` is deployed; no later one is sure
    // The next run still owes web's change and api's since #1.
    EXPECT_EQ(planned(plan()), "api web");
    runner.exit_codes.clear();
    auto fixed = run();
    ASSERT_TRUE(fixed) << fixed.error().message;
    EXPECT_EQ(fixed->summary.result, "deployed");
    EXPECT_EQ(param("shop-test", "ApiImage"), "repo:api-2");  // api#2's input: reused
    EXPECT_EQ(param("shop-test", "WebImage"), "repo:web-3");  // #2 failed
    EXPECT_EQ(current().commit, web_v2);
    EXPECT_EQ(planned(plan()), "");
}

// `deploy --images` of an older build: the component keeps the commit of that build.
TEST_F(Ledger, AHandPickedOlderImageKeepsItsChangesOwed) {
    ASSERT_TRUE(run());
    repo.write("worker/main.py", "v2\n");
    const std::string v2 = repo.commit("worker v2");
    ASSERT_TRUE(run());  // worker#2
    auto pick = request("deploy", "test");
    pick.images = {"worker=repo:worker-1"};
    auto picked = deploy_command(pick);
    ASSERT_TRUE(picked) << picked.error().message;
    EXPECT_EQ(param("shop-test", "WorkerImage"), "repo:worker-1");
    EXPECT_EQ(image_of(current(), "worker")->commit, first);
    EXPECT_EQ(image_of(current(), "api")->commit, v2);
    EXPECT_EQ(current().commit, first);
    EXPECT_EQ(planned(plan()), "worker");
}

// An image no recorded build made has no known commit: its component is rebuilt whole, and
// the environment's place in history is unknown until then.
TEST_F(Ledger, AnImageOfUnknownOriginIsRebuiltByTheNextRun) {
    ASSERT_TRUE(run());
    auto pick = request("deploy", "test");
    pick.images = {"api=registry.example/api:hotfix"};
    auto picked = deploy_command(pick);
    ASSERT_TRUE(picked) << picked.error().message;
    EXPECT_EQ(image_of(current(), "api")->commit, "");
    EXPECT_EQ(current().commit, "");
    auto p = plan();
    EXPECT_EQ(planned(p), "api");
    const auto& rows = p->summary.rows;
    auto api = std::find_if(rows.begin(), rows.end(), [](auto& r) { return r.component == "api"; });
    ASSERT_NE(api, rows.end());
    EXPECT_EQ(api->reason, "not deployed to test from a known commit");
    ASSERT_TRUE(run());
    EXPECT_EQ(current().commit, first);
    EXPECT_EQ(image_of(current(), "api")->commit, first);
}

// A rollback to a whole deployment takes that deployment's commits; promote carries the
// source's; a run then owes exactly what changed since.
TEST_F(Ledger, RollbackToADeploymentAndPromoteCarryEachImagesCommit) {
    ASSERT_TRUE(run());  // #1 at first
    repo.write("api/main.py", "v2\n");
    repo.write("web/main.py", "v2\n");
    const std::string v2 = repo.commit("v2");
    ASSERT_TRUE(run());
    auto promoted = deploy_command(request("promote", "prod"));
    ASSERT_TRUE(promoted) << promoted.error().message;
    const auto prod = store->current_deployments("prod")->front();
    EXPECT_EQ(image_of(prod, "api")->commit, v2);
    EXPECT_EQ(prod.commit, v2);
    auto back = request("rollback", "test");
    back.to_deployment = 1;
    ASSERT_TRUE(deploy_command(back));
    EXPECT_EQ(current().commit, first);
    EXPECT_EQ(image_of(current(), "api")->commit, first);
    EXPECT_EQ(planned(plan()), "api web");
}

// The store keeps each image's commit, the template's commit and hash, and every parameter.
TEST_F(Ledger, TheDeploymentRecordsWhatTheStackIsGiven) {
    ASSERT_TRUE(run());
    const auto d = current();
    EXPECT_EQ(d.template_commit, first);
    EXPECT_TRUE(d.template_hash.starts_with("sha256:")) << d.template_hash;
    EXPECT_EQ(d.parameters.at("Stage"), "test");
    EXPECT_EQ(d.parameters.at("ApiImage"), "repo:api-1");
    EXPECT_EQ(d.parameters.size(), 4u);
    const auto again = store->deployment(d.id)->value();
    EXPECT_EQ(again.parameters, d.parameters);
    EXPECT_EQ(again.template_hash, d.template_hash);
}

// Newest in history (issue 24 §2): a run of h1 waits for the environment while another
// deploys h2, h1's child. It checked before waiting (h2 was not deployed then) and checks
// again once it holds the environment: exit 2 naming both, nothing built.
TEST_F(Ledger, ARunThatWaitedChecksHistoryAgainOnceItHoldsTheEnvironment) {
    ASSERT_TRUE(run());
    repo.write("api/main.py", "v2\n");
    const std::string h1 = repo.commit("api v2");
    repo.write("api/main.py", "v3\n");
    const std::string h2 = repo.commit("api v3");
    ASSERT_EQ(store->acquire_lock("deploy/test", "other-run", clock, 600'000)->owner, "other-run");
    auto s = services();
    bool moved = false;
    s.clock.sleep = [&](std::chrono::milliseconds) {
        if (std::exchange(moved, true)) return;
        // The other run deploys h2 (its images as they are, its commit h2) and lets go.
        auto d = current();
        d.id = 0;
        d.commit = h2;
        d.template_commit = h2;
        for (auto& i : d.images) i.commit = h2;
        ASSERT_TRUE(store->record_deployment(d));
        ASSERT_TRUE(store->release_lock("deploy/test", "other-run"));
    };
    auto p = pipeline::open_project({repo.path().string(), "", h1, "", "", ""});
    ASSERT_TRUE(p) << p.error().message;
    pipeline::RunRequest r;
    r.env = "test";
    r.wait = true;
    r.trigger = {"cli", "", "", "tester@host"};
    const auto numbers = *store->peek_next_number("api");
    auto plan = pipeline::plan_run(*p, r, s, observer);
    ASSERT_TRUE(moved);
    ASSERT_FALSE(plan);
    EXPECT_TRUE(pipeline::is_older_head(plan.error())) << plan.error().message;
    EXPECT_EQ(common::exit_code(plan.error().code), 2);
    EXPECT_NE(plan.error().message.find(h1.substr(0, 12) + " is an ancestor of " +
                                        h2.substr(0, 12) + ", deployed to test"),
              std::string::npos)
        << plan.error().message;
    EXPECT_EQ(*store->peek_next_number("api"), numbers);
    // With --allow-older it goes back, said so.
    r.allow_older = true;
    auto older = pipeline::plan_run(*p, r, s, observer);
    ASSERT_TRUE(older) << older.error().message;
    ASSERT_FALSE(observer.warnings.empty());
    EXPECT_NE(observer.warnings.back().find("--allow-older"), std::string::npos);
}

// A head that is not a descendant of the deployed commit (a force-push) is shipped, said so.
TEST_F(Ledger, AForcePushIsShippedAndSaidSo) {
    repo.write("api/main.py", "v2\n");
    const std::string deployed = repo.commit("api v2");
    ASSERT_TRUE(run());
    repo.git("checkout -q -b rewritten " + first);
    repo.write("api/main.py", "other\n");
    const std::string forced = repo.commit("api rewritten");
    auto out = run();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->summary.result, "deployed");
    EXPECT_EQ(current().commit, forced);
    const auto said = std::find_if(observer.notes.begin(), observer.notes.end(), [&](auto& n) {
        return n.find(forced.substr(0, 12) + " is not a descendant of " + deployed.substr(0, 12)) !=
               std::string::npos;
    });
    EXPECT_NE(said, observer.notes.end());
}

// An environment of several stacks and places (integration's issue 29): a component's
// deployed commit is the one every stack holding it runs it from, in every place; when they
// differ, or a place has no deployment of its stack, it is unknown ("": owed whole). A config
// component's commit is the template commit of the stack holding it.
namespace several_stacks {

components::Component component(const std::string& name, components::ComponentKind kind) {
    components::Component c;
    c.name = name;
    c.kind = kind;
    return c;
}

components::Target target(const std::string& region) {
    components::Target t;
    t.region = region;
    t.named = true;
    return t;
}

versioning::DeploymentRecord deployment(const std::string& stack, const std::string& region,
                                        const std::string& template_commit,
                                        const std::map<std::string, std::string>& images) {
    versioning::DeploymentRecord d;
    d.env = "prod";
    d.stack = stack;
    d.region = region;
    d.status = "succeeded";
    d.template_commit = template_commit;
    for (const auto& [name, commit] : images) {
        versioning::DeploymentImage i;
        i.component = name;
        i.image_uri = "repo:" + name;
        i.commit = commit;
        d.images.push_back(i);
    }
    return d;
}

struct Fixture {
    components::Manifest manifest;
    components::Environment env;
    Fixture() {
        using components::ComponentKind;
        manifest.components = {
            component("api", ComponentKind::image), component("worker", ComponentKind::image),
            component("lonely", ComponentKind::image), component("settings", ComponentKind::config),
            component("shared", ComponentKind::library)};
        env.name = "prod";
        components::Stack front, back;
        front.name = "front";
        front.members = {"api", "settings"};
        back.name = "back";
        back.members = {"worker"};
        env.stacks = {front, back};
        env.targets = {target("us-east-1"), target("eu-west-1")};
    }
};

TEST(LedgerSeveralStacks, EachComponentsCommitIsTheOneEveryPlaceAgreesOn) {
    Fixture f;
    const std::vector<versioning::DeploymentRecord> current = {
        deployment("front", "us-east-1", "t1", {{"api", "a1"}}),
        deployment("front", "eu-west-1", "t1", {{"api", "a1"}}),
        deployment("back", "us-east-1", "t2", {{"worker", "w1"}}),
        deployment("back", "eu-west-1", "t2", {{"worker", "w1"}}),
    };
    const auto commits = pipeline::deployed_commits(f.manifest, f.env, current);
    EXPECT_EQ(commits.at("api"), "a1");
    EXPECT_EQ(commits.at("worker"), "w1");
    EXPECT_EQ(commits.at("settings"), "t1");   // front's template, not back's
    EXPECT_FALSE(commits.contains("lonely"));  // no stack deploys it: nothing is owed
    EXPECT_FALSE(commits.contains("shared"));  // libraries reach their dependents
}

TEST(LedgerSeveralStacks, PlacesThatDisagreeOrLackTheStackMakeTheCommitUnknown) {
    Fixture f;
    const std::vector<versioning::DeploymentRecord> current = {
        deployment("front", "us-east-1", "t1", {{"api", "a2"}}),  // a --region run moved it
        deployment("front", "eu-west-1", "t0", {{"api", "a1"}}),
        deployment("back", "us-east-1", "t2", {{"worker", "w1"}}),       // never deployed in eu
        deployment("old-stack", "eu-west-1", "t9", {{"worker", "w1"}}),  // not the environment's
    };
    const auto commits = pipeline::deployed_commits(f.manifest, f.env, current);
    EXPECT_EQ(commits.at("api"), "");
    EXPECT_EQ(commits.at("settings"), "");
    EXPECT_EQ(commits.at("worker"), "");
    const auto templates = pipeline::template_commits(f.env, current);
    EXPECT_EQ(templates, (std::vector<std::string>{"t0", "t1", "t2"}));
}

TEST(LedgerSeveralStacks, AConfigComponentNoStackHoldsTakesEveryStacksTemplate) {
    Fixture f;
    f.env.stacks[0].members = {"api"};
    std::vector<versioning::DeploymentRecord> current = {
        deployment("front", "us-east-1", "t1", {{"api", "a1"}}),
        deployment("front", "eu-west-1", "t1", {{"api", "a1"}}),
        deployment("back", "us-east-1", "t1", {{"worker", "w1"}}),
        deployment("back", "eu-west-1", "t1", {{"worker", "w1"}}),
    };
    EXPECT_EQ(pipeline::deployed_commits(f.manifest, f.env, current).at("settings"), "t1");
    current[3].template_commit = "t2";
    EXPECT_EQ(pipeline::deployed_commits(f.manifest, f.env, current).at("settings"), "");
}

}  // namespace several_stacks

}  // namespace
