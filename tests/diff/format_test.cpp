#include <gtest/gtest.h>

#include "diff/format.hpp"

namespace {

TEST(QuotePath, PlainPathsAreLeftAlone) {
    EXPECT_EQ(diff::quote_path("src/a b/c.txt"), "src/a b/c.txt");
}

TEST(QuotePath, QuotesLikeGit) {
    EXPECT_EQ(diff::quote_path("a\tb"), "\"a\\tb\"");
    EXPECT_EQ(diff::quote_path("a\nb"), "\"a\\nb\"");
    EXPECT_EQ(diff::quote_path("q\"b"), "\"q\\\"b\"");
    EXPECT_EQ(diff::quote_path("back\\slash"), "\"back\\\\slash\"");
    EXPECT_EQ(diff::quote_path("\x01\x7f"), "\"\\001\\177\"");
    EXPECT_EQ(diff::quote_path("\xc3\xa9"), "\"\\303\\251\"");
    EXPECT_EQ(diff::quote_path("\xc3\xa9", false), "\xc3\xa9");
}

TEST(FormatChanges, NameStatusRenameCarriesTheScore) {
    diff::ChangeSet c;
    c.changes = {{diff::Status::renamed, "new", "old", 87}, {diff::Status::added, "x y", "", 0}};
    EXPECT_EQ(diff::format_changes(c, diff::DiffFormat::name_status, false),
              "R087\told\tnew\nA\tx y\n");
    EXPECT_EQ(diff::format_changes(c, diff::DiffFormat::name_only, false), "new\nx y\n");
    EXPECT_EQ(diff::format_changes(c, diff::DiffFormat::name_status, true),
              std::string("R087\0old\0new\0A\0x y\0", 19));
}

TEST(FormatChanges, JsonHasSortedKeysAndNullMergeBaseForTwoDot) {
    diff::ChangeSet c{
        "main", "HEAD", "b", "h", "", false, {{diff::Status::deleted, "gone", "", 0}}};
    EXPECT_EQ(diff::format_changes(c, diff::DiffFormat::json, false),
              R"({"base":"main","base_id":"b","changes":[{"path":"gone","status":"D"}],)"
              R"("head":"HEAD","head_id":"h","include_uncommitted":false,"merge_base":null})"
              "\n");
}

}  // namespace
