// The oracle for pattern matching is git itself: each pattern list is written as a
// .gitignore in an empty repository and `git check-ignore --no-index` judges every path.
// slipway's PatternIndex (the code selection uses) must agree on every case.
#include <gtest/gtest.h>

#include <fstream>

#include "components/pattern_index.hpp"
#include "support/git_repo.hpp"

namespace {

const std::vector<std::vector<std::string>> k_pattern_lists = {
    {"foo"},
    {"/foo"},
    {"foo/"},
    {"/foo/"},
    {"foo/bar"},
    {"/foo/bar/"},
    {"*.md"},
    {"doc/*.md"},
    {"**/build"},
    {"build/**"},
    {"a/**/b"},
    {"a/**"},
    {"**/*.txt"},
    {"*.md", "!keep.md"},
    {"*.md", "!/keep.md"},
    {"docs/", "!docs/keep.md"},
    {"docs/*", "!docs/keep.md"},
    {"[ab]*.c"},
    {"[!a]x"},
    {"[^a]x"},
    {"[a-c]/*"},
    {"?.txt"},
    {"\\#file"},
    {"\\!bang"},
    {"a\\*b"},
    {"dir/**/*.py"},
    {"*"},
    {"*/"},
    {"**"},
    {"foo*bar"},
    {"foo**/bar"},
    {"**/foo/**/bar"},
    {"a/*/c"},
    {"[[:digit:]]*"},
    {"[[:alpha:]]x"},
    {"[[:upper:]]*"},
    {"x[]]y"},
    {"trailing\\ "},
    {"trailing  "},
    {"*.py", "!src/**", "src/gen/"},
    {"src/", "!src/"},
    {"/*.txt"},
    {"*/x"},
    {"a/b/"},
    {"**/a/b"},
    {"a/b/**/"},
    {"functions/training/"},
    {"libs/common/", "!libs/common/README.md"},
    {"!foo", "foo"},
    {"foo", "!foo"},
    {"b*"},
    {"*c"},
    {"a?c"},
    {"**/b/*"},
    {"[a-]x"},
    {"[]-]x"},
    {"x/**/"},
    {"/x/**/y"},
    {"***/b"},
    {"a/***"},
    {"d[0-9]/"},
    {"*.tar.gz"},
    {".*"},
    {"/.github/**"},
    {"a/b*/c"},
    {"\\[ab]"},
};

const std::vector<std::string> k_paths = {
    "foo",
    "foo/x",
    "a/foo",
    "a/foo/x",
    "foo.md",
    "keep.md",
    "src/keep.md",
    "doc/a.md",
    "doc/x/a.md",
    "docs/keep.md",
    "docs/other.md",
    "build/out",
    "x/build/y",
    "build",
    "a/b",
    "a/x/b",
    "a/x/y/b",
    "a/b/c",
    "a/bb/c",
    "a/b/x/c",
    "abc.c",
    "bc.c",
    "x.txt",
    "deep/er/x.txt",
    "ax",
    "bx",
    "1file",
    "#file",
    "!bang",
    "a*b",
    "axb",
    "dir/f",
    "x/dir/f",
    "dir/a/b.py",
    "dir/b.py",
    "foobar",
    "foo/bar",
    "fooxbar",
    "foo/x/bar",
    "foo/x/y/bar",
    "b/c/d.py",
    "src/gen/x.py",
    "src/a.py",
    "top.py",
    "xy",
    "x]y",
    "trailing ",
    "trailing",
    "c/x",
    "Ax",
    "-x",
    "]x",
    "d1/f",
    "d12/f",
    "pkg.tar.gz",
    ".github/workflows/ci.yml",
    ".hidden",
    "a/.hidden",
    "abc",
    "a/bq/c",
    "functions/training/app.py",
    "functions/training2/app.py",
    "libs/common/README.md",
    "libs/common/x.cc",
    "x/y",
    "x/a/y",
    "[ab]",
    "a",
    "q/foo/r/bar",
};

// git's verdict for every path under one pattern list.
std::vector<bool> git_verdicts(const std::vector<std::string>& patterns) {
    support::GitRepo repo;
    std::string gitignore;
    for (const auto& p : patterns) gitignore += p + "\n";
    std::ofstream(repo.path() / ".gitignore", std::ios::binary) << gitignore;
    std::string input;
    for (const auto& p : k_paths) input += p + '\0';
    auto r = support::run(
        "git -C " + support::shell_quote(repo.path()) + " check-ignore --no-index -v -n -z --stdin",
        input);
    EXPECT_TRUE(r.status == 0 || r.status == 1) << r.err;
    // Records of four NUL-terminated fields: source, line, pattern, path.
    std::vector<std::string> fields;
    for (std::size_t s = 0, e; (e = r.out.find('\0', s)) != std::string::npos; s = e + 1) {
        fields.push_back(r.out.substr(s, e - s));
    }
    std::vector<bool> out;
    for (std::size_t i = 0; i + 3 < fields.size(); i += 4) {
        const std::string& pattern = fields[i + 2];
        out.push_back(!pattern.empty() && pattern.front() != '!');
    }
    return out;
}

TEST(GlobOracle, AgreesWithGitCheckIgnoreOnEveryCase) {
    std::size_t cases = 0;
    for (const auto& list : k_pattern_lists) {
        components::PatternIndex index;
        // A decoy owner first, so the list under test is not owner 0 by accident.
        index.add_owner({*components::compile_pattern("decoy/")});
        std::vector<components::GitignorePattern> compiled;
        for (const auto& p : list) {
            if (auto c = components::compile_pattern(p)) compiled.push_back(*c);
        }
        const auto owner = index.add_owner(compiled);
        auto verdicts = git_verdicts(list);
        ASSERT_EQ(verdicts.size(), k_paths.size());
        std::vector<components::PatternIndex::Hit> hits;
        for (std::size_t i = 0; i < k_paths.size(); ++i) {
            index.match(k_paths[i], hits);
            bool ours =
                std::any_of(hits.begin(), hits.end(), [&](auto& h) { return h.owner == owner; });
            std::string shown;
            for (const auto& p : list) shown += "[" + p + "] ";
            EXPECT_EQ(ours, verdicts[i]) << "patterns " << shown << "path '" << k_paths[i] << "'";
            ++cases;
        }
    }
    EXPECT_GE(cases, 300u);
}

}  // namespace
