// .dockerignore as Docker reads it. The cases are Docker's own: the examples of Docker's
// documentation (the .dockerignore section of the build-context page) and the tables of
// moby/patternmatcher's tests (TestMatches, TestMatch -- go's filepath.Match cases --, and
// ignorefile's TestReadAll), each checked here through MatchesOrParentMatches' rules.
#include <gtest/gtest.h>

#include "components/dockerignore.hpp"

namespace {

using components::DockerIgnore;

std::string lines(const std::vector<std::string>& patterns) {
    std::string out;
    for (const auto& p : patterns) out += p + "\n";
    return out;
}

bool excluded(const std::vector<std::string>& patterns, const std::string& path) {
    auto ignore = DockerIgnore::parse(lines(patterns), ".dockerignore");
    EXPECT_TRUE(ignore.has_value()) << (ignore ? "" : ignore.error().message);
    return ignore && ignore->excludes(path);
}

bool refused(const std::string& pattern) {
    return !DockerIgnore::parse(pattern + "\n", ".dockerignore").has_value();
}

struct Case {
    const char* pattern;
    const char* path;
    bool excluded;
};

// patternmatcher_test.go, TestMatches.
const Case k_patternmatcher[] = {
    {"**", "file", true},
    {"**", "file/", true},
    {"**/", "file", true},
    {"**/", "file/", true},
    {"**", "/", true},
    {"**/", "/", true},
    {"**", "dir/file", true},
    {"**/", "dir/file", true},
    {"**", "dir/file/", true},
    {"**/", "dir/file/", true},
    {"**/**", "dir/file", true},
    {"**/**", "dir/file/", true},
    {"dir/**", "dir/file", true},
    {"dir/**", "dir/file/", true},
    {"dir/**", "dir/dir2/file", true},
    {"dir/**", "dir/dir2/file/", true},
    {"**/dir", "dir", true},
    {"**/dir", "dir/file", true},
    {"**/dir2/*", "dir/dir2/file", true},
    {"**/dir2/*", "dir/dir2/file/", true},
    {"**/dir2/**", "dir/dir2/dir3/file", true},
    {"**/dir2/**", "dir/dir2/dir3/file/", true},
    {"**file", "file", true},
    {"**file", "dir/file", true},
    {"**/file", "dir/file", true},
    {"**file", "dir/dir/file", true},
    {"**/file", "dir/dir/file", true},
    {"**/file*", "dir/dir/file", true},
    {"**/file*", "dir/dir/file.txt", true},
    {"**/file*txt", "dir/dir/file.txt", true},
    {"**/file*.txt", "dir/dir/file.txt", true},
    {"**/file*.txt*", "dir/dir/file.txt", true},
    {"**/**/*.txt", "dir/dir/file.txt", true},
    {"**/**/*.txt2", "dir/dir/file.txt", false},
    {"**/*.txt", "file.txt", true},
    {"**/**/*.txt", "file.txt", true},
    {"a**/*.txt", "a/file.txt", true},
    {"a**/*.txt", "a/dir/file.txt", true},
    {"a**/*.txt", "a/dir/dir/file.txt", true},
    {"a/*.txt", "a/dir/file.txt", false},
    {"a/*.txt", "a/file.txt", true},
    {"a/*.txt**", "a/file.txt", true},
    {"a[b-d]e", "ae", false},
    {"a[b-d]e", "ace", true},
    {"a[b-d]e", "aae", false},
    {"a[^b-d]e", "aze", true},
    {".*", ".foo", true},
    {".*", "foo", false},
    {"abc.def", "abcdef", false},
    {"abc.def", "abc.def", true},
    {"abc.def", "abcZdef", false},
    {"abc?def", "abcZdef", true},
    {"abc?def", "abcdef", false},
    {"a\\\\", "a\\", true},
    {"**/foo/bar", "foo/bar", true},
    {"**/foo/bar", "dir/foo/bar", true},
    {"**/foo/bar", "dir/dir2/foo/bar", true},
    {"abc/**", "abc", false},
    {"abc/**", "abc/def", true},
    {"abc/**", "abc/def/ghi", true},
    {"**/.foo", ".foo", true},
    {"**/.foo", "bar.foo", false},
    {"a(b)c/def", "a(b)c/def", true},
    {"a(b)c/def", "a(b)c/xyz", false},
    {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
    {"dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
    {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
    {"a\\*b", "a*b", true},
};

// patternmatcher_test.go, TestMatch (go's filepath.Match cases), those without an error.
const Case k_filepath_match[] = {
    {"abc", "abc", true},
    {"*", "abc", true},
    {"*c", "abc", true},
    {"a*", "a", true},
    {"a*", "abc", true},
    {"a*", "ab/c", true},  // the parent "ab" matches
    {"a*/b", "abc/b", true},
    {"a*/b", "a/c/b", false},
    {"a*b*c*d*e*/f", "axbxcxdxe/f", true},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true},
    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false},
    {"a*b?c*x", "abxbbxdbxebxczzx", true},
    {"a*b?c*x", "abxbbxdbxebxczzy", false},
    {"ab[c]", "abc", true},
    {"ab[b-d]", "abc", true},
    {"ab[e-g]", "abc", false},
    {"ab[^c]", "abc", false},
    {"ab[^b-d]", "abc", false},
    {"ab[^e-g]", "abc", true},
    {"a\\*b", "a*b", true},
    {"a\\*b", "ab", false},
    {"a?b", "a\u263Ab", true},
    {"a[^a]b", "a\u263Ab", true},
    {"a???b", "a\u263Ab", false},
    {"a[^a][^a][^a]b", "a\u263Ab", false},
    {"[a-\u03B6]*", "\u03B1", true},
    {"*[a-\u03B6]", "A", false},
    {"a?b", "a/b", false},
    {"a*b", "a/b", false},
    {"[\\]a]", "]", true},
    {"[\\-]", "-", true},
    {"[x\\-]", "x", true},
    {"[x\\-]", "-", true},
    {"[x\\-]", "z", false},
    {"[\\-x]", "x", true},
    {"[\\-x]", "-", true},
    {"[\\-x]", "a", false},
    {"*x", "xxx", true},
};

TEST(DockerIgnore, PatternmatcherCases) {
    for (const auto& c : k_patternmatcher)
        EXPECT_EQ(excluded({c.pattern}, c.path), c.excluded) << c.pattern << " " << c.path;
}

TEST(DockerIgnore, FilepathMatchCases) {
    for (const auto& c : k_filepath_match)
        EXPECT_EQ(excluded({c.pattern}, c.path), c.excluded) << c.pattern << " " << c.path;
}

// TestMatch's cases that are filepath.ErrBadPattern, and the regression of moby#52203 (it
// passes filepath.Match's check, and RE2 refuses the range l-O).
TEST(DockerIgnore, MalformedPatternsAreRefused) {
    for (const char* p : {"[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[",
                          "[Local-Only]/", "!"})
        EXPECT_TRUE(refused(p)) << p;
    // Regular-expression escapes Docker would read (\d a digit): refused rather than guessed.
    EXPECT_TRUE(refused("a\\d"));
    auto bad = DockerIgnore::parse("ok\n\n[\n", "svc/.dockerignore");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().message.rfind("svc/.dockerignore:3: ", 0), 0u) << bad.error().message;
}

TEST(DockerIgnore, MultiplePatternsLastMatchWins) {
    // patternmatcher_test.go, multiPatternTests and the exclusion tests.
    EXPECT_FALSE(excluded({"**", "!util/docker/web"}, "util/docker/web/foo"));
    EXPECT_TRUE(excluded({"**", "!util/docker/web", "util/docker/web/foo"}, "util/docker/web/foo"));
    EXPECT_FALSE(excluded({"**", "!dist/*.whl"}, "dist/proxy.py-2.4.0rc3-py3-none-any.whl"));
    EXPECT_TRUE(excluded({"!fileutils.go", "*.go"}, "fileutils.go"));
    EXPECT_FALSE(excluded({"*.go", "!fileutils.go"}, "fileutils.go"));
    // Unlike git, an exception re-includes a file inside an excluded directory.
    EXPECT_FALSE(excluded({"docs", "!docs/README.md"}, "docs/README.md"));
    EXPECT_FALSE(excluded({"docs/", "!docs/README.md"}, "docs/README.md"));
    EXPECT_FALSE(excluded({"docs/*", "!docs/README.md"}, "docs/README.md"));
    EXPECT_TRUE(excluded({"docs", "!docs/README.md"}, "docs/other.md"));
    EXPECT_FALSE(excluded({}, "anything"));
}

// The examples of Docker's documentation (build context, .dockerignore files).
TEST(DockerIgnore, DocumentedExamples) {
    const std::vector<std::string> example = {"# comment", "*/temp*", "*/*/temp*", "temp?"};
    EXPECT_TRUE(excluded(example, "somedir/temporary.txt"));
    EXPECT_TRUE(excluded(example, "somedir/temp/file"));
    EXPECT_TRUE(excluded(example, "somedir/subdir/temporary.txt"));
    EXPECT_TRUE(excluded(example, "tempa"));
    EXPECT_TRUE(excluded(example, "tempb"));
    EXPECT_FALSE(excluded(example, "temporary.txt"));
    EXPECT_FALSE(excluded(example, "a/b/c/temporary.txt"));
    EXPECT_FALSE(excluded(example, "# comment"));
    EXPECT_TRUE(excluded({"**/*.go"}, "a/b/c.go"));
    EXPECT_TRUE(excluded({"**/*.go"}, "c.go"));
    // "*.md then !README.md": no markdown files but README.md.
    EXPECT_TRUE(excluded({"*.md", "!README.md"}, "CHANGES.md"));
    EXPECT_FALSE(excluded({"*.md", "!README.md"}, "README.md"));
    // "No markdown files are included in the context except README files other than
    // README-secret.md."
    const std::vector<std::string> secret = {"*.md", "!README*.md", "README-secret.md"};
    EXPECT_FALSE(excluded(secret, "README-public.md"));
    EXPECT_TRUE(excluded(secret, "README-secret.md"));
    EXPECT_TRUE(excluded(secret, "other.md"));
    // "All of the README files are included. The middle line has no effect."
    const std::vector<std::string> all = {"*.md", "README-secret.md", "!README*.md"};
    EXPECT_FALSE(excluded(all, "README-secret.md"));
    EXPECT_FALSE(excluded(all, "README.md"));
    // A leading slash is dropped; patterns are cleaned ("/foo/bar" is "foo/bar").
    EXPECT_TRUE(excluded({"/foo/bar"}, "foo/bar"));
    EXPECT_TRUE(excluded({"./foo//bar/"}, "foo/bar/x"));
    EXPECT_TRUE(excluded({"foo/../bar"}, "bar"));
}

// ignorefile_test.go, TestReadAll: comments only in the first column, whitespace trimmed,
// `! path` an exception of "path", a UTF-8 BOM dropped, CRLF line ends.
TEST(DockerIgnore, ReadsTheFileAsDockerDoes) {
    auto ignore = DockerIgnore::parse(
        "\xEF\xBB\xBFtest1\r\n/test2\n/a/file/here\n\nlastfile\n# this is a "
        "comment\n! /inverted/abs/path\n  # not a comment\n",
        ".dockerignore");
    ASSERT_TRUE(ignore.has_value()) << ignore.error().message;
    EXPECT_EQ(ignore->size(), 6u);
    EXPECT_TRUE(ignore->excludes("test1"));
    EXPECT_TRUE(ignore->excludes("test2"));
    EXPECT_TRUE(ignore->excludes("a/file/here"));
    EXPECT_TRUE(ignore->excludes("lastfile"));
    EXPECT_FALSE(ignore->excludes("# this is a comment"));
    EXPECT_TRUE(ignore->excludes("# not a comment"));
    EXPECT_TRUE(ignore->has_exceptions());
}

TEST(DockerIgnore, RegularExpressionCorners) {
    // An unescaped `^` is the start of the text in Docker's expression.
    EXPECT_TRUE(excluded({"^*.txt"}, "a.txt"));
    EXPECT_FALSE(excluded({"a^*"}, "a^b"));
    EXPECT_TRUE(excluded({"a^b"}, "a^b"));  // no wildcard: compared as it is
    // POSIX classes, as RE2 reads them; a negated class also matches '/'.
    EXPECT_TRUE(excluded({"v[[:digit:]]"}, "v7"));
    EXPECT_FALSE(excluded({"v[[:digit:]]"}, "vx"));
    EXPECT_TRUE(excluded({"a[^x]b"}, "a/b"));
    // A prefix pattern of literals: `foo**` is "starts with foo"; a suffix one `**foo`.
    EXPECT_TRUE(excluded({"foo**"}, "foobar"));
    EXPECT_TRUE(excluded({"**foo"}, "xfoo"));
}

TEST(DockerIgnore, CleanIsGosFilepathClean) {
    for (auto [in, out] : std::vector<std::pair<std::string, std::string>>{{"", "."},
                                                                           {"a//b", "a/b"},
                                                                           {"a/./b/", "a/b"},
                                                                           {"a/b/../c", "a/c"},
                                                                           {"../a", "../a"},
                                                                           {"a/../..", ".."},
                                                                           {"/../a", "/a"},
                                                                           {"/a/..", "/"},
                                                                           {"./", "."}})
        EXPECT_EQ(DockerIgnore::clean(in), out) << in;
}

}  // namespace
