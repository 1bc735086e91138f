#pragma once
// Many pattern lists (one per component, plus `ignore` and `global_inputs`) indexed by their
// literal parts, so that a path meets only the patterns that could match it instead of
// every pattern of every component.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "components/glob.hpp"

namespace components {

class PatternIndex {
  public:
    /// A pattern of an owner: the owner's id and the pattern's position in its list.
    struct Hit {
        std::uint32_t owner = 0;
        std::uint32_t pattern = 0;
        friend bool operator==(const Hit&, const Hit&) = default;
    };

    /// Adds one owner's list (in `.gitignore` order) and returns its id: 0, 1, 2, ...
    std::uint32_t add_owner(std::vector<GitignorePattern> patterns);

    /// Replaces `out` with the owners whose list matches the file `path` under gitignore
    /// rules (the path or one of its directories matches; the last matching pattern of a
    /// level decides; a directory that matches cannot be re-included below), each with the
    /// pattern that decided, sorted by owner.
    void match(std::string_view path, std::vector<Hit>& out) const;

    /// Calls `visit` for every pattern that matches the path or one of its directories on
    /// its own, negation and order aside (to find patterns that match nothing).
    void for_each_pattern_match(std::string_view path, const std::function<void(Hit)>& visit) const;

    [[nodiscard]] const GitignorePattern& pattern(Hit hit) const {
        return m_owners[hit.owner][hit.pattern];
    }
    [[nodiscard]] std::size_t owner_count() const { return m_owners.size(); }

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    using Buckets = std::unordered_map<std::string, std::vector<Hit>, Hash, std::equal_to<>>;

    void candidates(std::string_view path, std::vector<Hit>& out) const;
    static void append(const Buckets& buckets, std::string_view key, std::vector<Hit>& out);

    std::vector<std::vector<GitignorePattern>> m_owners;
    Buckets m_exact;            // anchored literal patterns, by the whole path they name
    Buckets m_directory;        // anchored patterns with wildcards, by their literal directory
    Buckets m_name;             // literal name patterns (no `/`), by the name
    Buckets m_extension;        // `*.ext` name patterns, by ".ext"
    std::vector<Hit> m_always;  // the rest: tried against every path
};

}  // namespace components
