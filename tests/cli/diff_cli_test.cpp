// `slipway diff` as users run it: output equal to git's, and one-line errors with exit 2.
#include "cli_fixture.hpp"

namespace {

using cli_test::expect_one_line_error;
using cli_test::slipway;
using support::GitRepo;
using support::shell_quote;

class DiffCli : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("src/a.c", "int a;\n");
        repo.write("docs/read me.md", "r\n");
        repo.commit("init");
        repo.git("checkout -q -b dev");
        repo.write("src/a.c", "int a = 1;\n");
        repo.write("ünï.txt", "u\n");
        repo.git("mv 'docs/read me.md' docs/readme.md");
        repo.commit("dev work");
    }
    std::string repo_flag() const { return "--repo " + shell_quote(repo.path()); }
    GitRepo repo;
};

TEST_F(DiffCli, OutputIsGitsByteForByte) {
    for (std::string flags :
         {"--name-status", "--name-only", "--name-status -z", "--name-only -z"}) {
        auto r = slipway("diff " + repo_flag() + " --base main --head dev " + flags);
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, repo.git("diff " + flags + " main...dev")) << flags;
    }
    auto two = slipway("diff " + repo_flag() + " --base main --head dev --two-dot");
    EXPECT_EQ(two.out, repo.git("diff --name-status main dev"));
}

TEST_F(DiffCli, RespectsCoreQuotePathFalse) {
    repo.git("config core.quotePath false");
    auto r = slipway("diff " + repo_flag() + " --base main --head dev --name-only");
    EXPECT_EQ(r.out, repo.git("diff --name-only main...dev"));
    EXPECT_NE(r.out.find("ünï.txt"), std::string::npos);
}

TEST_F(DiffCli, JsonNamesBothSidesOfARename) {
    auto r = slipway("diff " + repo_flag() + " --base main --head dev --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(
        r.out.find(
            R"({"old_path":"docs/read me.md","path":"docs/readme.md","similarity":100,"status":"R"})"),
        std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find(R"("merge_base":")"), std::string::npos);
}

TEST_F(DiffCli, UnknownRefSuggestsABranch) {
    expect_one_line_error(slipway("diff " + repo_flag() + " --base mian --head dev"), 2,
                          "unknown ref 'mian' (did you mean 'main'?)");
}

// The figure in a "... diff.renameLimit ... to at least N ..." warning.
std::string needed_limit(const std::string& err) {
    auto at = err.find("at least ");
    if (at == std::string::npos) return "";
    at += 9;
    return err.substr(at, err.find_first_not_of("0123456789", at) - at);
}

// Past diff.renameLimit git still prints its exact renames, skips the inexact ones and warns
// on stderr; slipway prints the same lines and one warning line.
TEST_F(DiffCli, RenameLimitSkipsInexactRenamesAndWarnsAsGitDoes) {
    std::string text;
    for (int i = 0; i < 30; ++i) text += "line " + std::to_string(i) + "\n";
    repo.write("one.txt", text + "one\n");
    repo.write("two.txt", text + "two\n");
    const std::string base = repo.commit("two files");
    repo.remove("one.txt"), repo.remove("two.txt");
    repo.write("moved/uno.txt", text + "uno\n");
    repo.write("moved/dos.txt", text + "dos\n");
    repo.git("mv src/a.c src/b.c");
    repo.commit("move with edits");
    repo.git("config diff.renameLimit 1");
    const std::string range = " --two-dot --base " + base + " --head dev";
    auto r = slipway("diff " + repo_flag() + range);
    auto git =
        support::run("git -C " + shell_quote(repo.path()) + " diff --name-status " + base + " dev");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, git.out);
    EXPECT_NE(r.out.find("R100\tsrc/a.c\tsrc/b.c"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("A\tmoved/uno.txt"), std::string::npos) << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.err.starts_with("slipway: warning: ")) << r.err;
    EXPECT_EQ(needed_limit(r.err), "2") << r.err;
    EXPECT_EQ(needed_limit(git.err), "2") << git.err;  // git's advice names the same figure

    repo.git("config diff.renameLimit 0");  // no limit, as in git
    r = slipway("diff " + repo_flag() + range);
    EXPECT_EQ(r.out, repo.git("diff --name-status " + base + " dev"));
    EXPECT_NE(r.out.find("R098\ttwo.txt\tmoved/uno.txt"), std::string::npos) << r.out;  // a tie
    EXPECT_EQ(r.err, "");
}

TEST_F(DiffCli, UnrelatedHistories) {
    repo.git("checkout -q --orphan lonely");
    repo.commit("alone");
    expect_one_line_error(slipway("diff " + repo_flag() + " --base main --head lonely"), 2,
                          "use --two-dot");
}

TEST_F(DiffCli, NotARepository) {
    support::TempDir dir;
    expect_one_line_error(slipway("diff --repo " + shell_quote(dir.path()) + " --base main"), 2,
                          "not a git repository");
}

TEST_F(DiffCli, BadUsageIsExitTwo) {
    expect_one_line_error(slipway("diff " + repo_flag()), 2, "--base");
    expect_one_line_error(slipway("diff " + repo_flag() + " --base main --json --name-only"), 2,
                          "excludes");
    expect_one_line_error(slipway("nonsense"), 2, "nonsense");
}

TEST_F(DiffCli, ShallowCloneErrorSpellsOutTheFix) {
    repo.git("checkout -q main");
    repo.write("main-only", "m\n");
    repo.commit("main moves");
    support::TempDir dir;
    auto clone = dir.path() / "c";
    ASSERT_EQ(support::run("git clone -q --depth 1 --no-single-branch " +
                           shell_quote("file://" + repo.path().string()) + " " + shell_quote(clone))
                  .status,
              0);
    expect_one_line_error(
        slipway("diff --repo " + shell_quote(clone) + " --base origin/main --head origin/dev"), 2,
        "git fetch --unshallow");
}

TEST_F(DiffCli, HelpExitsZero) {
    auto r = slipway("diff --help");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("--two-dot"), std::string::npos);
}

}  // namespace
