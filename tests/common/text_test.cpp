#include <gtest/gtest.h>

#include "common/text.hpp"

namespace {

TEST(EditDistance, Basics) {
    EXPECT_EQ(common::edit_distance("", ""), 0u);
    EXPECT_EQ(common::edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(common::edit_distance("dev", "deb"), 1u);
}

TEST(ClosestMatch, SuggestsOnlyLikelyTypos) {
    std::vector<std::string> keys = {"depends_on", "paths", "parameter"};
    EXPECT_EQ(common::closest_match("dependson", keys), "depends_on");
    EXPECT_EQ(common::closest_match("path", keys), "paths");
    EXPECT_EQ(common::closest_match("zzzzzz", keys), "");
}

// `slipway history inferenc` (issue 26): a name cut short names the one it starts, even
// with a typo in it, but not when several start alike or the word is too short to tell.
TEST(ClosestMatch, ANameCutShort) {
    std::vector<std::string> names = {"inference-service", "training-lambda", "batch-train"};
    EXPECT_EQ(common::closest_match("inferenc", names), "inference-service");
    EXPECT_EQ(common::closest_match("infernece", names), "inference-service");
    EXPECT_EQ(common::closest_match("in", names), "");
    std::vector<std::string> alike = {"inference-service-a", "inference-service-b"};
    EXPECT_EQ(common::closest_match("inferen", alike), "");  // which one?
}

TEST(FormatDuration, SecondsThenMinutes) {
    EXPECT_EQ(common::format_duration(1'234), "1.2s");
    EXPECT_EQ(common::format_duration(184'000), "3m04s");
}

TEST(FitColumns, DropsControlsAndCutsByCharacters) {
    EXPECT_EQ(common::fit_columns("\x1b[31mred\x1b[0m\tdone\r", 80), "reddone");
    EXPECT_EQ(common::fit_columns("abcdef", 4), "abcd");
    EXPECT_EQ(common::fit_columns("h\xc3\xa9llo", 2), "h\xc3\xa9");  // é is one column
    EXPECT_EQ(common::fit_columns("abc", 0), "");
}

TEST(DidYouMean, IsTheMessageTailOrNothing) {
    std::vector<std::string> keys = {"depends_on", "paths", "parameter"};
    EXPECT_EQ(common::did_you_mean("dependson", keys), " (did you mean 'depends_on'?)");
    EXPECT_EQ(common::did_you_mean("zzzzzz", keys), "");
    EXPECT_EQ(common::did_you_mean("x", {}), "");
}

TEST(Printable, EscapesControlCharacters) {
    EXPECT_EQ(common::printable("a\nb\tc\rd\x01"
                                "e\x7f"),
              "a\\nb\\tc\\rd\\x01e\\x7f");
    EXPECT_EQ(common::printable("caf\xc3\xa9"), "caf\xc3\xa9");
}

}  // namespace
