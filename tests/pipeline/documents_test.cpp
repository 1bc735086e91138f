// The query commands' JSON documents (docs/json.md) read back with rapidjson: a selection
// (`affected --json`) from a real repository's diff, a build command's report, a commit's
// recorded diffs. Keys sorted at every depth, the documented fields, nulls where nothing is
// known, and paths that are not UTF-8 in git's quoted form.
#include "pipeline/documents.hpp"
#include "common/path_text.hpp"
#include "json_check.hpp"
#include "pipeline/builds.hpp"
#include "pipeline_fixture.hpp"

namespace {

using pipeline_test::keys_of;
using pipeline_test::parse_json;
using pipeline_test::Pipeline;
using pipeline_test::str;
using pipeline_test::strings;
using pipeline_test::unsorted_keys;
using Strings = std::vector<std::string>;

class Documents : public Pipeline {
  protected:
    void SetUp() override {
        Pipeline::SetUp();
        repo.write("slipway.yml",
                   std::string(pipeline_test::k_manifest) + "global_inputs: [Dockerfile.base]\n");
        repo.write("Dockerfile.base", "FROM x\n");
        base = repo.commit("global inputs");
    }
    components::Selection select(const Strings& paths) {
        auto p = project();
        return components::Selector(p.manifest, p.graph).select(paths);
    }
    // The reasons of one affected component as "type:path|component(pattern)".
    static Strings reasons(const rapidjson::Value& component) {
        Strings out;
        for (const auto& r : component["reasons"].GetArray()) {
            const std::string type = str(r, "type");
            out.push_back(type == "dependency"
                              ? type + ":" + str(r, "component")
                              : type + ":" + str(r, "path") + "(" + str(r, "pattern") + ")");
        }
        return out;
    }
    std::string base;
};

// ---- selection_json ---------------------------------------------------------------------

TEST_F(Documents, SelectionFromGitHasTheDiffsRefsAndEveryField) {
    repo.write("lib/util.py", "v2\n");
    repo.write("api/README.md", "docs\n");
    repo.write("tools/lint.sh", "lint\n");
    repo.commit("lib, docs, a tool");
    auto p = project();
    std::optional<diff::ChangeSet> changes;
    diff::DiffRequest request;
    request.base = "main~1";
    auto paths = pipeline::changed_paths(&*p.repo, request, "", changes);
    ASSERT_TRUE(paths) << paths.error().message;
    auto selection = components::Selector(p.manifest, p.graph).select(*paths);
    auto d = parse_json(pipeline::selection_json(selection, &*changes));
    EXPECT_EQ(unsorted_keys(d), Strings{});
    EXPECT_EQ(keys_of(d), (Strings{"affected", "base", "base_id", "changed", "head", "head_id",
                                   "ignored", "merge_base", "unowned"}));
    EXPECT_EQ(str(d, "base"), "main~1");
    EXPECT_EQ(str(d, "base_id"), base);
    EXPECT_EQ(str(d, "head"), "HEAD");
    EXPECT_EQ(str(d, "head_id"), p.head);
    EXPECT_EQ(str(d, "merge_base"), base);
    EXPECT_EQ(strings(d, "changed"), (Strings{"api/README.md", "lib/util.py", "tools/lint.sh"}));
    EXPECT_EQ(strings(d, "ignored"), Strings{"api/README.md"});
    EXPECT_EQ(strings(d, "unowned"), Strings{"tools/lint.sh"});
    ASSERT_EQ(d["affected"].Size(), 3u);  // dependencies first, ties by name
    EXPECT_EQ(str(d["affected"][0], "name"), "lib");
    EXPECT_EQ(str(d["affected"][0], "kind"), "library");
    EXPECT_EQ(str(d["affected"][1], "name"), "api");
    EXPECT_EQ(str(d["affected"][1], "kind"), "image");
    EXPECT_EQ(str(d["affected"][2], "name"), "web");
    EXPECT_EQ(keys_of(d["affected"][0]), (Strings{"kind", "name", "reasons"}));
    EXPECT_EQ(reasons(d["affected"][0]), Strings{"path:lib/util.py(lib/)"});
    EXPECT_EQ(reasons(d["affected"][1]), Strings{"dependency:lib"});
    EXPECT_EQ(keys_of(d["affected"][1]["reasons"][0]), (Strings{"component", "type"}));
    EXPECT_EQ(keys_of(d["affected"][0]["reasons"][0]), (Strings{"path", "pattern", "type"}));
}

TEST_F(Documents, ReasonsArePathsThenDependenciesThenGlobalInputs) {
    auto d = parse_json(pipeline::selection_json(
        select({"Dockerfile.base", "lib/a.py", "api/x.py", "api/y.py"}), nullptr));
    EXPECT_EQ(unsorted_keys(d), Strings{});
    ASSERT_TRUE(d["affected"].IsArray());
    const rapidjson::Value* api = nullptr;
    for (const auto& c : d["affected"].GetArray())
        if (str(c, "name") == "api") api = &c;
    ASSERT_NE(api, nullptr);
    EXPECT_EQ(reasons(*api),
              (Strings{"path:api/x.py(api/)", "path:api/y.py(api/)", "dependency:lib",
                       "global:Dockerfile.base(Dockerfile.base)"}));
}

TEST_F(Documents, ASelectionFromAPathListHasNullRefs) {
    auto d = parse_json(pipeline::selection_json(select({"worker/x.py", "worker/x.py"}), nullptr));
    for (const char* field : {"base", "base_id", "head", "head_id", "merge_base"}) {
        ASSERT_TRUE(d.HasMember(field)) << field;
        EXPECT_TRUE(d[field].IsNull()) << field;
    }
    EXPECT_EQ(strings(d, "changed"), Strings{"worker/x.py"});  // once
    ASSERT_EQ(d["affected"].Size(), 1u);
    EXPECT_EQ(str(d["affected"][0], "name"), "worker");
}

TEST_F(Documents, ATwoDotDiffHasANullMergeBase) {
    repo.write("worker/x.py", "x\n");
    repo.commit("worker");
    auto p = project();
    std::optional<diff::ChangeSet> changes;
    diff::DiffRequest request;
    request.base = base;
    request.two_dot = true;
    auto paths = pipeline::changed_paths(&*p.repo, request, "", changes);
    ASSERT_TRUE(paths) << paths.error().message;
    auto d = parse_json(pipeline::selection_json(
        components::Selector(p.manifest, p.graph).select(*paths), &*changes));
    EXPECT_TRUE(d["merge_base"].IsNull());
    EXPECT_EQ(str(d, "base_id"), base);
}

TEST_F(Documents, PathsThatAreNotUtf8AreInGitsQuotedForm) {
    const std::string latin1 = "api/caf\xe9.py";  // a Latin-1 name: not UTF-8
    const std::string utf8 = "worker/caf\xc3\xa9.py";
    auto selection = select({latin1, utf8, "notes/\xff.md", "stray/\xfe"});
    auto d = parse_json(pipeline::selection_json(selection, nullptr));
    const auto changed = strings(d, "changed");
    EXPECT_EQ(changed,
              (Strings{"\"api/caf\\351.py\"", "\"notes/\\377.md\"", "\"stray/\\376\"", utf8}));
    EXPECT_EQ(common::unquote_path(changed[0]), latin1);  // lossless
    EXPECT_EQ(strings(d, "ignored"), Strings{"\"notes/\\377.md\""});
    EXPECT_EQ(strings(d, "unowned"), Strings{"\"stray/\\376\""});
    for (const auto& c : d["affected"].GetArray()) {
        if (str(c, "name") == "api") {
            EXPECT_EQ(str(c["reasons"][0], "path"), "\"api/caf\\351.py\"");
        }
    }
}

TEST_F(Documents, AUtf8PathThatStartsWithAQuoteIsQuotedToo) {
    // Else a reader could not tell it from a quoted form.
    auto d = parse_json(pipeline::selection_json(select({"\"odd\".txt"}), nullptr));
    const auto changed = strings(d, "changed");
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(common::unquote_path(changed[0]), "\"odd\".txt");
}

// ---- build_report_json ------------------------------------------------------------------

components::BuildOutcome outcome(const std::string& component, versioning::BuildStatus status,
                                 std::int64_t number) {
    components::BuildOutcome b;
    b.component = component;
    b.status = status;
    b.build_number = number;
    b.image_uri = number ? "repo:" + component + "-" + std::to_string(number) : "";
    b.started_at = 1'795'000'000'000;
    b.finished_at = 1'795'000'001'234;
    b.log_path = "/repo/.slipway/logs/run/" + component + ".log";
    b.input_hash = std::string(40, 'c');
    return b;
}

TEST(BuildReportJson, HasTheDocumentedFieldsKeysSorted) {
    components::BuildReport r;
    auto ok = outcome("api", versioning::BuildStatus::succeeded, 3);
    ok.exit_code = 0;
    auto failed = outcome("web", versioning::BuildStatus::failed, 4);
    failed.exit_code = 137;
    r.builds = {ok, failed};
    auto d = parse_json(pipeline::build_report_json(r, "20261118T070640-abcdef", "f00d"));
    EXPECT_EQ(unsorted_keys(d), Strings{});
    EXPECT_EQ(keys_of(d), (Strings{"builds", "commit", "interrupted", "run_id"}));
    EXPECT_EQ(str(d, "commit"), "f00d");
    EXPECT_EQ(str(d, "run_id"), "20261118T070640-abcdef");
    EXPECT_FALSE(d["interrupted"].GetBool());
    ASSERT_EQ(d["builds"].Size(), 2u);
    const auto& b = d["builds"][0];
    EXPECT_EQ(keys_of(b),
              (Strings{"build_number", "component", "duration_ms", "exit_code", "finished_at",
                       "image_digest", "image_uri", "input_hash", "log_path", "remote_id",
                       "reused_from", "started_at", "status"}));
    EXPECT_EQ(b["build_number"].GetInt64(), 3);
    EXPECT_EQ(str(b, "component"), "api");  // plan order kept
    EXPECT_EQ(b["duration_ms"].GetInt64(), 1234);
    EXPECT_EQ(b["exit_code"].GetInt(), 0);
    EXPECT_EQ(str(b, "started_at"), "2026-11-18T11:06:40Z");
    EXPECT_EQ(str(b, "finished_at"), "2026-11-18T11:06:41Z");
    EXPECT_EQ(str(b, "image_uri"), "repo:api-3");
    EXPECT_EQ(str(b, "input_hash"), std::string(40, 'c'));
    EXPECT_EQ(str(b, "status"), "succeeded");
    EXPECT_EQ(d["builds"][1]["exit_code"].GetInt(), 137);
    EXPECT_EQ(str(d["builds"][1], "status"), "failed");
}

TEST(BuildReportJson, SkippedAndCancelledBuildsHaveNullNumbersAndExitCodes) {
    components::BuildReport r;
    r.interrupted = true;
    r.builds = {outcome("api", versioning::BuildStatus::skipped, 0),
                outcome("web", versioning::BuildStatus::cancelled, 0),
                outcome("worker", versioning::BuildStatus::timed_out, 9),
                outcome("old", versioning::BuildStatus::reused, 2)};
    auto d = parse_json(pipeline::build_report_json(r, "run", "c"));
    EXPECT_TRUE(d["interrupted"].GetBool());
    EXPECT_TRUE(d["builds"][0]["build_number"].IsNull());
    EXPECT_TRUE(d["builds"][0]["exit_code"].IsNull());
    EXPECT_EQ(str(d["builds"][0], "status"), "skipped");
    EXPECT_EQ(str(d["builds"][1], "status"), "cancelled");
    EXPECT_EQ(str(d["builds"][2], "status"), "timed-out");
    EXPECT_TRUE(d["builds"][2]["exit_code"].IsNull());  // killed, did not exit by itself
    EXPECT_EQ(str(d["builds"][3], "status"), "reused");
    EXPECT_EQ(d["builds"][3]["build_number"].GetInt64(), 2);  // the number it reuses
}

TEST(BuildReportJson, NoBuildsIsAnEmptyList) {
    auto d = parse_json(pipeline::build_report_json({}, "run", "c"));
    EXPECT_TRUE(d["builds"].IsArray());
    EXPECT_EQ(d["builds"].Size(), 0u);
}

// ---- diffs_of, diffs_json ---------------------------------------------------------------

TEST_F(Documents, DiffsOfASelectionKeepPathsAndGlobalInputsButNotDependencies) {
    auto diffs = pipeline::diffs_of(
        select({"lib/a.py", "api/x.py", "api/x.py", "Dockerfile.base", "README.md"}), "c0ffee");
    std::map<std::string, Strings> by_component;
    for (const auto& d : diffs) {
        EXPECT_EQ(d.commit, "c0ffee");
        by_component[d.component] = d.paths;
    }
    // A global input affects every component; lib's path is not web's.
    EXPECT_EQ(by_component["lib"], (Strings{"Dockerfile.base", "lib/a.py"}));
    EXPECT_EQ(by_component["api"], (Strings{"Dockerfile.base", "api/x.py"}));  // sorted, once
    EXPECT_EQ(by_component["web"], Strings{"Dockerfile.base"});
    EXPECT_EQ(by_component["worker"], Strings{"Dockerfile.base"});
    EXPECT_EQ(by_component["stack"], Strings{"Dockerfile.base"});
    EXPECT_EQ(diffs.size(), 5u);
    EXPECT_EQ(by_component.size(), 5u);
    for (const auto& d : diffs)
        for (const auto& path : d.paths) EXPECT_NE(path, "README.md") << d.component;
}

TEST_F(Documents, DiffsOfNothingAffectedIsEmpty) {
    EXPECT_TRUE(pipeline::diffs_of(select({"README.md", "stray.txt"}), "c").empty());
    EXPECT_TRUE(pipeline::diffs_of(select({}), "c").empty());
}

TEST(DiffsJson, HasTheCommitAndEachComponentsPathsKeysSorted) {
    std::vector<versioning::DiffRecord> diffs = {{"abc", "api", {"api/x.py", "api/caf\xe9.py"}},
                                                 {"abc", "web", {}}};
    auto d = parse_json(pipeline::diffs_json("abc", diffs));
    EXPECT_EQ(unsorted_keys(d), Strings{});
    EXPECT_EQ(keys_of(d), (Strings{"commit", "components"}));
    EXPECT_EQ(str(d, "commit"), "abc");
    ASSERT_EQ(d["components"].Size(), 2u);
    EXPECT_EQ(keys_of(d["components"][0]), (Strings{"name", "paths"}));
    EXPECT_EQ(str(d["components"][0], "name"), "api");
    EXPECT_EQ(strings(d["components"][0], "paths"), (Strings{"api/x.py", "\"api/caf\\351.py\""}));
    EXPECT_EQ(d["components"][1]["paths"].Size(), 0u);
    auto empty = parse_json(pipeline::diffs_json("abc", {}));
    EXPECT_EQ(empty["components"].Size(), 0u);
}

TEST_F(Documents, DiffsRecordedByABuildCommandReadBackAsJson) {
    repo.write("api/x.py", "x\n");
    repo.write("lib/y.py", "y\n");
    const auto head = repo.commit("api and lib");
    auto p = project();
    pipeline::BuildRequest r;
    r.diff.base = base;
    r.options.jobs = 2;
    r.trigger = {"cli", "", "", "tester@host"};
    auto selected = pipeline::select_builds(p, r);
    ASSERT_TRUE(selected) << selected.error().message;
    auto s = services();
    auto out = pipeline::run_build_command(p, r, *selected, s, observer);
    ASSERT_TRUE(out) << out.error().message;
    auto recorded = store->diffs_of(head);
    ASSERT_TRUE(recorded) << recorded.error().message;
    auto d = parse_json(pipeline::diffs_json(head, *recorded));
    std::map<std::string, Strings> by_name;
    for (const auto& c : d["components"].GetArray()) by_name[str(c, "name")] = strings(c, "paths");
    EXPECT_EQ(by_name["api"], Strings{"api/x.py"});
    EXPECT_EQ(by_name["lib"], Strings{"lib/y.py"});
    EXPECT_EQ(by_name.count("worker"), 0u);
    auto report = parse_json(pipeline::build_report_json(out->report, out->run_id, head));
    EXPECT_EQ(str(report, "commit"), head);
    Strings built;
    for (const auto& b : report["builds"].GetArray())
        built.push_back(str(b, "component") + " " + str(b, "status"));
    EXPECT_EQ(built, (Strings{"api succeeded", "web succeeded"}));
}

}  // namespace
