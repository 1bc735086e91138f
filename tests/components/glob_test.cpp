#include <gtest/gtest.h>

#include "components/glob.hpp"

namespace {

using components::compile_pattern;
using components::matches_level;
using components::wildmatch;

TEST(Wildmatch, StarDoesNotCrossSlashesWithPathname) {
    EXPECT_TRUE(wildmatch("a/*.c", "a/x.c", true));
    EXPECT_FALSE(wildmatch("a/*.c", "a/b/x.c", true));
    EXPECT_TRUE(wildmatch("*.c", "a/b/x.c", false));
}

TEST(Wildmatch, DoubleStarForms) {
    EXPECT_TRUE(wildmatch("**/x", "x", true));
    EXPECT_TRUE(wildmatch("**/x", "a/b/x", true));
    EXPECT_TRUE(wildmatch("a/**", "a/b/c", true));
    EXPECT_FALSE(wildmatch("a/**", "a", true));
    EXPECT_TRUE(wildmatch("a/**/b", "a/b", true));
    EXPECT_TRUE(wildmatch("a/**/b", "a/x/y/b", true));
    EXPECT_FALSE(wildmatch("a**b", "a/x/b", true));  // not standing alone: like `*`
}

TEST(Wildmatch, Classes) {
    EXPECT_TRUE(wildmatch("[a-c]x", "bx", true));
    EXPECT_FALSE(wildmatch("[!a-c]x", "bx", true));
    EXPECT_TRUE(wildmatch("[^a-c]x", "dx", true));
    EXPECT_TRUE(wildmatch("[[:digit:]]", "7", true));
    EXPECT_FALSE(wildmatch("[[:bogus:]]", "7", true));
    EXPECT_TRUE(wildmatch("x[]]y", "x]y", true));
    EXPECT_FALSE(wildmatch("a[/]b", "a/b", true));
}

TEST(Wildmatch, Escapes) {
    EXPECT_TRUE(wildmatch("a\\*b", "a*b", true));
    EXPECT_FALSE(wildmatch("a\\*b", "axb", true));
    EXPECT_FALSE(wildmatch("trailing\\", "trailing", true));
}

TEST(CompilePattern, Flags) {
    auto p = compile_pattern("!docs/");
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->negated);
    EXPECT_TRUE(p->directory_only);
    EXPECT_TRUE(p->basename_only);
    EXPECT_EQ(p->pattern, "docs");
    EXPECT_FALSE(compile_pattern("# comment"));
    EXPECT_FALSE(compile_pattern(""));
    EXPECT_FALSE(compile_pattern("   "));
    EXPECT_EQ(compile_pattern("x  ")->pattern, "x");
    EXPECT_EQ(compile_pattern("x\\ ")->pattern, "x\\ ");
    EXPECT_EQ(compile_pattern("\\#x")->pattern, "\\#x");
}

TEST(MatchesLevel, AnchoredAndFloating) {
    auto floating = *compile_pattern("build");
    EXPECT_TRUE(matches_level(floating, "a/b/build", true));
    auto anchored = *compile_pattern("/build");
    EXPECT_FALSE(matches_level(anchored, "a/build", true));
    EXPECT_TRUE(matches_level(anchored, "build", false));
    auto dir_only = *compile_pattern("build/");
    EXPECT_FALSE(matches_level(dir_only, "build", false));
    EXPECT_TRUE(matches_level(dir_only, "build", true));
}

}  // namespace
