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

    PatternIndex() = default;
    /// A copy indexes its own copies of the patterns (the buckets point into them).
    PatternIndex(const PatternIndex& other);
    PatternIndex& operator=(const PatternIndex& other);
    PatternIndex(PatternIndex&&) noexcept = default;
    PatternIndex& operator=(PatternIndex&&) noexcept = default;
    ~PatternIndex() = default;

    /// Room for `owners` owners (add_owner then allocates no list of lists again).
    void reserve(std::size_t owners) { m_owners.reserve(owners); }

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
    // Keys are views into the patterns in m_owners, whose lists never move their elements
    // once added (one allocation per pattern, none per key).
    using Buckets = std::unordered_multimap<std::string_view, Hit>;

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
