// The project a command works on, over real repositories made with the git CLI: which
// manifest is read (the work tree's at HEAD, a commit's for another head), what bad refs and
// manifests say, the changed paths a selection starts from (compared with git's own
// `diff --name-status -M`), path lists, and where the store is and whether it is created.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "pipeline/project.hpp"
#include "support/git_repo.hpp"

namespace {

namespace fs = std::filesystem;

constexpr const char* k_one = R"(version: 1
project: shop
image: {repository: repo, tag: "{component}-{build}"}
components:
  api: {paths: [api/], parameter: ApiImage, build: build api}
environments:
  test: {stack: shop-test, region: us-east-1, template: template.yml}
  prod: {stack: shop-prod, region: us-east-1, template: template.yml}
)";

constexpr const char* k_two = R"(version: 1
project: shop
image: {repository: repo, tag: "{component}-{build}"}
components:
  api: {paths: [api/], parameter: ApiImage, build: build api}
  web: {paths: [web/], parameter: WebImage, build: build web}
environments:
  test: {stack: shop-test, region: us-east-1, template: template.yml}
)";

// A manifest whose YAML does not parse: an unclosed flow mapping on line 5.
constexpr const char* k_broken =
    "version: 1\nproject: shop\nimage: {repository: repo}\n"
    "components:\n  api: {paths: [api/]\n";

std::vector<std::string> names(const components::Manifest& m) {
    return m.component_names();
}

// Restores an environment variable when the test ends.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name)) m_old = old;
        value ? ::setenv(name, value, 1) : ::unsetenv(name);
    }
    ~ScopedEnv() { m_old ? ::setenv(m_name, m_old->c_str(), 1) : ::unsetenv(m_name); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* m_name;
    std::optional<std::string> m_old;
};

class Project : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("slipway.yml", k_one);
        repo.write("api/main.py", "v1\n");
        first = repo.commit("one component");
        repo.write("slipway.yml", k_two);
        repo.write("web/main.py", "v1\n");
        second = repo.commit("two components");
    }
    common::Result<pipeline::Project> open(const std::string& head = "HEAD",
                                           const std::string& work_tree = "") {
        return pipeline::open_project({repo.path().string(), "", head, "", work_tree, ""});
    }
    support::GitRepo repo;
    std::string first, second;
};

// ---- open_project -----------------------------------------------------------------------

TEST_F(Project, AtHeadTheManifestIsTheWorkTreesFile) {
    // An edit not committed yet is what `slipway affected` and `run` see at HEAD.
    repo.write("slipway.yml", std::string(k_two) +
                                  "  prod: {stack: p, region: us-east-1, "
                                  "template: template.yml}\n");
    auto p = open();
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(names(p->manifest), (std::vector<std::string>{"api", "web"}));
    EXPECT_EQ(p->manifest.environments.size(), 2u);
    EXPECT_EQ(p->head, second);
    EXPECT_EQ(p->head, repo.git("rev-parse HEAD").substr(0, 40));
    EXPECT_EQ(fs::canonical(p->root), fs::canonical(repo.path()));
    EXPECT_TRUE(p->repo.has_value());
    EXPECT_EQ(p->graph.names.size(), 2u);
}

TEST_F(Project, AFolderInsideTheRepositoryOpensTheRepository) {
    auto p = pipeline::open_project({(repo.path() / "api").string(), "", "HEAD", "", "", ""});
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(fs::canonical(p->root), fs::canonical(repo.path()));
    EXPECT_EQ(names(p->manifest), (std::vector<std::string>{"api", "web"}));
}

TEST_F(Project, AnotherHeadReadsTheManifestOfThatCommit) {
    repo.write("slipway.yml", k_broken);  // the work tree's file does not matter then
    for (const std::string& head : {first, std::string("HEAD~1"), first.substr(0, 10)}) {
        auto p = open(head);
        ASSERT_TRUE(p) << head << ": " << p.error().message;
        EXPECT_EQ(names(p->manifest), std::vector<std::string>{"api"}) << head;
        EXPECT_EQ(p->head, first) << head;
        EXPECT_EQ(p->manifest.file, head + ":slipway.yml");
    }
}

TEST_F(Project, AnotherWorkTreeReadsTheHeadCommitsManifest) {
    repo.write("slipway.yml", k_broken);  // uncommitted, in the repository's own work tree
    support::TempDir checkout;
    auto p = open("HEAD", checkout.path().string());
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(names(p->manifest), (std::vector<std::string>{"api", "web"}));
    EXPECT_EQ(p->root, fs::absolute(checkout.path()).string());
    EXPECT_EQ(p->head, second);
}

TEST_F(Project, AnUnknownRefIsAnInputErrorNamingIt) {
    auto p = open("no-such-branch");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, common::ErrorCode::input);
    EXPECT_NE(p.error().message.find("'no-such-branch'"), std::string::npos) << p.error().message;
    auto typo = open("mian");
    ASSERT_FALSE(typo);
    EXPECT_EQ(typo.error().code, common::ErrorCode::input);
    EXPECT_NE(typo.error().message.find("did you mean 'main'"), std::string::npos)
        << typo.error().message;
}

TEST_F(Project, ARefToABlobIsAnInputError) {
    const auto blob = repo.git("rev-parse HEAD:api/main.py").substr(0, 40);
    auto p = open(blob);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, common::ErrorCode::input) << p.error().message;
}

TEST_F(Project, ABrokenManifestInTheWorkTreeNamesFileAndLine) {
    repo.write("slipway.yml", k_broken);
    auto p = open();
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, common::ErrorCode::input);
    EXPECT_TRUE(std::regex_search(p.error().message, std::regex(R"(slipway\.yml:[0-9]+)")))
        << p.error().message;
}

TEST_F(Project, ABrokenManifestInACommitNamesTheCommitFileAndLine) {
    repo.write("slipway.yml", k_broken);
    const auto broken = repo.commit("broken");
    repo.write("slipway.yml", k_two);
    repo.commit("fixed");
    auto p = open(broken);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, common::ErrorCode::input);
    EXPECT_TRUE(
        std::regex_search(p.error().message, std::regex(broken + R"(:slipway\.yml:[0-9]+)")))
        << p.error().message;
}

TEST_F(Project, ADependencyCycleIsAnInputErrorNamingIt) {
    std::string text = k_two;
    text.replace(text.find("build: build api}"), 17, "build: build api, depends_on: [web]}");
    text.replace(text.find("build: build web}"), 17, "build: build web, depends_on: [api]}");
    repo.write("slipway.yml", text);
    auto p = open();
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, common::ErrorCode::input);
    EXPECT_NE(p.error().message.find("api -> web -> api"), std::string::npos) << p.error().message;
    EXPECT_TRUE(std::regex_search(p.error().message, std::regex(R"(slipway\.yml:[0-9]+)")))
        << p.error().message;
}

TEST_F(Project, ACommitWithoutAManifestIsAnInputError) {
    repo.git("checkout -q --orphan bare-branch");
    repo.git("rm -q -rf .");
    repo.write("other.txt", "x\n");
    const auto no_manifest = repo.commit("no manifest");
    repo.git("checkout -q main");
    auto p = open(no_manifest);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, common::ErrorCode::input) << p.error().message;
    EXPECT_NE(p.error().message.find("slipway.yml"), std::string::npos) << p.error().message;
}

TEST_F(Project, TheManifestFlagWins) {
    support::TempDir elsewhere;
    const auto file = (elsewhere.path() / "other.yml").string();
    std::ofstream(file) << k_one;
    auto p = pipeline::open_project({repo.path().string(), file, "HEAD", "", "", ""});
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(names(p->manifest), std::vector<std::string>{"api"});
    EXPECT_EQ(p->manifest.file, file);
}

TEST(ProjectOutsideGit, AFolderWithAManifestIsAProjectWithoutRepository) {
    support::TempDir dir;
    std::ofstream(dir.path() / "slipway.yml") << k_one;
    // Not the current directory: the manifest is the folder's, not the process's.
    auto p = pipeline::open_project({dir.path().string(), "", "HEAD", "", "", ""});
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_FALSE(p->repo.has_value());
    EXPECT_EQ(p->head, "");
    EXPECT_EQ(fs::path(p->root), fs::absolute(dir.path()));
    EXPECT_EQ(names(p->manifest), std::vector<std::string>{"api"});
}

TEST_F(Project, TheEnvironmentByNameOrAnInputErrorListingThem) {
    repo.write("slipway.yml", k_one);
    auto p = open();
    ASSERT_TRUE(p) << p.error().message;
    auto test = p->environment("test");
    ASSERT_TRUE(test);
    EXPECT_EQ((*test)->stacks.at(0).name, "shop-test");
    auto typo = p->environment("tset");
    ASSERT_FALSE(typo);
    EXPECT_EQ(typo.error().code, common::ErrorCode::input);
    EXPECT_NE(typo.error().message.find("unknown environment 'tset'"), std::string::npos);
    EXPECT_NE(typo.error().message.find("did you mean 'test'"), std::string::npos)
        << typo.error().message;
    EXPECT_NE(typo.error().message.find("environments: test, prod"), std::string::npos)
        << typo.error().message;
}

TEST_F(Project, TheManifestComesFromGitOnlyForAnotherHeadWithoutAFlag) {
    auto r = diff::Repository::open(repo.path().string());
    ASSERT_TRUE(r);
    EXPECT_FALSE(pipeline::manifest_comes_from_git(&*r, "", "HEAD"));
    EXPECT_TRUE(pipeline::manifest_comes_from_git(&*r, "", "HEAD~1"));
    EXPECT_TRUE(pipeline::manifest_comes_from_git(&*r, "", "HEAD^{commit}"));
    EXPECT_FALSE(pipeline::manifest_comes_from_git(&*r, "m.yml", "HEAD~1"));
    EXPECT_FALSE(pipeline::manifest_comes_from_git(nullptr, "", "HEAD~1"));
}

TEST_F(Project, ABareRepositoryReadsTheManifestFromGitEvenAtHead) {
    support::TempDir bare;
    support::run("git clone -q --bare " + support::shell_quote(repo.path().string()) + " " +
                 support::shell_quote((bare.path() / "b.git").string()));
    auto r = diff::Repository::open((bare.path() / "b.git").string());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(pipeline::manifest_comes_from_git(&*r, "", "HEAD"));
    auto m = pipeline::load_project_manifest(&*r, "", "HEAD");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(names(*m), (std::vector<std::string>{"api", "web"}));
}

TEST_F(Project, LogsGoUnderSlipwayOrTheStateDir) {
    auto p = open();
    ASSERT_TRUE(p) << p.error().message;
    const auto logs = pipeline::log_dir(*p, "run-1");
    EXPECT_EQ(fs::path(logs), fs::path(p->root) / ".slipway" / "logs" / "run-1");
    EXPECT_TRUE(fs::is_directory(logs));
    EXPECT_EQ(repo.git("status --porcelain --untracked-files=all"), "");
    support::TempDir state;
    p->state_dir = (state.path() / "state").string();
    const auto elsewhere = pipeline::log_dir(*p, "run-2");
    EXPECT_EQ(fs::path(elsewhere), state.path() / "state" / "logs" / "run-2");
    EXPECT_TRUE(fs::is_directory(elsewhere));
}

// ---- read_path_list ---------------------------------------------------------------------

class PathList : public ::testing::Test {
  protected:
    std::string file(const std::string& content) {
        const auto path = (dir.path() / "changed.txt").string();
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    support::TempDir dir;
};

TEST_F(PathList, SkipsBlankLinesAndDropsCarriageReturns) {
    auto paths = pipeline::read_path_list(file("api/a.py\r\n\r\n\nweb/b.py\n\nlast.txt"));
    ASSERT_TRUE(paths) << paths.error().message;
    EXPECT_EQ(*paths, (std::vector<std::string>{"api/a.py", "web/b.py", "last.txt"}));
}

TEST_F(PathList, UnquotesGitsQuotedForm) {
    // As `git diff --name-only` prints them with core.quotePath (its default).
    auto paths = pipeline::read_path_list(
        file("\"caf\\303\\251/menu.txt\"\n\"tab\\there.txt\"\n\"say \\\"hi\\\".txt\"\r\n"
             "\"back\\\\slash\"\nplain \"quotes\" inside.txt\n"));
    ASSERT_TRUE(paths) << paths.error().message;
    EXPECT_EQ(*paths,
              (std::vector<std::string>{"caf\xc3\xa9/menu.txt", "tab\there.txt", "say \"hi\".txt",
                                        "back\\slash", "plain \"quotes\" inside.txt"}));
}

TEST_F(PathList, ReadsWhatGitPrintsForAWeirdFileName) {
    support::GitRepo repo;
    repo.write("a.txt", "a\n");
    const auto base = repo.commit("init");
    repo.write("caf\xc3\xa9 \"x\"/n\tme.txt", "x\n");
    repo.commit("weird");
    const auto listed = repo.git("diff --name-only " + base + " HEAD");
    ASSERT_EQ(listed.front(), '"') << "git quotes it: " << listed;
    auto paths = pipeline::read_path_list(file(listed));
    ASSERT_TRUE(paths) << paths.error().message;
    EXPECT_EQ(*paths, std::vector<std::string>{"caf\xc3\xa9 \"x\"/n\tme.txt"});
}

TEST_F(PathList, DropsALeadingDotSlash) {
    auto paths = pipeline::read_path_list(file("./api/a.py\n././web/b.py\n"));
    ASSERT_TRUE(paths);
    EXPECT_EQ(*paths, (std::vector<std::string>{"api/a.py", "web/b.py"}));
}

TEST_F(PathList, AMissingFileIsAnInputErrorNamingIt) {
    const auto missing = (dir.path() / "nope.txt").string();
    auto paths = pipeline::read_path_list(missing);
    ASSERT_FALSE(paths);
    EXPECT_EQ(paths.error().code, common::ErrorCode::input);
    EXPECT_NE(paths.error().message.find(missing), std::string::npos) << paths.error().message;
}

TEST_F(PathList, DashReadsStandardInput) {
    const auto path = file("api/a.py\r\n\nweb/b.py\n");
    const int saved = ::dup(0);
    const int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ::dup2(fd, 0);
    ::close(fd);
    auto paths = pipeline::read_path_list("-");
    ::dup2(saved, 0);
    ::close(saved);
    std::cin.clear();
    ASSERT_TRUE(paths) << paths.error().message;
    EXPECT_EQ(*paths, (std::vector<std::string>{"api/a.py", "web/b.py"}));
}

// ---- changed_paths ----------------------------------------------------------------------

// Every path `git diff --name-status -M base head` names (both sides of renames), sorted.
std::vector<std::string> git_touched(const support::GitRepo& repo, const std::string& range) {
    const auto out = repo.git("-c core.quotePath=false diff --name-status -M -z " + range);
    std::vector<std::string> fields;
    for (std::size_t s = 0, e; s < out.size(); s = e + 1) {
        e = out.find('\0', s);
        if (e == std::string::npos) e = out.size();
        fields.push_back(out.substr(s, e - s));
    }
    std::set<std::string> paths;
    for (std::size_t i = 0; i < fields.size();) {
        const auto& status = fields[i++];
        if (status.empty()) continue;
        const int count = status[0] == 'R' || status[0] == 'C' ? 2 : 1;
        for (int k = 0; k < count && i < fields.size(); ++k) paths.insert(fields[i++]);
    }
    return {paths.begin(), paths.end()};
}

TEST_F(Project, ChangedPathsAreGitsWithBothSidesOfARename) {
    repo.write("api/big.py", std::string(2000, 'x') + "\n");
    repo.write("web/old.txt", "gone\n");
    const auto base = repo.commit("more files");
    repo.git("mv api/big.py web/moved.py");  // the same content: a rename for git
    repo.remove("web/old.txt");
    repo.write("web/main.py", "v2\n");
    repo.write("new dir/caf\xc3\xa9.txt", "new\n");
    repo.commit("changes");
    ASSERT_NE(repo.git("diff --name-status -M " + base + " HEAD").find("R100"), std::string::npos);
    auto r = diff::Repository::open(repo.path().string());
    ASSERT_TRUE(r);
    std::optional<diff::ChangeSet> changes;
    diff::DiffRequest request;
    request.base = base;
    auto paths = pipeline::changed_paths(&*r, request, "", changes);
    ASSERT_TRUE(paths) << paths.error().message;
    EXPECT_EQ(*paths, git_touched(repo, base + " HEAD"));
    EXPECT_EQ(*paths, (std::vector<std::string>{"api/big.py", "new dir/caf\xc3\xa9.txt",
                                                "web/main.py", "web/moved.py", "web/old.txt"}));
    ASSERT_TRUE(changes.has_value());
    EXPECT_EQ(changes->base_id, base);
    EXPECT_EQ(changes->head_id, repo.git("rev-parse HEAD").substr(0, 40));
    EXPECT_EQ(changes->merge_base, base);
}

TEST_F(Project, ChangedPathsFollowTheMergeBase) {
    repo.git("checkout -q -b feature " + first);
    repo.write("api/feature.py", "f\n");
    repo.commit("feature");
    // main (the base) moved on after the branch point: its change is not the feature's.
    auto r = diff::Repository::open(repo.path().string());
    ASSERT_TRUE(r);
    std::optional<diff::ChangeSet> changes;
    diff::DiffRequest request;
    request.base = "main";
    auto paths = pipeline::changed_paths(&*r, request, "", changes);
    ASSERT_TRUE(paths) << paths.error().message;
    EXPECT_EQ(*paths, git_touched(repo, "main...HEAD"));
    EXPECT_EQ(*paths, std::vector<std::string>{"api/feature.py"});
    EXPECT_EQ(changes->merge_base, first);
}

TEST_F(Project, ChangedPathsFromAFileLeaveTheChangeSetEmpty) {
    support::TempDir dir;
    const auto list = (dir.path() / "changed.txt").string();
    std::ofstream(list) << "web/x.py\n\napi/y.py\n";
    auto r = diff::Repository::open(repo.path().string());
    ASSERT_TRUE(r);
    std::optional<diff::ChangeSet> changes;
    diff::DiffRequest request;
    request.base = "no-such-ref";  // not looked at
    auto paths = pipeline::changed_paths(&*r, request, list, changes);
    ASSERT_TRUE(paths) << paths.error().message;
    EXPECT_EQ(*paths, (std::vector<std::string>{"web/x.py", "api/y.py"}));
    EXPECT_FALSE(changes.has_value());
}

TEST_F(Project, ChangedPathsFromAnUnknownBaseIsAnInputError) {
    auto r = diff::Repository::open(repo.path().string());
    ASSERT_TRUE(r);
    std::optional<diff::ChangeSet> changes;
    diff::DiffRequest request;
    request.base = "no-such-ref";
    auto paths = pipeline::changed_paths(&*r, request, "", changes);
    ASSERT_FALSE(paths);
    EXPECT_EQ(paths.error().code, common::ErrorCode::input);
    EXPECT_FALSE(changes.has_value());
}

// ---- store_url, open_store_at -----------------------------------------------------------

TEST(StoreUrl, FlagThenEnvironmentThenManifestThenDefault) {
    components::Manifest m;
    m.store = "sqlite:from-manifest.db";
    {
        ScopedEnv env("SLIPWAY_STORE", "sqlite:from-env.db");
        EXPECT_EQ(pipeline::store_url("sqlite:flag.db", &m), "sqlite:flag.db");
        EXPECT_EQ(pipeline::store_url("", &m), "sqlite:from-env.db");
        EXPECT_EQ(pipeline::store_url("", nullptr), "sqlite:from-env.db");
    }
    {
        ScopedEnv env("SLIPWAY_STORE", "");  // empty is unset
        EXPECT_EQ(pipeline::store_url("", &m), "sqlite:from-manifest.db");
    }
    ScopedEnv env("SLIPWAY_STORE", nullptr);
    EXPECT_EQ(pipeline::store_url("", &m), "sqlite:from-manifest.db");
    m.store.clear();
    EXPECT_EQ(pipeline::store_url("", &m), "sqlite:.slipway/state.db");
    EXPECT_EQ(pipeline::store_url("", nullptr), "sqlite:.slipway/state.db");
}

TEST_F(Project, TheProjectsStoreUrlFollowsTheSamePrecedence) {
    ScopedEnv env("SLIPWAY_STORE", nullptr);
    std::string text = k_two;
    repo.write("slipway.yml", "store: sqlite:team.db\n" + text);
    auto p = open();
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->store_url, "sqlite:team.db");
    auto flagged =
        pipeline::open_project({repo.path().string(), "", "HEAD", "sqlite:x.db", "", ""});
    ASSERT_TRUE(flagged) << flagged.error().message;
    EXPECT_EQ(flagged->store_url, "sqlite:x.db");
}

class StoreAt : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("a.txt", "a\n");
        repo.commit("init");
    }
    std::string root() const { return repo.path().string(); }
    support::GitRepo repo;
};

TEST_F(StoreAt, MustExistLeavesAMissingStoreUncreated) {
    auto store = pipeline::open_store_at("sqlite:.slipway/state.db", root(), true);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(*store, nullptr);
    EXPECT_FALSE(fs::exists(repo.path() / ".slipway" / "state.db"));
    EXPECT_FALSE(fs::exists(repo.path() / ".slipway"));
    auto absolute =
        pipeline::open_store_at("sqlite:" + (repo.path() / "x.db").string(), root(), true);
    ASSERT_TRUE(absolute);
    EXPECT_EQ(*absolute, nullptr);
    EXPECT_FALSE(fs::exists(repo.path() / "x.db"));
}

TEST_F(StoreAt, CreatesTheDefaultStoreAndGitStatusStaysClean) {
    {
        auto store = pipeline::open_store_at("sqlite:.slipway/state.db", root(), false);
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_NE(*store, nullptr);
        versioning::RunRecord run;
        run.id = "run-1";
        run.env = "test";
        ASSERT_TRUE((*store)->begin_run(run));
    }
    EXPECT_TRUE(fs::exists(repo.path() / ".slipway" / "state.db"));
    EXPECT_EQ(repo.git("status --porcelain --untracked-files=all"), "");
    // Now it exists: must_exist opens it, with what was written.
    auto again = pipeline::open_store_at("sqlite:.slipway/state.db", root(), true);
    ASSERT_TRUE(again) << again.error().message;
    ASSERT_NE(*again, nullptr);
    auto run = (*again)->run("run-1");
    ASSERT_TRUE(run);
    EXPECT_TRUE(run->has_value());
}

TEST_F(StoreAt, AnotherSpellingOfTheSlipwayFolderIsIgnoredToo) {
    for (const std::string& url : {std::string("sqlite:./.slipway/state.db"),
                                   "sqlite:" + (repo.path() / ".slipway" / "state.db").string(),
                                   std::string("sqlite:.slipway/stores/team.db")}) {
        auto store = pipeline::open_store_at(url, root(), false);
        ASSERT_TRUE(store) << url << ": " << store.error().message;
        ASSERT_NE(*store, nullptr) << url;
        EXPECT_EQ(repo.git("status --porcelain --untracked-files=all"), "") << url;
    }
}

TEST_F(StoreAt, AStoreOutsideSlipwayIsTheTeamsOwnFile) {
    // Not slipway's folder: no ignore file is made for it, git sees it.
    auto store = pipeline::open_store_at("sqlite:state/team.db", root(), false);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_TRUE(fs::exists(repo.path() / "state" / "team.db"));
    EXPECT_FALSE(fs::exists(repo.path() / ".slipway"));
    EXPECT_NE(repo.git("status --porcelain --untracked-files=all").find("state/team.db"),
              std::string::npos);
}

TEST_F(StoreAt, AnUnknownKindIsAnInputError) {
    for (bool must_exist : {false, true}) {
        auto store = pipeline::open_store_at("postgres://db/slipway", root(), must_exist);
        ASSERT_FALSE(store);
        EXPECT_EQ(store.error().code, common::ErrorCode::input);
        EXPECT_NE(store.error().message.find("postgres"), std::string::npos);
    }
}

}  // namespace
