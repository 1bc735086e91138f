#include <gtest/gtest.h>

#include "cli/project.hpp"

namespace {

TEST(UnquotePath, ReversesGitQuoting) {
    EXPECT_EQ(cli::unquote_path("plain/path"), "plain/path");
    EXPECT_EQ(cli::unquote_path("\"a\\tb\""), "a\tb");
    EXPECT_EQ(cli::unquote_path("\"\\303\\251\""), "\xc3\xa9");
    EXPECT_EQ(cli::unquote_path("\"q\\\"x\\\\y\""), "q\"x\\y");
    EXPECT_EQ(cli::unquote_path("\"new\\nline\""), "new\nline");
}

}  // namespace
