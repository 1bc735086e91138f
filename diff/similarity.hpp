#pragma once
// Internal to the diff library: git's similarity score of two files (diffcore-delta.c),
// the measure rename detection ranks candidate pairs by.
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace diff::detail {

/// git's scale for similarity: 60000 is identical; printed as score * 100 / 60000.
constexpr int k_max_score = 60000;

/// A file reduced to git's "span hash" counts: chunks of up to 64 bytes ending at a
/// newline, hashed into about 2^17 buckets; sorted by hash.
struct SpanSignature {
    std::size_t size = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;  // (hash, bytes)
};

SpanSignature span_signature(std::string_view content);

/// True when files of these sizes are too different for `min_score` to be reachable: git
/// then scores the pair 0 without reading either file.
bool sizes_rule_out(std::size_t src_size, std::size_t dst_size, int min_score);

/// git's similarity of `dst` to `src` on its 0..60000 scale (estimate_similarity): 0 for
/// an empty destination or sizes that rule `min_score` out.
int similarity_score(const SpanSignature& src, const SpanSignature& dst, int min_score);

/// The same in percent (0..100), as git prints it; `min_percent` as above.
int similarity_percent(const SpanSignature& src, const SpanSignature& dst, int min_percent);

}  // namespace diff::detail
