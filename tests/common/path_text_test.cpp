// Paths as text: git's quoting and its reverse, UTF-8 checks, and the JSON form of a path.
#include "common/path_text.hpp"

#include <gtest/gtest.h>

namespace {

TEST(PathText, UnquoteReversesGitQuoting) {
    EXPECT_EQ(common::unquote_path("plain/path"), "plain/path");
    EXPECT_EQ(common::unquote_path("\"a\\tb\""), "a\tb");
    EXPECT_EQ(common::unquote_path("\"\\303\\251\""), "\xc3\xa9");
    EXPECT_EQ(common::unquote_path("\"q\\\"x\\\\y\""), "q\"x\\y");
    EXPECT_EQ(common::unquote_path("\"new\\nline\""), "new\nline");
}

TEST(PathText, QuotingIsGitsAndRoundTrips) {
    EXPECT_EQ(common::quote_path("src/a.c"), "src/a.c");
    EXPECT_EQ(common::quote_path("new\nline"), "\"new\\nline\"");
    EXPECT_EQ(common::quote_path("caf\xc3\xa9"), "\"caf\\303\\251\"");
    EXPECT_EQ(common::quote_path("caf\xc3\xa9", false), "caf\xc3\xa9");
    for (std::string path : {"a\tb", "x\"y", "back\\slash", "\x01\x7f", "\xff\xfe", "\"quoted\""})
        EXPECT_EQ(common::unquote_path(common::quote_path(path)), path);
}

TEST(PathText, Utf8IsCheckedStrictly) {
    EXPECT_TRUE(common::is_utf8(""));
    EXPECT_TRUE(common::is_utf8("plain"));
    EXPECT_TRUE(common::is_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80"));
    EXPECT_FALSE(common::is_utf8("caf\xe9"));           // Latin-1
    EXPECT_FALSE(common::is_utf8("\xc3"));              // cut short
    EXPECT_FALSE(common::is_utf8("\xc0\xaf"));          // overlong
    EXPECT_FALSE(common::is_utf8("\xed\xa0\x80"));      // a surrogate
    EXPECT_FALSE(common::is_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(common::is_utf8("\xe2\x82"));          // cut short
}

TEST(PathText, JsonKeepsUtf8AndQuotesTheRest) {
    EXPECT_EQ(common::json_path("src/caf\xc3\xa9.txt"), "src/caf\xc3\xa9.txt");
    EXPECT_EQ(common::json_path("tab\there"), "tab\there");  // JSON escapes it
    EXPECT_EQ(common::json_path("caf\xe9.txt"), "\"caf\\351.txt\"");
    // A UTF-8 path that starts with '"' is quoted too: a '"' first always means quoted.
    EXPECT_EQ(common::json_path("\"x\""), "\"\\\"x\\\"\"");
    EXPECT_EQ(common::unquote_path(common::json_path("caf\xe9.txt")), "caf\xe9.txt");
}

}  // namespace
