#include "common/text.hpp"

#include <algorithm>
#include <vector>

namespace common {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string closest_match(std::string_view word, std::span<const std::string> candidates) {
    // A typo is at most a third of the word (and at least 2 edits for short words).
    const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
    std::string best;
    std::size_t best_distance = limit + 1;
    for (const auto& candidate : candidates) {
        std::size_t d = edit_distance(word, candidate);
        if (d < best_distance || (d == best_distance && candidate < best)) {
            best = candidate;
            best_distance = d;
        }
    }
    // Replacing every character of the word is no "typo" (short names: "b" vs "a").
    return best_distance <= limit && best_distance < word.size() ? best : std::string();
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
    const std::string hint = closest_match(word, candidates);
    return hint.empty() ? "" : " (did you mean '" + hint + "'?)";
}

}  // namespace common
