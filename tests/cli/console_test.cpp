// The TTY board laid out for a given terminal (cli/console.hpp): totals, every line narrower
// than the terminal (no wrapped line leaves a stale row when the board is redrawn), no escape
// sequences from build output, and a board taller than the screen cut short.
#include "cli/console.hpp"

#include <gtest/gtest.h>

namespace {

std::size_t columns(const std::string& line) {
    std::size_t n = 0;
    for (unsigned char c : line) n += (c & 0xc0) != 0x80;
    return n;
}

TEST(Board, FitsEightyColumnsAndShowsTotals) {
    std::vector<cli::BoardRow> rows = {
        {"inference-service-with-a-very-long-name", 12, 65'000,
         "\x1b[1mStep 7/12 : RUN pip install -r requirements.txt --no-cache-dir --progress-bar "
         "off && python -m compileall /app\x1b[0m\r"},
        {"api", 3, 1'500, "compiling"}};
    auto lines = cli::board_lines(rows, {9, 4, 1}, {80, 24});
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "  4/9 done, 2 running, 3 queued, 1 failed");
    for (const auto& l : lines) {
        EXPECT_LT(columns(l), 80u) << l;
        EXPECT_EQ(l.find('\x1b'), std::string::npos) << l;
        EXPECT_EQ(l.find('\r'), std::string::npos) << l;
    }
    EXPECT_TRUE(lines[1].starts_with("  inference-service-with-a-very-long-name #12      1m05s  "))
        << lines[1];
    EXPECT_EQ(lines[2], "  api                    #3        1.5s  compiling");
    for (const auto& l : cli::board_lines(rows, {9, 4, 1}, {20, 24})) EXPECT_LT(columns(l), 20u);
}

TEST(Board, ATallBoardIsCutToTheScreen) {
    std::vector<cli::BoardRow> rows(30, cli::BoardRow{"c", 1, 0, ""});
    auto lines = cli::board_lines(rows, {40, 0, 0}, {80, 10});
    ASSERT_EQ(lines.size(), 9u);  // rows - 1: the cursor can always move back over it
    EXPECT_EQ(lines[0], "  0/40 done, 30 running, 10 queued");
    EXPECT_EQ(lines.back(), "  ... and 23 more running");
}

}  // namespace
