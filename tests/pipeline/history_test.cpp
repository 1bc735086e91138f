// What the store knows, after real runs through the pipeline (a real repository and SQLite
// store, a fake runner and CloudFormation): known components, one component's history,
// every environment's status with current and pending deployments, and the JSON documents
// of history and status read back with rapidjson against docs/json.md.
#include "pipeline/history.hpp"
#include "json_check.hpp"
#include "pipeline/documents.hpp"
#include "pipeline/host.hpp"
#include "pipeline_fixture.hpp"

namespace {

using pipeline_test::keys_of;
using pipeline_test::parse_json;
using pipeline_test::Pipeline;
using pipeline_test::str;
using pipeline_test::strings;
using pipeline_test::unsorted_keys;
using Strings = std::vector<std::string>;

class History : public Pipeline {
  protected:
    // Two runs in test: everything at build 1, then api alone at build 2.
    void two_runs() {
        auto one = run();
        ASSERT_TRUE(one) << one.error().message;
        ASSERT_EQ(one->summary.result, "deployed");
        repo.write("api/main.py", "v2\n");
        second = repo.commit("api v2");
        auto two = run();
        ASSERT_TRUE(two) << two.error().message;
        ASSERT_EQ(two->summary.result, "deployed");
        second_run = two->summary.run_id;
    }
    // A build recorded by an older manifest, of a component removed since.
    void retired_build() {
        versioning::BuildRecord b;
        b.component = "retired";
        b.build_number = 7;
        b.commit = first;
        b.input_hash = std::string(40, '0');
        b.image_uri = "repo:retired-7";
        b.status = versioning::BuildStatus::succeeded;
        b.exit_code = 0;
        b.started_at = clock;
        b.finished_at = clock + 10;
        b.run_id = "old-run";
        ASSERT_TRUE(store->record_build(b));
    }
    std::string second, second_run;
};

// ---- known_components -------------------------------------------------------------------

TEST_F(History, KnownComponentsAreTheManifestsAndTheStoresSortedOnce) {
    auto p = project();
    auto none = pipeline::known_components(nullptr, nullptr);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    auto manifest_only = pipeline::known_components(&p.manifest, nullptr);
    ASSERT_TRUE(manifest_only);
    EXPECT_EQ(*manifest_only, (Strings{"api", "lib", "stack", "web", "worker"}));
    two_runs();
    retired_build();
    auto store_only = pipeline::known_components(nullptr, store.get());
    ASSERT_TRUE(store_only);
    EXPECT_EQ(*store_only, (Strings{"api", "retired", "web", "worker"}));
    auto both = pipeline::known_components(&p.manifest, store.get());
    ASSERT_TRUE(both);
    EXPECT_EQ(*both, (Strings{"api", "lib", "retired", "stack", "web", "worker"}));
}

// ---- component_history ------------------------------------------------------------------

TEST_F(History, AComponentsBuildsAndDeploymentsNewestFirst) {
    two_runs();
    auto p = project();
    auto h = pipeline::component_history(&p.manifest, store.get(), "api", "", 10);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(h->component, "api");
    ASSERT_EQ(h->builds.size(), 2u);
    EXPECT_EQ(h->builds[0].build_number, 2);
    EXPECT_EQ(h->builds[0].commit, second);
    EXPECT_EQ(h->builds[0].run_id, second_run);
    EXPECT_EQ(h->builds[0].image_uri, "repo:api-2");
    EXPECT_EQ(h->builds[1].build_number, 1);
    EXPECT_EQ(h->builds[1].commit, first);
    ASSERT_EQ(h->deployments.size(), 2u);
    EXPECT_GT(h->deployments[0].deployment_id, h->deployments[1].deployment_id);
    EXPECT_EQ(h->deployments[0].build_number, 2);
    EXPECT_TRUE(h->deployments[0].changed);
    EXPECT_EQ(h->deployments[0].env, "test");
    EXPECT_EQ(h->deployments[0].status, "succeeded");
    EXPECT_EQ(h->deployments[0].actor, "tester@host");
    EXPECT_EQ(h->deployments[1].build_number, 1);
}

TEST_F(History, AnUnchangedComponentKeepsItsImageInTheNextDeployment) {
    two_runs();
    auto p = project();
    auto h = pipeline::component_history(&p.manifest, store.get(), "web", "", 10);
    ASSERT_TRUE(h) << h.error().message;
    ASSERT_EQ(h->builds.size(), 1u);
    ASSERT_EQ(h->deployments.size(), 2u);
    EXPECT_EQ(h->deployments[0].build_number, 1);
    EXPECT_FALSE(h->deployments[0].changed);
    EXPECT_TRUE(h->deployments[1].changed);
}

TEST_F(History, TheLimitAndTheEnvironmentNarrowIt) {
    two_runs();
    auto p = project();
    auto one = pipeline::component_history(&p.manifest, store.get(), "api", "", 1);
    ASSERT_TRUE(one);
    ASSERT_EQ(one->builds.size(), 1u);
    EXPECT_EQ(one->builds[0].build_number, 2);
    ASSERT_EQ(one->deployments.size(), 1u);
    EXPECT_EQ(one->deployments[0].build_number, 2);
    auto prod = pipeline::component_history(&p.manifest, store.get(), "api", "prod", 10);
    ASSERT_TRUE(prod);
    EXPECT_EQ(prod->builds.size(), 2u);  // builds belong to no environment
    EXPECT_TRUE(prod->deployments.empty());
}

TEST_F(History, AnUnknownComponentIsAnInputErrorWithADidYouMean) {
    two_runs();
    auto p = project();
    auto h = pipeline::component_history(&p.manifest, store.get(), "wrker", "", 10);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code, common::ErrorCode::input);
    EXPECT_NE(h.error().message.find("unknown component 'wrker'"), std::string::npos);
    EXPECT_NE(h.error().message.find("did you mean 'worker'"), std::string::npos)
        << h.error().message;
    // Without a manifest, the store's names are the known ones.
    auto nothing = pipeline::component_history(nullptr, store.get(), "lib", "", 10);
    ASSERT_FALSE(nothing);
    EXPECT_EQ(nothing.error().code, common::ErrorCode::input);
}

TEST_F(History, AComponentOnlyTheStoreKnowsHasItsHistory) {
    retired_build();
    auto p = project();
    auto h = pipeline::component_history(&p.manifest, store.get(), "retired", "", 10);
    ASSERT_TRUE(h) << h.error().message;
    ASSERT_EQ(h->builds.size(), 1u);
    EXPECT_EQ(h->builds[0].build_number, 7);
}

TEST_F(History, WithoutAStoreAKnownComponentHasNoHistory) {
    auto p = project();
    auto h = pipeline::component_history(&p.manifest, nullptr, "lib", "", 10);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_TRUE(h->builds.empty());
    EXPECT_TRUE(h->deployments.empty());
}

// ---- status_view ------------------------------------------------------------------------

TEST_F(History, StatusHasEveryComponentItsLatestBuildAndDeployedImage) {
    two_runs();
    retired_build();
    auto p = project();
    auto v = pipeline::status_view(&p.manifest, store.get(), "");
    ASSERT_TRUE(v) << v.error().message;
    Strings names;
    for (const auto& c : v->components) names.push_back(c.name);
    EXPECT_EQ(names, (Strings{"api", "lib", "retired", "stack", "web", "worker"}));
    ASSERT_EQ(v->current.size(), 1u);
    const auto& current = v->current[0];
    EXPECT_EQ(current.env, "test");
    EXPECT_EQ(current.commit, second);
    const auto& api = v->components[0];
    EXPECT_EQ(api.kind, "image");
    ASSERT_TRUE(api.latest.has_value());
    EXPECT_EQ(api.latest->build_number, 2);
    ASSERT_EQ(api.deployed.count("test"), 1u);
    EXPECT_EQ(api.deployed.at("test").build_number, 2);
    EXPECT_EQ(api.deployed.at("test").deployment_id, current.id);
    EXPECT_EQ(api.deployed.at("test").image_uri, "repo:api-2");
    const auto& lib = v->components[1];
    EXPECT_EQ(lib.kind, "library");
    EXPECT_FALSE(lib.latest.has_value());
    EXPECT_TRUE(lib.deployed.empty());
    EXPECT_EQ(v->components[2].kind, "");  // the manifest does not name it
    EXPECT_EQ(v->components[3].kind, "config");
    EXPECT_EQ(v->components[4].deployed.at("test").build_number, 1);  // web, kept
    EXPECT_TRUE(v->pending.empty());
}

TEST_F(History, AnUnknownEnvironmentIsAnErrorWithASuggestion) {
    two_runs();
    auto p = project();
    auto v = pipeline::status_view(&p.manifest, store.get(), "tset");
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, common::ErrorCode::input);
    EXPECT_NE(v.error().message.find("unknown environment 'tset' (did you mean 'test'?); "
                                     "environments: test, prod"),
              std::string::npos)
        << v.error().message;
    auto h = pipeline::component_history(&p.manifest, store.get(), "api", "nope", 10);
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("unknown environment 'nope'"), std::string::npos);
    // A name cut short still finds its component.
    auto cut = pipeline::component_history(&p.manifest, store.get(), "work", "", 10);
    ASSERT_FALSE(cut);
    EXPECT_NE(cut.error().message.find("unknown component 'work' (did you mean 'worker'?)"),
              std::string::npos)
        << cut.error().message;
}

TEST_F(History, StatusOfOneEnvironmentLeavesTheOthersOut) {
    two_runs();
    auto p = project();
    auto prod = pipeline::status_view(&p.manifest, store.get(), "prod");
    ASSERT_TRUE(prod) << prod.error().message;
    EXPECT_TRUE(prod->current.empty());
    for (const auto& c : prod->components) EXPECT_TRUE(c.deployed.empty()) << c.name;
    ASSERT_TRUE(prod->components[0].latest.has_value());  // builds are of no environment
    auto test = pipeline::status_view(&p.manifest, store.get(), "test");
    ASSERT_TRUE(test);
    EXPECT_EQ(test->current.size(), 1u);
}

TEST_F(History, APromotedEnvironmentHasItsOwnCurrentDeployment) {
    two_runs();
    pipeline::DeployRequest promote;
    promote.env = "prod";
    promote.kind = "promote";
    auto out = deploy_command(promote);
    ASSERT_TRUE(out) << out.error().message;
    auto p = project();
    auto v = pipeline::status_view(&p.manifest, store.get(), "");
    ASSERT_TRUE(v) << v.error().message;
    ASSERT_EQ(v->current.size(), 2u);
    // The manifest's order (test, then prod: the status columns), not the store's by name.
    EXPECT_EQ(v->current[0].env, "test");
    EXPECT_EQ(v->current[1].env, "prod");
    const auto& api = v->components[0];
    EXPECT_EQ(api.deployed.at("prod").build_number, 2);
    EXPECT_EQ(api.deployed.at("prod").deployment_id, v->current[1].id);
    EXPECT_EQ(api.deployed.at("test").deployment_id, v->current[0].id);
    EXPECT_EQ(v->current[1].kind, "promote");
}

TEST_F(History, OverridesNotDeployedYetArePendingNotCurrent) {
    auto one = run();
    ASSERT_TRUE(one) << one.error().message;
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    support::TempDir out_dir;
    const auto file = (out_dir.path() / "o.json").string();
    auto w = run("test", [&](pipeline::RunRequest& r) { r.write_overrides = file; });
    ASSERT_TRUE(w) << w.error().message;
    ASSERT_EQ(w->summary.result, "overrides-written");
    auto p = project();
    auto v = pipeline::status_view(&p.manifest, store.get(), "");
    ASSERT_TRUE(v) << v.error().message;
    ASSERT_EQ(v->pending.size(), 1u);
    EXPECT_EQ(v->pending[0].executed_by, "codepipeline");
    ASSERT_EQ(v->current.size(), 1u);
    EXPECT_EQ(v->current[0].commit, first);
    EXPECT_EQ(v->components[0].deployed.at("test").build_number, 1);  // not 2 yet
    ASSERT_TRUE(v->components[0].latest.has_value());
    EXPECT_EQ(v->components[0].latest->build_number, 2);
    auto doc = parse_json(pipeline::status_json(*v));
    ASSERT_EQ(doc["pending"].Size(), 1u);
    EXPECT_EQ(str(doc["pending"][0], "executed_by"), "codepipeline");
    EXPECT_EQ(str(doc["pending"][0], "status"), "pending");
    EXPECT_TRUE(doc["pending"][0]["finished_at"].IsNull());
}

TEST_F(History, StatusWithoutAStoreListsTheManifest) {
    auto p = project();
    auto v = pipeline::status_view(&p.manifest, nullptr, "");
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->components.size(), 5u);
    EXPECT_TRUE(v->current.empty());
    for (const auto& c : v->components) EXPECT_FALSE(c.latest.has_value()) << c.name;
}

// ---- history_json, status_json ----------------------------------------------------------

TEST_F(History, HistoryJsonHasTheDocumentedFieldsKeysSorted) {
    two_runs();
    auto p = project();
    auto h = pipeline::component_history(&p.manifest, store.get(), "api", "", 10);
    ASSERT_TRUE(h);
    auto d = parse_json(pipeline::history_json(*h));
    EXPECT_EQ(unsorted_keys(d), Strings{});
    EXPECT_EQ(keys_of(d), (Strings{"builds", "component", "deployments"}));
    EXPECT_EQ(str(d, "component"), "api");
    ASSERT_EQ(d["builds"].Size(), 2u);
    const auto& b = d["builds"][0];
    EXPECT_EQ(keys_of(b), (Strings{"build_number", "commit", "exit_code", "finished_at",
                                   "image_digest", "image_uri", "input_hash", "log_path",
                                   "remote_id", "run_id", "started_at", "status"}));
    EXPECT_TRUE(b["remote_id"].IsNull());  // a local build
    EXPECT_TRUE(b["image_digest"].IsNull());
    EXPECT_EQ(b["build_number"].GetInt64(), 2);
    EXPECT_EQ(str(b, "commit"), second);
    EXPECT_EQ(b["exit_code"].GetInt(), 0);
    EXPECT_EQ(str(b, "status"), "succeeded");
    EXPECT_EQ(str(b, "run_id"), second_run);
    EXPECT_EQ(str(b, "input_hash").size(), 40u);
    EXPECT_EQ(str(b, "started_at"), pipeline::iso_time(h->builds[0].started_at));
    EXPECT_EQ(str(b, "finished_at"), pipeline::iso_time(*h->builds[0].finished_at));
    ASSERT_EQ(d["deployments"].Size(), 2u);
    const auto& dep = d["deployments"][0];
    for (const char* field : {"build_number", "changed", "commit", "deployment_id", "env",
                              "finished_at", "image_uri", "status"})
        EXPECT_TRUE(dep.HasMember(field)) << field;
    EXPECT_EQ(dep["deployment_id"].GetInt64(), h->deployments[0].deployment_id);
    EXPECT_TRUE(dep["changed"].GetBool());
    EXPECT_FALSE(d["deployments"][1]["changed"].IsNull());
    EXPECT_EQ(str(dep, "image_uri"), "repo:api-2");
}

TEST(HistoryJson, ABuildStillRunningHasNullsWhereNothingIsKnownYet) {
    pipeline::ComponentHistory h;
    h.component = "api";
    versioning::BuildRecord b;
    b.component = "api";
    b.build_number = 0;  // cancelled before it took a number
    b.status = versioning::BuildStatus::running;
    b.started_at = 1'795'000'000'000;
    h.builds.push_back(b);
    auto d = parse_json(pipeline::history_json(h));
    const auto& out = d["builds"][0];
    EXPECT_TRUE(out["build_number"].IsNull());
    EXPECT_TRUE(out["exit_code"].IsNull());
    EXPECT_TRUE(out["finished_at"].IsNull());
    EXPECT_EQ(str(out, "status"), "running");
    EXPECT_EQ(str(out, "started_at"), "2026-11-18T11:06:40Z");
    EXPECT_EQ(d["deployments"].Size(), 0u);
}

TEST_F(History, StatusJsonHasTheDocumentedFieldsKeysSorted) {
    two_runs();
    auto p = project();
    auto v = pipeline::status_view(&p.manifest, store.get(), "");
    ASSERT_TRUE(v);
    auto d = parse_json(pipeline::status_json(*v));
    EXPECT_EQ(unsorted_keys(d), Strings{});
    for (const char* field : {"components", "environments"})
        EXPECT_TRUE(d.HasMember(field)) << field;
    EXPECT_EQ(strings(d, "environments"), Strings{"test"});
    ASSERT_EQ(d["components"].Size(), 5u);
    const auto& api = d["components"][0];
    EXPECT_EQ(keys_of(api), (Strings{"deployed", "latest_build", "name"}));
    EXPECT_EQ(str(api, "name"), "api");
    EXPECT_EQ(keys_of(api["deployed"]["test"]),
              (Strings{"build_number", "commit", "deployment_id", "differs", "image_uri"}));
    EXPECT_EQ(str(api["deployed"]["test"], "commit"), v->current[0].images[0].commit);
    EXPECT_EQ(api["deployed"]["test"]["build_number"].GetInt64(), 2);
    EXPECT_EQ(api["deployed"]["test"]["deployment_id"].GetInt64(), v->current[0].id);
    EXPECT_EQ(str(api["deployed"]["test"], "image_uri"), "repo:api-2");
    EXPECT_EQ(api["latest_build"]["build_number"].GetInt64(), 2);
    EXPECT_EQ(str(api["latest_build"], "status"), "succeeded");
    const auto& lib = d["components"][1];
    EXPECT_EQ(str(lib, "name"), "lib");
    EXPECT_TRUE(lib["latest_build"].IsNull());
    EXPECT_EQ(lib["deployed"].MemberCount(), 0u);
    ASSERT_TRUE(d.HasMember("deployments"));
    ASSERT_EQ(d["deployments"].Size(), 1u);
    EXPECT_EQ(str(d["deployments"][0], "commit"), second);
    EXPECT_EQ(str(d["deployments"][0], "env"), "test");
    EXPECT_EQ(str(d["deployments"][0], "status"), "succeeded");
    EXPECT_EQ(d["pending"].Size(), 0u);
}

TEST(StatusJson, NothingKnownIsStillTheWholeDocument) {
    auto d = parse_json(pipeline::status_json({}));
    EXPECT_EQ(d["components"].Size(), 0u);
    EXPECT_EQ(d["environments"].Size(), 0u);
    EXPECT_EQ(d["deployments"].Size(), 0u);
    EXPECT_EQ(d["pending"].Size(), 0u);
}

}  // namespace
