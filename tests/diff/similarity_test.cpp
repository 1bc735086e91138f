// git's similarity score, checked on hand-made cases whose figures git prints.
#include <gtest/gtest.h>

#include "diff/similarity.hpp"

namespace {

using diff::detail::k_max_score;
using diff::detail::similarity_percent;
using diff::detail::similarity_score;
using diff::detail::sizes_rule_out;
using diff::detail::span_signature;

std::string numbered(int from, int to) {
    std::string s;
    for (int i = from; i <= to; ++i) s += std::to_string(i) + "\n";
    return s;
}

TEST(Similarity, IdenticalContentIsOneHundred) {
    auto a = span_signature(numbered(1, 100));
    EXPECT_EQ(similarity_percent(a, a, 50), 100);
}

TEST(Similarity, SizeGateRejectsVeryDifferentSizes) {
    auto small = span_signature(numbered(1, 10));
    auto large = span_signature(numbered(1, 100));
    EXPECT_EQ(similarity_percent(small, large, 50), 0);
}

TEST(Similarity, CountsCopiedBytesOverTheLargerSize) {
    // seq 1 100 -> seq 1 90 + "91": git reports R090 for this pair.
    auto a = span_signature(numbered(1, 100));
    auto b = span_signature(numbered(1, 91));
    EXPECT_EQ(similarity_percent(a, b, 50), 90);
}

TEST(Similarity, CrlfCountsLikeLfInText) {
    auto lf = span_signature("a\nb\nc\n");
    auto crlf = span_signature("a\r\nb\r\nc\r\n");
    EXPECT_EQ(lf.spans, crlf.spans);
}

TEST(Similarity, RawScoreIsOnGitsSixtyThousandScale) {
    auto a = span_signature(numbered(1, 100));
    auto b = span_signature(numbered(1, 91));
    EXPECT_EQ(similarity_score(a, a, k_max_score / 2), k_max_score);
    const int score = similarity_score(a, b, k_max_score / 2);
    EXPECT_EQ(score * 100 / k_max_score, 90);
    EXPECT_GT(score, 54000);  // ranks finer than the printed percent
}

// git rejects a pair without reading it when max * (60000 - min) < delta * 60000.
TEST(Similarity, SizeGateBoundaries) {
    EXPECT_FALSE(sizes_rule_out(100, 200, 30000));  // 50%: twice the size still passes
    EXPECT_TRUE(sizes_rule_out(100, 201, 30000));
    EXPECT_FALSE(sizes_rule_out(100, 133, 45000));  // 75% (the basename step)
    EXPECT_TRUE(sizes_rule_out(100, 134, 45000));
    EXPECT_FALSE(sizes_rule_out(0, 0, 30000));
}

TEST(Similarity, EmptyDestinationScoresZero) {
    EXPECT_EQ(similarity_percent(span_signature("x\n"), span_signature(""), 50), 0);
}

}  // namespace
