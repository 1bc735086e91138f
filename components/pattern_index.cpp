#include "components/pattern_index.hpp"

#include <algorithm>
#include <optional>

namespace components {
namespace {

bool has_wildcard(std::string_view s) {
    return s.find_first_of("*?[\\") != std::string_view::npos;
}

// "*.ext" with no other wildcard or dot after the star: indexable by extension.
std::string_view extension_key(std::string_view s) {
    if (s.size() < 3 || s[0] != '*' || s[1] != '.') return {};
    std::string_view rest = s.substr(1);
    if (has_wildcard(rest) || rest.find('.', 1) != std::string_view::npos) return {};
    return rest;
}

std::string_view extension_of(std::string_view name) {
    auto dot = name.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : name.substr(dot);
}

std::string_view anchored_text(const GitignorePattern& p) {
    std::string_view s = p.pattern;
    if (!s.empty() && s.front() == '/') s.remove_prefix(1);
    return s;
}

// The name part of a pattern that matches by last path component: the whole pattern when
// it has no `/`, or X in `**/X` (which matches X at any depth, exactly like a bare X).
std::optional<std::string_view> floating_name(const GitignorePattern& p) {
    if (p.basename_only) return std::string_view(p.pattern);
    std::string_view s = anchored_text(p);
    if (s.starts_with("**/") && s.find('/', 3) == std::string_view::npos &&
        !s.substr(3).starts_with("**")) {
        return s.substr(3);
    }
    return std::nullopt;
}

// Calls visit(level, is_dir) for every directory of `path` (shallowest first), then the path.
template <typename F>
void for_each_level(std::string_view path, F&& visit) {
    for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
         slash = path.find('/', slash + 1)) {
        visit(path.substr(0, slash), true);
    }
    visit(path, false);
}

}  // namespace

PatternIndex::PatternIndex(const PatternIndex& other) {
    m_owners.reserve(other.m_owners.size());
    for (const auto& patterns : other.m_owners) add_owner(patterns);
}

PatternIndex& PatternIndex::operator=(const PatternIndex& other) {
    if (this != &other) *this = PatternIndex(other);
    return *this;
}

std::uint32_t PatternIndex::add_owner(std::vector<GitignorePattern> patterns) {
    const auto owner = static_cast<std::uint32_t>(m_owners.size());
    const auto& stored = m_owners.emplace_back(std::move(patterns));  // where the keys point
    for (std::uint32_t i = 0; i < stored.size(); ++i) {
        const GitignorePattern& p = stored[i];
        const Hit hit{owner, i};
        if (auto name = floating_name(p)) {
            if (!has_wildcard(*name)) {
                m_name.emplace(*name, hit);
            } else if (auto ext = extension_key(*name); !ext.empty()) {
                m_extension.emplace(ext, hit);
            } else {
                m_always.push_back(hit);
            }
        } else if (is_literal(p)) {
            m_exact.emplace(anchored_text(p), hit);
        } else if (auto dir = literal_directory(p); !dir.empty()) {
            m_directory.emplace(dir, hit);
        } else {
            m_always.push_back(hit);
        }
    }
    return owner;
}

void PatternIndex::append(const Buckets& buckets, std::string_view key, std::vector<Hit>& out) {
    if (buckets.empty()) return;
    for (auto [it, end] = buckets.equal_range(key); it != end; ++it) out.push_back(it->second);
}

void PatternIndex::candidates(std::string_view path, std::vector<Hit>& out) const {
    out.assign(m_always.begin(), m_always.end());
    for_each_level(path, [&](std::string_view level, bool is_dir) {
        append(m_exact, level, out);
        if (is_dir) append(m_directory, level, out);
        auto slash = level.rfind('/');
        std::string_view name = slash == std::string_view::npos ? level : level.substr(slash + 1);
        append(m_name, name, out);
        if (auto ext = extension_of(name); !ext.empty()) append(m_extension, ext, out);
    });
}

void PatternIndex::match(std::string_view path, std::vector<Hit>& out) const {
    thread_local std::vector<Hit> pool;
    candidates(path, pool);
    out.clear();
    if (pool.empty()) return;
    // Per owner, its candidate patterns from last to first: the last match decides.
    std::sort(pool.begin(), pool.end(), [](const Hit& a, const Hit& b) {
        return a.owner != b.owner ? a.owner < b.owner : a.pattern > b.pattern;
    });
    pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
    for (auto group = pool.begin(); group != pool.end();) {
        auto end =
            std::find_if(group, pool.end(), [&](const Hit& h) { return h.owner != group->owner; });
        std::optional<Hit> decided;
        for_each_level(path, [&](std::string_view level, bool is_dir) {
            if (decided) return;
            for (auto it = group; it != end; ++it) {
                const GitignorePattern& p = pattern(*it);
                if (!matches_level(p, level, is_dir)) continue;
                if (!p.negated) decided = *it;
                break;
            }
        });
        if (decided) out.push_back(*decided);
        group = end;
    }
}

void PatternIndex::for_each_pattern_match(std::string_view path,
                                          const std::function<void(Hit)>& visit) const {
    std::vector<Hit> pool;
    candidates(path, pool);
    std::sort(pool.begin(), pool.end(), [](const Hit& a, const Hit& b) {
        return a.owner != b.owner ? a.owner < b.owner : a.pattern < b.pattern;
    });
    pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
    for (const Hit& hit : pool) {
        bool any = false;
        for_each_level(path, [&](std::string_view level, bool is_dir) {
            any = any || matches_level(pattern(hit), level, is_dir);
        });
        if (any) visit(hit);
    }
}

}  // namespace components
