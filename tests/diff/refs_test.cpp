// Ref resolution and the diff's failure modes: every ref form git accepts, bare
// repositories and worktrees, and clear errors for unknown refs, unrelated histories,
// shallow clones and folders outside any repository.
#include <algorithm>

#include "diff_fixture.hpp"

namespace {

using diff_test::changes_of;
using diff_test::expect_same_as_git;
using support::GitRepo;
using support::shell_quote;

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

class Refs : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("a.txt", "1\n");
        c1 = repo.commit("one");
        repo.git("tag -a v1 -m 'annotated'");
        repo.git("tag light");
        repo.write("b.txt", "2\n");
        c2 = repo.commit("two");
        repo.write("c.txt", "3\n");
        c3 = repo.commit("three");
        repo.git("branch dev");
    }
    [[nodiscard]] std::string resolve(const std::string& ref) const {
        auto r = diff::Repository::open(repo.path());
        auto id = r->resolve_commit(ref);
        return id ? *id : "error: " + id.error().message;
    }
    GitRepo repo;
    std::string c1, c2, c3;
};

TEST_F(Refs, ResolvesEveryFormGitAccepts) {
    for (const std::string& ref :
         std::vector<std::string>{"v1", "light", "dev", "HEAD", "HEAD~2", "HEAD^", "main~1", c1,
                                  c2.substr(0, 7), "v1^{commit}", "refs/heads/dev"}) {
        EXPECT_EQ(resolve(ref), first_line(repo.git("rev-parse " + shell_quote(ref + "^{commit}"))))
            << ref;
    }
    EXPECT_EQ(resolve("v1"), c1);  // the annotated tag is peeled to its commit
    expect_same_as_git(repo, "v1", "HEAD");
}

TEST_F(Refs, RemoteTrackingBranchesOfAClone) {
    support::TempDir dir;
    auto cloned = support::run("git clone -q " + shell_quote(repo.path()) + " " +
                               shell_quote(dir.path() / "clone"));
    ASSERT_EQ(cloned.status, 0) << cloned.err;
    auto r = diff::Repository::open(dir.path() / "clone");
    ASSERT_TRUE(r);
    EXPECT_EQ(*r->resolve_commit("origin/dev"), c3);
    auto c = diff::compute_changes(*r, {"origin/dev~2", "origin/dev", false, true, false});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->changes.size(), 2u);
}

TEST_F(Refs, BareRepositoriesAndWorktrees) {
    support::TempDir dir;
    auto bare = dir.path() / "bare.git";
    ASSERT_EQ(
        support::run("git clone -q --bare " + shell_quote(repo.path()) + " " + shell_quote(bare))
            .status,
        0);
    auto r = diff::Repository::open(bare);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->is_bare());
    auto c = diff::compute_changes(*r, {"v1", "main", false, true, false});
    ASSERT_TRUE(c);
    EXPECT_EQ(diff::format_changes(*c, diff::DiffFormat::name_status, false),
              support::run("git -C " + shell_quote(bare) + " diff --name-status v1...main").out);

    auto tree = dir.path() / "wt";
    repo.git("worktree add -q " + shell_quote(tree) + " dev");
    auto w = diff::Repository::open(tree / "");
    ASSERT_TRUE(w);
    EXPECT_FALSE(w->is_bare());
    EXPECT_EQ(w->root(), tree);
    EXPECT_EQ(*w->resolve_commit("HEAD"), c3);
}

TEST_F(Refs, OpensFromASubfolder) {
    repo.write("sub/dir/x", "x\n");
    auto r = diff::Repository::open(repo.path() / "sub" / "dir");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->root(), repo.path());
}

TEST_F(Refs, UnknownRefIsAnInputErrorWithAHint) {
    auto r = diff::Repository::open(repo.path());
    auto id = r->resolve_commit("deb");
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().code, common::ErrorCode::input);
    EXPECT_EQ(id.error().message, "unknown ref 'deb' (did you mean 'dev'?)");
    auto far = r->resolve_commit("completely-different");
    EXPECT_EQ(far.error().message, "unknown ref 'completely-different'");
}

TEST_F(Refs, ARefThatIsNotACommitIsRejected) {
    auto r = diff::Repository::open(repo.path());
    auto id = r->resolve_commit("HEAD^{tree}");
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().code, common::ErrorCode::input);
    EXPECT_NE(id.error().message.find("names a tree, not a commit"), std::string::npos);
}

TEST(RefErrors, UnrelatedHistoriesHaveNoMergeBase) {
    GitRepo repo;
    repo.write("a", "a\n");
    repo.commit("one");
    repo.git("checkout -q --orphan other");
    repo.write("b", "b\n");
    repo.commit("unrelated");
    auto r = diff::Repository::open(repo.path());
    auto c = diff::compute_changes(*r, {"main", "other", false, true, false});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, common::ErrorCode::input);
    EXPECT_NE(c.error().message.find("no merge base (unrelated histories): use --two-dot"),
              std::string::npos);
    auto two_dot = diff::compute_changes(*r, {"main", "other", true, true, false});
    EXPECT_TRUE(two_dot);
}

TEST(RefErrors, AShallowCloneWithoutTheMergeBaseSaysHowToFixIt) {
    GitRepo origin;
    origin.write("base.txt", "b\n");
    origin.commit("base");
    origin.write("more.txt", "m\n");
    origin.commit("more history");
    origin.git("checkout -q -b feature");
    origin.write("f.txt", "f\n");
    origin.commit("feature 1");
    origin.write("g.txt", "g\n");
    origin.commit("feature 2");
    origin.git("checkout -q main");
    origin.write("h.txt", "h\n");
    origin.commit("main moves");

    support::TempDir dir;
    auto clone = dir.path() / "shallow";
    auto url = "file://" + origin.path().string();
    ASSERT_EQ(support::run("git clone -q --depth 1 --no-single-branch " + shell_quote(url) + " " +
                           shell_quote(clone))
                  .status,
              0);
    auto r = diff::Repository::open(clone);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->is_shallow());
    auto c = diff::compute_changes(*r, {"origin/main", "origin/feature", false, true, false});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, common::ErrorCode::input);
    EXPECT_NE(c.error().message.find("shallow clone"), std::string::npos);
    EXPECT_NE(c.error().message.find("git fetch --unshallow"), std::string::npos);
    // git agrees that it cannot answer.
    EXPECT_NE(
        support::run("git -C " + shell_quote(clone) + " diff origin/main...origin/feature").status,
        0);
}

TEST(RefErrors, NotAGitRepository) {
    support::TempDir dir;
    auto r = diff::Repository::open(dir.path());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, common::ErrorCode::input);
    EXPECT_NE(r.error().message.find("not a git repository"), std::string::npos);
}

TEST(RefErrors, IncludeUncommittedNeedsAWorkTreeAndTheDefaultHead) {
    GitRepo repo;
    repo.write("a", "a\n");
    repo.commit("one");
    auto r = diff::Repository::open(repo.path());
    auto c = diff::compute_changes(*r, {"HEAD", "main", false, false, true});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, common::ErrorCode::usage);
}

}  // namespace

namespace {

// The oracle: git's own list of work-tree files (cached and untracked, not ignored), minus
// files deleted from the work tree.
std::vector<std::string> git_work_tree_files(const support::GitRepo& repo) {
    std::string out = repo.git("ls-files -z --cached --others --exclude-standard");
    std::string deleted = repo.git("ls-files -z --deleted");
    auto split = [](const std::string& text) {
        std::vector<std::string> v;
        for (std::size_t at = 0; at < text.size();) {
            const auto end = text.find('\0', at);
            v.push_back(text.substr(at, end - at));
            at = end + 1;
        }
        return v;
    };
    std::vector<std::string> files;
    const auto gone = split(deleted);
    for (auto& f : split(out)) {
        if (std::find(gone.begin(), gone.end(), f) == gone.end()) files.push_back(f);
    }
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    return files;
}

TEST(WorkTreeFiles, SameAsGitLsFiles) {
    support::GitRepo repo;
    repo.write(".gitignore", "build/\n*.log\n");
    repo.write("a/tracked.txt", "x\n");
    repo.write("a/gone.txt", "x\n");
    repo.write("staged-then-removed.txt", "x\n");
    repo.commit("init");
    repo.write("a/untracked.txt", "x\n");
    repo.write("new dir/deep/file with space.txt", "x\n");
    repo.write("build/out.bin", "x\n");
    repo.write("debug.log", "x\n");
    repo.write("a/tracked.txt", "changed\n");
    repo.remove("a/gone.txt");
    repo.git("rm -q --cached staged-then-removed.txt");  // untracked again, still on disk
    repo.write("staged.txt", "x\n");
    repo.git("add staged.txt");
    auto r = diff::Repository::open(repo.path());
    ASSERT_TRUE(r);
    auto files = r->work_tree_files();
    ASSERT_TRUE(files) << files.error().message;
    EXPECT_EQ(*files, git_work_tree_files(repo));
    EXPECT_EQ(std::count(files->begin(), files->end(), "new dir/deep/file with space.txt"), 1);
}

}  // namespace
