#include "common/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <vector>

namespace common {

std::string_view intern(std::string_view text) {
    static std::mutex lock;
    static auto* texts = new std::set<std::string, std::less<>>();  // never freed
    const std::lock_guard hold(lock);
    auto found = texts->find(text);
    if (found == texts->end()) found = texts->emplace(text).first;
    return *found;
}

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
    if (best_distance <= limit && best_distance < word.size()) return best;
    // A name cut short ("inferenc" for "inference-service"): the one candidate that starts
    // with the word, give or take a typo in it.
    if (word.size() < 3) return "";
    std::string prefix_match;
    std::size_t prefix_distance = limit + 1;
    bool tied = false;
    for (const auto& candidate : candidates) {
        if (candidate.size() <= word.size()) continue;
        const std::size_t d =
            edit_distance(word, std::string_view(candidate).substr(0, word.size()));
        if (d < prefix_distance) {
            prefix_match = candidate;
            prefix_distance = d;
            tied = false;
        } else if (d == prefix_distance) {
            tied = true;
        }
    }
    return prefix_distance <= word.size() / 4 && !tied ? prefix_match : std::string();
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        if (ch == '\n') {
            out += "\\n";
        } else if (ch == '\t') {
            out += "\\t";
        } else if (ch == '\r') {
            out += "\\r";
        } else if (byte < 0x20 || byte == 0x7f) {
            const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 15];
        } else {
            out += ch;
        }
    }
    return out;
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
    auto hint = closest_match(word, candidates);
    return hint.empty() ? std::string() : " (did you mean '" + hint + "'?)";
}

std::string format_duration(std::int64_t millis) {
    if (millis < 60000) return fmt::format("{:.1f}s", static_cast<double>(millis) / 1000.0);
    return fmt::format("{}m{:02}s", millis / 60000, (millis / 1000) % 60);
}

std::string fit_columns(std::string_view text, std::size_t columns) {
    std::string out;
    std::size_t used = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b && i + 1 < text.size() && text[i + 1] == '[') {  // CSI: to its final byte
            for (i += 2; i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7e); ++i) {
            }
            continue;
        }
        if (c < 0x20 || c == 0x7f) continue;
        const bool starts_character = (c & 0xc0) != 0x80;  // not a UTF-8 continuation byte
        if (starts_character && used++ == columns) break;
        out += text[i];
    }
    return out;
}

}  // namespace common
