#pragma once
// Internal to the diff library: a libgit2 similarity metric that scores file pairs the way
// git's own rename detection does, so `slipway diff` prints git's similarity figures.
#include <git2.h>

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace diff::detail {

/// A file reduced to git's "span hash" counts: chunks of up to 64 bytes ending at a
/// newline, hashed into about 2^17 buckets; sorted by hash.
struct SpanSignature {
    std::size_t size = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;  // (hash, bytes)
};

SpanSignature span_signature(std::string_view content);

/// git's similarity of two files in percent (0..100), 0 when their sizes differ too much
/// for `min_percent` to be reachable.
int similarity_percent(const SpanSignature& src, const SpanSignature& dst, int min_percent);

/// The metric for `git_diff_find_options::metric` (threshold in its payload: none, 50).
git_diff_similarity_metric* git_compatible_metric();

}  // namespace diff::detail
