// git's rename score (diffcore-delta.c, diffcore-rename.c: estimate_similarity).
//
// Each file is cut into chunks that end at a newline or after 64 bytes; each chunk's hash
// (two rolling accumulators folded modulo the prime 107927) counts the chunk's bytes. The
// bytes "copied" from source to destination are, per hash, the smaller of the two counts.
// The score is copied * 60000 / max(size) and git prints it as score * 100 / 60000. A pair
// whose sizes differ by more than the threshold allows is scored 0 without hashing. A CR of
// a CRLF pair is skipped in text files (no NUL in the first 8000 bytes), as git does.
#include "diff/similarity.hpp"

#include <algorithm>
#include <unordered_map>

namespace diff::detail {
namespace {

constexpr std::uint32_t k_hash_base = 107927;
constexpr std::size_t k_binary_probe = 8000;

bool looks_binary(std::string_view content) {
    auto probe = content.substr(0, std::min(content.size(), k_binary_probe));
    return probe.find('\0') != std::string_view::npos;
}

}  // namespace

SpanSignature span_signature(std::string_view content) {
    const bool text = !looks_binary(content);
    std::unordered_map<std::uint32_t, std::uint32_t> counts;
    std::uint32_t accum1 = 0, accum2 = 0, n = 0;
    for (std::size_t i = 0; i < content.size(); ++i) {
        auto c = static_cast<unsigned char>(content[i]);
        if (text && c == '\r' && i + 1 < content.size() && content[i + 1] == '\n') continue;
        std::uint32_t old1 = accum1;
        accum1 = (accum1 << 7) ^ (accum2 >> 25);
        accum2 = (accum2 << 7) ^ (old1 >> 25);
        accum1 += c;
        if (++n < 64 && c != '\n') continue;
        counts[(accum1 + accum2 * 0x61) % k_hash_base] += n;
        n = accum1 = accum2 = 0;
    }
    SpanSignature sig;
    sig.size = content.size();
    sig.spans.assign(counts.begin(), counts.end());
    std::sort(sig.spans.begin(), sig.spans.end());
    return sig;
}

bool sizes_rule_out(std::size_t src_size, std::size_t dst_size, int min_score) {
    const std::uint64_t max_size = std::max(src_size, dst_size);
    const std::uint64_t delta = max_size - std::min(src_size, dst_size);
    const auto min = static_cast<std::uint64_t>(min_score);
    return max_size * (k_max_score - min) < delta * k_max_score;
}

int similarity_score(const SpanSignature& src, const SpanSignature& dst, int min_score) {
    if (dst.size == 0 || sizes_rule_out(src.size, dst.size, min_score)) return 0;
    std::uint64_t copied = 0;
    auto s = src.spans.begin();
    auto d = dst.spans.begin();
    while (s != src.spans.end() && d != dst.spans.end()) {
        if (s->first < d->first) {
            ++s;
        } else if (d->first < s->first) {
            ++d;
        } else {
            copied += std::min(s->second, d->second);
            ++s, ++d;
        }
    }
    const std::uint64_t max_size = std::max(src.size, dst.size);
    return static_cast<int>(copied * k_max_score / max_size);
}

int similarity_percent(const SpanSignature& src, const SpanSignature& dst, int min_percent) {
    return similarity_score(src, dst, k_max_score * min_percent / 100) * 100 / k_max_score;
}

}  // namespace diff::detail
