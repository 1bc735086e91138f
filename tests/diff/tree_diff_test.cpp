// slipway's diff against git's own answers on repositories made by the git CLI.
#include <random>

#include "diff_fixture.hpp"

namespace {

using diff_test::changes_of;
using diff_test::expect_same_as_git;
using diff_test::expect_same_as_git_without_renames;
using support::GitRepo;

std::string lines(int from, int to, const std::string& tag = "line") {
    std::string s;
    for (int i = from; i <= to; ++i) s += tag + " " + std::to_string(i) + "\n";
    return s;
}

TEST(TreeDiff, EveryKindOfChangeMatchesGit) {
    GitRepo repo;
    repo.write("a.txt", lines(1, 200));
    repo.write("b.txt", lines(1, 100, "bee"));
    repo.write("copy-source.txt", lines(1, 50, "copy"));
    repo.write("space name.txt", "x\n");
    repo.write("mode.sh", "echo hi\n");
    repo.write("bin.dat", std::string("\0\1\2binary", 9));
    repo.write("empty", "");
    repo.write("file-becomes-dir", "f\n");
    repo.write("dir-becomes-file/inner", "i\n");
    repo.symlink("a.txt", "link");
    repo.write("gone/deep/file.txt", "bye\n");
    repo.commit("init");
    const std::string sub_a = repo.git("rev-parse HEAD").substr(0, 40);
    repo.git("update-index --add --cacheinfo 160000," + sub_a + ",vendor/sub");
    repo.git("commit -q -m submodule");
    std::filesystem::create_directories(repo.path() / "vendor/sub");  // an unpopulated submodule
    repo.git("checkout -q -b feature");

    repo.git("mv a.txt renamed.txt");  // exact rename
    repo.remove("b.txt");              // inexact rename
    repo.write("b2.txt", lines(1, 90, "bee") + "new tail\n");
    repo.write("copy.txt", lines(1, 50, "copy"));              // a copy: git shows A
    repo.write("space name.txt", "y\n");                       // modified
    repo.write("mode.sh", "echo hi\n", true);                  // mode change only
    repo.write("bin.dat", std::string("\0\1\2binary!!", 11));  // binary change
    repo.git("mv empty empty-moved");                          // empty file rename
    repo.remove("file-becomes-dir");
    repo.write("file-becomes-dir/now", "n\n");
    repo.remove("dir-becomes-file");
    repo.write("dir-becomes-file", "file now\n");
    repo.remove("link");
    repo.write("link", "was a symlink\n");   // type change
    repo.remove("gone");                     // deletion
    repo.write("new\nline.txt", "nl\n");     // quoted: newline
    repo.write("tab\there.txt", "t\n");      // quoted: tab
    repo.write("q\"uote\\back.txt", "q\n");  // quoted: quote, backslash
    repo.write("ünïcödé/日本.txt", "u\n");   // quoted: non-ASCII
    repo.commit("feature");
    repo.git("update-index --cacheinfo 160000," + repo.git("rev-parse HEAD").substr(0, 40) +
             ",vendor/sub");
    repo.git("commit -q -m 'move submodule pointer'");

    expect_same_as_git(repo, "main", "feature");
    expect_same_as_git(repo, "main", "feature", true);
    expect_same_as_git_without_renames(repo, "main", "feature");
    expect_same_as_git_without_renames(repo, "feature", "main", true);
    auto c = changes_of(repo, {"main", "feature", false, true, false});
    auto renamed = std::find_if(c.changes.begin(), c.changes.end(),
                                [](auto& x) { return x.path == "b2.txt"; });
    ASSERT_NE(renamed, c.changes.end());
    EXPECT_EQ(renamed->status, diff::Status::renamed);
    EXPECT_EQ(renamed->old_path, "b.txt");
}

TEST(TreeDiff, ThreeDotUsesTheMergeBaseAcrossMerges) {
    GitRepo repo;
    repo.write("shared.txt", lines(1, 10));
    repo.commit("init");
    repo.git("checkout -q -b feature");
    repo.write("feature.txt", "f\n");
    repo.commit("feature work");
    repo.git("checkout -q main");
    repo.write("main-only.txt", "m\n");
    repo.write("shared.txt", lines(1, 12));
    repo.commit("main moves on");
    repo.git("checkout -q feature");
    repo.git("merge -q --no-edit main");
    repo.write("after-merge.txt", "a\n");
    repo.commit("after merge");
    repo.git("checkout -q main");
    repo.write("main-later.txt", "l\n");
    repo.commit("main later");

    expect_same_as_git(repo, "main", "feature");
    expect_same_as_git(repo, "main", "feature", true);
    expect_same_as_git(repo, "feature", "main");
    expect_same_as_git_without_renames(repo, "main", "feature");
    auto c = changes_of(repo, {"main", "feature", false, true, false});
    EXPECT_EQ(c.merge_base, repo.git("merge-base main feature").substr(0, 40));
}

TEST(TreeDiff, NoChangesIsAnEmptyList) {
    GitRepo repo;
    repo.write("a", "a\n");
    repo.commit("init");
    auto c = changes_of(repo, {"HEAD", "HEAD", false, true, false});
    EXPECT_TRUE(c.changes.empty());
}

// Random histories: files edited, renamed (with and without edits), copied, deleted and
// added on a branch while main moves on; every format must equal git's.
TEST(TreeDiff, RandomHistoriesMatchGit) {
    for (unsigned seed = 1; seed <= 12; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        GitRepo repo;
        std::vector<std::string> files;
        for (int i = 0; i < 25; ++i) {
            files.push_back("dir" + std::to_string(pick(4)) + "/file" + std::to_string(i) + ".txt");
            repo.write(files.back(), lines(0, 20 + pick(60), "f" + std::to_string(i)));
        }
        repo.commit("init");
        repo.git("checkout -q -b topic");
        for (int step = 0; step < 12 && !files.empty(); ++step) {
            int i = pick(static_cast<int>(files.size()));
            std::string f = files[i];
            switch (pick(5)) {
                case 0:
                    repo.write(f, lines(0, 10, "edit" + std::to_string(step)) + lines(11, 40, f));
                    break;
                case 1: {
                    std::string to =
                        "moved" + std::to_string(step) + "/" + f.substr(f.find('/') + 1);
                    std::filesystem::create_directories(repo.path() /
                                                        ("moved" + std::to_string(step)));
                    repo.git("mv " + support::shell_quote(f) + " " + support::shell_quote(to));
                    if (pick(2)) repo.write(to, lines(0, 30, to.substr(0, 3)) + "tail\n");
                    files[i] = to;
                    break;
                }
                case 2:
                    repo.remove(f), files.erase(files.begin() + i);
                    break;
                case 3:
                    repo.write("added" + std::to_string(step) + ".txt", lines(0, pick(30), "new"));
                    break;
                case 4:
                    repo.write("copy" + std::to_string(step) + ".txt", lines(0, 30, f));
                    break;
            }
            if (pick(3) == 0) repo.commit("step " + std::to_string(step));
        }
        repo.commit("topic done");
        repo.git("checkout -q main");
        repo.write("main-change.txt", lines(0, pick(10)));
        repo.commit("main");
        expect_same_as_git(repo, "main", "topic");
        expect_same_as_git(repo, "main", "topic", true);
        expect_same_as_git_without_renames(repo, "main", "topic");
        expect_same_as_git_without_renames(repo, "topic", "main", true);
    }
}

TEST(TreeDiff, WithoutRenameDetectionARenameIsADeletionAndAnAddition) {
    GitRepo repo;
    repo.write("old/name.txt", lines(1, 30));
    repo.commit("init");
    repo.git("mv old/name.txt new-name.txt");
    repo.commit("rename");
    auto c = changes_of(repo, {"HEAD~1", "HEAD", false, false, false});
    EXPECT_EQ(diff::format_changes(c, diff::DiffFormat::name_status, false),
              repo.git("diff --name-status --no-renames HEAD~1...HEAD"));
    EXPECT_EQ(diff::touched_paths(c), (std::vector<std::string>{"new-name.txt", "old/name.txt"}));
}

TEST(TreeDiff, IncludeUncommittedAddsStagedUnstagedAndUntracked) {
    GitRepo repo;
    repo.write("tracked.txt", "1\n");
    repo.write("staged.txt", "1\n");
    repo.write(".gitignore", "*.log\n");
    repo.commit("init");
    repo.write("committed.txt", "c\n");
    repo.commit("second");
    repo.write("tracked.txt", "2\n");  // unstaged
    repo.write("staged.txt", "2\n");
    repo.git("add staged.txt");              // staged
    repo.write("untracked/new.txt", "u\n");  // untracked
    repo.write("debug.log", "ignored\n");    // ignored: not counted

    auto c = changes_of(repo, {"HEAD~1", "HEAD", false, false, true});
    std::string expected = repo.git("diff --name-only --no-renames HEAD~1") +
                           repo.git("ls-files --others --exclude-standard");
    std::vector<std::string> want;
    for (std::size_t s = 0, e; (e = expected.find('\n', s)) != std::string::npos; s = e + 1) {
        want.push_back(expected.substr(s, e - s));
    }
    std::sort(want.begin(), want.end());
    EXPECT_EQ(diff::touched_paths(c), want);
    EXPECT_TRUE(c.include_uncommitted);
}

}  // namespace
