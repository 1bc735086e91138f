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

}  // namespace
