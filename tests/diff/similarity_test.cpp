// git's similarity score, checked on hand-made cases whose figures git prints.
#include <gtest/gtest.h>

#include "diff/similarity.hpp"

namespace {

using diff::detail::similarity_percent;
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

TEST(Similarity, EmptyDestinationScoresZero) {
    EXPECT_EQ(similarity_percent(span_signature("x\n"), span_signature(""), 50), 0);
}

}  // namespace
