// Rename pairing against git's own on the shapes where several pairings score the same:
// many identical files moving at once, one deleted file matching several added ones,
// directory renames with edits, ties broken by basename, copies, and diff.renameLimit.
#include <random>

#include "diff_fixture.hpp"

namespace {

using diff_test::changes_of;
using diff_test::expect_same_as_git;
using support::GitRepo;

// `n` numbered lines tagged `tag`: texts with different tags share no line.
std::string text(const std::string& tag, int n = 30) {
    std::string s;
    for (int i = 0; i < n; ++i) s += tag + " line " + std::to_string(i) + "\n";
    return s;
}

std::string padded(int i) {
    std::string s = std::to_string(i);
    return std::string(3 - std::min<std::size_t>(3, s.size()), '0') + s;
}

// `git mv`, creating the destination's folder first.
void move(const GitRepo& repo, const std::string& from, const std::string& to) {
    std::filesystem::create_directories((repo.path() / to).parent_path());
    repo.git("mv " + support::shell_quote(from) + " " + support::shell_quote(to));
}

// git's stderr for `git diff --name-status` of a range: where it warns.
std::string git_stderr(const GitRepo& repo, const std::string& range) {
    return support::run("git -C " + support::shell_quote(repo.path()) + " diff --name-status " +
                        range)
        .err;
}

// A near-identical manifest: only its name line differs between packages.
std::string tsconfig(const std::string& name) {
    return "{\n  \"name\": \"" + name + "\",\n" + text("  \"option\": true", 6) + "}\n";
}

TEST(Renames, ManyIdenticalFilesMovedAtOnce) {
    GitRepo repo;
    const std::string package_json = "{\n  \"private\": true,\n  \"license\": \"MIT\"\n}\n";
    for (int i = 0; i < 40; ++i) {
        const std::string dir = "packages/pkg" + padded(i) + "/";
        repo.write(dir + "package.json", package_json);  // identical in every package
        repo.write(dir + "index.js", i % 2 ? "module.exports = {};\n" : "export {};\n");
        repo.write(dir + ".gitkeep", "");
        repo.write(dir + "src/main.js", text("pkg" + std::to_string(i)));
        repo.write(dir + "tsconfig.json", tsconfig("pkg" + std::to_string(i)));
    }
    repo.commit("init");
    repo.git("checkout -q -b restructure");
    for (int i = 0; i < 40; ++i) {
        const std::string from = "packages/pkg" + padded(i) + "/";
        const std::string to = (i % 3 == 0   ? "apps/app" + padded(39 - i)
                                : i % 3 == 1 ? "libs/pkg" + padded(i)
                                             : "tools/t" + padded(i * 7 % 40)) +
                               "/";
        repo.remove(from);
        if (i % 5 == 4) continue;  // some packages go away
        repo.write(to + "package.json", package_json);
        repo.write(to + "index.js", i % 2 ? "module.exports = {};\n" : "export {};\n");
        repo.write(to + ".gitkeep", "");
        repo.write(to + "src/main.js", text("pkg" + std::to_string(i)) + "edited\n");
        repo.write(to + "tsconfig.json", tsconfig("@scope/pkg" + std::to_string(i)));
    }
    repo.write("extra/package.json", package_json);  // a new package, identical manifest
    repo.commit("restructure");
    expect_same_as_git(repo, "main", "restructure");
    expect_same_as_git(repo, "restructure", "main");
}

TEST(Renames, IdenticalFilesDeletedInOnePlaceAddedInSeveral) {
    GitRepo repo;
    for (const char* name : {"a.json", "b.json", "c.json", "z.json"}) {
        repo.write(std::string("fixtures/old/") + name, "{\"same\": true}\n");
    }
    repo.write("fixtures/old/other.txt", text("other"));
    repo.commit("init");
    repo.git("checkout -q -b copies");
    repo.remove("fixtures/old");
    for (const char* dir : {"fixtures/new1/", "fixtures/new2/", "golden/", "zz/"}) {
        for (const char* name : {"c.json", "x.json", "a.json"}) {
            repo.write(std::string(dir) + name, "{\"same\": true}\n");
        }
        repo.write(std::string(dir) + "other.txt", text("other"));
    }
    repo.commit("copy fixtures");
    expect_same_as_git(repo, "main", "copies");
    expect_same_as_git(repo, "copies", "main");
}

// git looks at no more than 100 identical sources per destination: a same-basename
// source further down is not found.
TEST(Renames, AtMostOneHundredIdenticalSourcesAreConsidered) {
    GitRepo repo;
    for (int i = 0; i < 130; ++i) repo.write("old/f" + padded(i) + ".txt", "same\n");
    repo.commit("init");
    repo.git("checkout -q -b move");
    repo.remove("old");
    repo.write("new/f005.txt", "same\n");
    repo.write("new/f120.txt", "same\n");
    repo.write("new/other.txt", "same\n");
    repo.commit("move");
    expect_same_as_git(repo, "main", "move");
    auto c = changes_of(repo, {"main", "move", false, true, false});
    auto f120 = std::find_if(c.changes.begin(), c.changes.end(),
                             [](auto& x) { return x.path == "new/f120.txt"; });
    ASSERT_NE(f120, c.changes.end());
    EXPECT_EQ(f120->old_path, "old/f000.txt");
}

TEST(Renames, DirectoryRenameWithEdits) {
    GitRepo repo;
    for (int i = 0; i < 12; ++i) {
        const std::string sub = "src/lib/mod" + std::to_string(i % 4) + "/";
        repo.write(sub + "file" + std::to_string(i) + ".ts", text("f" + std::to_string(i), 40));
        repo.write(sub + "index.ts", text("index" + std::to_string(i % 4), 10));
    }
    repo.write("src/lib/README.md", text("readme"));
    repo.commit("init");
    repo.git("checkout -q -b moved");
    move(repo, "src/lib", "packages/lib");
    for (int i = 0; i < 12; i += 3) {  // light, heavy and total rewrites
        const std::string f =
            "packages/lib/mod" + std::to_string(i % 4) + "/file" + std::to_string(i) + ".ts";
        repo.write(f,
                   text("f" + std::to_string(i), 40 - i * 3) + text("new" + std::to_string(i), i));
    }
    repo.write("packages/lib/mod1/index.ts", text("index1", 8) + "changed\n");
    repo.write("packages/lib/mod2/index.ts", text("rewritten", 10));
    move(repo, "packages/lib/README.md", "packages/lib/docs.md");
    repo.commit("move with edits");
    expect_same_as_git(repo, "main", "moved");
    expect_same_as_git(repo, "moved", "main");
}

// Equal scores: the same basename wins, then git's four slots per destination and its
// stable sort decide; under 75% the basename step does not pair them first.
TEST(Renames, TiesAreBrokenAsGitBreaksThem) {
    GitRepo repo;
    const std::string base = text("shared", 20);
    for (const char* src : {"a/notes.txt", "a/readme.txt", "b/one.txt", "b/two.txt", "b/three.txt",
                            "b/four.txt", "b/five.txt", "c/readme.txt"}) {
        repo.write(src, base);
    }
    repo.commit("init");
    repo.git("checkout -q -b ties");
    repo.remove("a"), repo.remove("b"), repo.remove("c");
    // Each destination is the shared text plus a tail: about 60-70% similar to every source.
    for (const char* dst :
         {"d/readme.txt", "d/x.txt", "e/y.txt", "e/readme.txt", "f/z.txt", "f/w.txt", "g/v.txt"}) {
        repo.write(dst, base + text(std::string("tail ") + dst, 10));
    }
    repo.commit("ties");
    expect_same_as_git(repo, "main", "ties");
}

TEST(Renames, CopiesAreAdditionsUnlessConfigured) {
    GitRepo repo;
    repo.write("lib/a.txt", text("a"));
    repo.write("lib/b.txt", text("b"));
    repo.write("lib/c.txt", text("c"));
    repo.commit("init");
    repo.git("checkout -q -b copies");
    repo.write("copy/a.txt", text("a"));                  // exact copy of a kept file
    repo.write("copy/b2.txt", text("b", 28) + "tail\n");  // inexact copy of a kept file
    repo.write("lib/b.txt", text("b") + "edited\n");      // the copied file is modified
    move(repo, "lib/c.txt", "moved/c.txt");               // renamed ...
    repo.write("again/c.txt", text("c"));                 // ... and copied
    repo.write("again/c2.txt", text("c", 29));            // ... and copied with an edit
    repo.commit("copies");
    expect_same_as_git(repo, "main", "copies");
    auto c = changes_of(repo, {"main", "copies", false, true, false});
    for (const auto& change : c.changes) EXPECT_NE(change.status, diff::Status::copied);

    repo.git("config diff.renames copies");
    expect_same_as_git(repo, "main", "copies");
    c = changes_of(repo, {"main", "copies", false, true, false});
    EXPECT_TRUE(std::any_of(c.changes.begin(), c.changes.end(),
                            [](auto& x) { return x.status == diff::Status::copied; }));
    repo.git("config diff.renames false");
    expect_same_as_git(repo, "main", "copies");
}

// Past diff.renameLimit² candidate pairs git keeps only the exact and same-basename
// renames, and warns; slipway prints the same lines.
TEST(Renames, MoreCandidatesThanTheRenameLimit) {
    GitRepo repo;
    for (int i = 0; i < 6; ++i)
        repo.write("old/s" + std::to_string(i) + ".txt", text("s" + std::to_string(i)));
    repo.write("old/exact.txt", text("exact"));
    repo.write("old/same-name.txt", text("same"));
    repo.commit("init");
    repo.git("checkout -q -b many");
    repo.remove("old");
    for (int i = 0; i < 6; ++i) {
        repo.write("new/d" + std::to_string(i) + ".txt", text("s" + std::to_string(i), 28) + "x\n");
    }
    repo.write("new/exact-moved.txt", text("exact"));
    repo.write("new/same-name.txt", text("same", 29) + "y\n");
    repo.commit("many");
    expect_same_as_git(repo, "main", "many");  // the default limit: every rename found
    for (const char* limit : {"5", "6", "0", "-1"}) {
        SCOPED_TRACE(std::string("diff.renameLimit=") + limit);
        repo.git(std::string("config diff.renameLimit ") + limit);
        expect_same_as_git(repo, "main", "many");
        const bool skipped = std::string(limit) == "5";
        EXPECT_EQ(git_stderr(repo, "main...many").find("diff.renameLimit") != std::string::npos,
                  skipped);
    }
}

// A fast-import stream: `main` with the files `old/s0..s{sources-1}`, then `many` with
// them replaced by `new/d0..d999`; every file but s0 and d0 shares one blob per side, so
// the repository stays small while the candidate counts are large.
std::string limit_history(int sources) {
    auto blob = [](int mark, const std::string& data) {
        return "blob\nmark :" + std::to_string(mark) + "\ndata " + std::to_string(data.size()) +
               "\n" + data + "\n";
    };
    auto commit = [](const std::string& branch, const std::string& body) {
        return "commit refs/heads/" + branch + "\ncommitter t <t@t> 0 +0000\ndata 1\nc\n" + body +
               "\n";
    };
    std::string s = blob(1, "short\n") + blob(2, text("similar")) + blob(3, text("long", 40)) +
                    blob(4, text("similar", 28) + "z\n");
    std::string files = "M 100644 :2 old/s0\n";
    for (int i = 1; i < sources; ++i) files += "M 100644 :1 old/s" + std::to_string(i) + "\n";
    s += commit("main", files);
    files = "from refs/heads/main\ndeleteall\nM 100644 :4 new/d0\n";
    for (int i = 1; i < 1000; ++i) files += "M 100644 :3 new/d" + std::to_string(i) + "\n";
    return s + commit("many", files);
}

// git's default limit is 1000: 1000 × 1000 candidates are scored, 1001 × 1000 are not.
TEST(Renames, DefaultRenameLimitIsOneThousand) {
    for (int sources : {1000, 1001}) {
        SCOPED_TRACE(std::to_string(sources) + " sources");
        GitRepo repo;
        repo.git("fast-import --quiet", limit_history(sources));
        expect_same_as_git(repo, "main", "many");
        auto c = changes_of(repo, {"main", "many", false, true, false});
        const bool renamed = std::any_of(c.changes.begin(), c.changes.end(),
                                         [](auto& x) { return x.status == diff::Status::renamed; });
        EXPECT_EQ(renamed, sources == 1000);
    }
}

TEST(Renames, SymlinksAndEmptyFilesRenameOnlyExactly) {
    GitRepo repo;
    repo.write("target.txt", "target.txt");  // a file whose content equals a link's target
    repo.symlink("target.txt", "links/l1");
    repo.symlink("elsewhere", "links/l2");
    repo.write("empty/a", "");
    repo.write("empty/b", "");
    repo.commit("init");
    repo.git("checkout -q -b move");
    repo.remove("links");
    repo.remove("target.txt");
    repo.symlink("target.txt", "moved/l1");
    repo.symlink("elsewhere-2", "moved/l2");
    repo.write("moved/target", "target.txt");
    repo.remove("empty/a");
    repo.write("full/b", "");
    repo.write("full/c", "");
    repo.commit("move");
    expect_same_as_git(repo, "main", "move");
}

// Random restructurings of a monorepo of near-identical packages.
TEST(Renames, RandomRestructuringsMatchGit) {
    for (unsigned seed = 1; seed <= 6; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        GitRepo repo;
        std::vector<std::string> files;
        const char* names[] = {"package.json", "index.js", "README.md", "util.js", "a.test.js"};
        for (int p = 0; p < 12; ++p) {
            for (const char* name : names) {
                if (pick(4) == 0) continue;
                files.push_back("pkgs/p" + std::to_string(p) + "/" + name);
                // Few distinct contents: many identical and near-identical files.
                repo.write(files.back(),
                           text(std::string(name) + std::to_string(pick(3)), 10 + pick(3)));
            }
        }
        repo.commit("init");
        repo.git("checkout -q -b topic");
        for (const auto& f : files) {
            const std::string name = f.substr(f.rfind('/') + 1);
            const std::string dir = std::vector<std::string>{"apps/", "libs/", "x/"}[pick(3)] +
                                    "q" + std::to_string(pick(15)) + "/";
            switch (pick(6)) {
                case 0:
                    break;  // stays
                case 1:
                    repo.remove(f);
                    break;
                case 2:  // moved, maybe renamed, maybe edited
                case 3: {
                    std::string content = text(name + std::to_string(pick(3)), 10 + pick(3));
                    if (pick(2)) content += text("edit", pick(6));
                    repo.remove(f);
                    repo.write(dir + (pick(3) ? name : "n" + std::to_string(pick(4)) + ".js"),
                               content);
                    break;
                }
                case 4:  // copied
                    repo.write(dir + name, text(name + std::to_string(pick(3)), 10 + pick(3)));
                    break;
                case 5:  // edited in place
                    repo.write(f, text(name + std::to_string(pick(3)), 8) + "edit\n");
                    break;
            }
        }
        repo.commit("topic");
        expect_same_as_git(repo, "main", "topic");
        expect_same_as_git(repo, "topic", "main");
        repo.git("config diff.renames copies");
        expect_same_as_git(repo, "main", "topic");
    }
}

// With --include-uncommitted the work tree is the new side; with no untracked files that
// is `git diff BASE`, renames included.
TEST(Renames, WorkTreeRenamesMatchGitDiffAgainstACommit) {
    GitRepo repo;
    for (int i = 0; i < 6; ++i)
        repo.write("src/f" + std::to_string(i) + ".txt", text("f" + std::to_string(i)));
    repo.write("src/same1.txt", "same\n");
    repo.write("src/same2.txt", "same\n");
    repo.commit("init");
    move(repo, "src/f0.txt", "lib/f0.txt");  // staged rename
    move(repo, "src/f1.txt", "lib/g1.txt");  // staged, then edited
    repo.write("lib/g1.txt", text("f1", 28) + "edit\n");
    repo.remove("src/f2.txt");  // unstaged move ...
    repo.write("lib/f2.txt", text("f2"));
    repo.git("add -N lib/f2.txt");                 // ... known to the index
    move(repo, "src/same1.txt", "lib/same2.txt");  // identical files
    move(repo, "src/same2.txt", "lib/same1.txt");
    auto ours = changes_of(repo, {"HEAD", "HEAD", true, true, true});
    EXPECT_EQ(diff::format_changes(ours, diff::DiffFormat::name_status, true),
              repo.git("diff --name-status -z HEAD"));
}

}  // namespace
