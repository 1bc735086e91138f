// Rename detection in the order git's diffcore-rename.c (git 2.39) follows for `git diff`,
// because when many identical or similar files move at once several pairings score the
// same and only git's order of choosing decides which old path goes with which new one.
//
// Deleted paths are the sources and added paths the destinations, each list in path order
// (with diff.renames=copies, modified paths are sources too, already counted as "used").
// 1. Exact: each destination in turn takes a source with the same blob id (and the same
//    mode unless both are regular files), preferring one not used yet and then one with
//    the same basename, the first such in path order; at most 100 are looked at.
// 2. Basenames (renames only): a source and destination left whose basename is unique
//    among the sources left and among the destinations left are paired when their
//    similarity reaches 75%.
// 3. The matrix: unless sources × destinations left exceed diff.renameLimit² (git then
//    skips this step and warns), each destination keeps its 4 best sources by (score,
//    same basename), kept in four slots exactly as git fills them; all slots are stably
//    sorted by score and taken best first while at least 50%, each destination once and,
//    for renames, each source once; with copies a second pass lets sources be reused.
// A pair's status is decided in output order: while its source has later uses (or stays,
// as a modified copy source does) it is a copy C, the last use a rename R. A deleted path
// that became a rename or copy source is not listed as deleted.
#include "diff/renames.hpp"

#include <algorithm>
#include <numeric>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "diff/similarity.hpp"

namespace diff::detail {
namespace {

constexpr int k_min_score = k_max_score / 2;  // git's default -M50%
constexpr int k_basename_score = k_min_score + (k_max_score - k_min_score) / 2;  // 75%
constexpr int k_exact_candidates = 100;  // identical sources looked at per destination
constexpr std::size_t k_slots = 4;       // best sources kept per destination

constexpr std::uint32_t k_type_mask = 0170000;
constexpr std::uint32_t k_regular_type = 0100000;

bool is_regular(std::uint32_t mode) {
    return (mode & k_type_mask) == k_regular_type;
}

std::string_view basename_of(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// A file rename detection may compare, with its size and signature read once.
struct Candidate {
    std::size_t change = 0;  // index in the input
    const FileSide* side = nullptr;
    const std::string* path = nullptr;
    std::optional<std::size_t> size;
    std::optional<SpanSignature> signature;
};

struct Source : Candidate {
    int used = 0;  // pairs using it (git's rename_used), plus one for a modified copy source
};

struct Destination : Candidate {
    int source = -1;  // the source it was paired with
    int score = 0;    // 0..k_max_score
    [[nodiscard]] bool matched() const { return source >= 0; }
};

// One cell of git's similarity matrix (struct diff_score); dst < 0 marks an empty slot.
struct PairScore {
    int src = -1;
    int dst = -1;
    int score = 0;
    int name_score = 0;  // 1 when both paths have the same basename
};

// git's score_compare: negative when `a` ranks before `b`; empty slots rank last.
int compare_scores(const PairScore& a, const PairScore& b) {
    if (a.dst < 0) return b.dst >= 0 ? 1 : 0;
    if (b.dst < 0) return -1;
    if (a.score == b.score) return b.name_score - a.name_score;
    return b.score - a.score;
}

// git's record_if_better: `candidate` replaces the first of the worst slots if better.
void record_if_better(PairScore* slots, const PairScore& candidate) {
    std::size_t worst = 0;
    for (std::size_t i = 1; i < k_slots; ++i) {
        if (compare_scores(slots[i], slots[worst]) > 0) worst = i;
    }
    if (compare_scores(slots[worst], candidate) > 0) slots[worst] = candidate;
}

class RenameMatcher {
  public:
    RenameMatcher(const std::vector<SidedChange>& changes, const RenameOptions& options,
                  ContentReader& reader)
        : m_changes(changes), m_options(options), m_reader(reader) {}

    common::Result<RenameResult> run() {
        register_candidates();
        if (m_sources.empty() || m_dests.empty()) return write_back();
        match_exact();
        if (!m_options.copies) {
            cull_used_sources();
            if (auto ok = match_basenames(); !ok) return std::unexpected(ok.error());
            cull_used_sources();
        }
        if (auto ok = match_matrix(); !ok) return std::unexpected(ok.error());
        return write_back();
    }

  private:
    // Sources and destinations in the input's (path) order; m_live: the sources in play.
    void register_candidates() {
        for (std::size_t i = 0; i < m_changes.size(); ++i) {
            const SidedChange& c = m_changes[i];
            const Status status = c.change.status;
            if (status == Status::added) {
                m_dests.push_back({{i, &c.new_side, &c.change.path, {}, {}}, -1, 0});
            } else if (status == Status::deleted ||
                       (m_options.copies &&
                        (status == Status::modified || status == Status::type_changed))) {
                const int used = status == Status::deleted ? 0 : 1;
                m_sources.push_back({{i, &c.old_side, &c.change.path, {}, {}}, used});
            }
        }
        m_live.resize(m_sources.size());
        std::iota(m_live.begin(), m_live.end(), 0);
    }

    // Step 1 (git's find_exact_renames and find_identical_files).
    void match_exact() {
        std::vector<int> by_id(m_sources.size());
        std::iota(by_id.begin(), by_id.end(), 0);
        auto id_less = [&](int a, int b) {
            return git_oid_cmp(&m_sources[a].side->id, &m_sources[b].side->id) < 0;
        };
        std::stable_sort(by_id.begin(), by_id.end(), id_less);
        for (std::size_t d = 0; d < m_dests.size(); ++d) {
            const git_oid& id = m_dests[d].side->id;
            auto first = std::partition_point(by_id.begin(), by_id.end(), [&](int s) {
                return git_oid_cmp(&m_sources[s].side->id, &id) < 0;
            });
            int best = -1, best_score = -1, budget = k_exact_candidates;
            for (auto it = first; it != by_id.end() && git_oid_equal(&m_sources[*it].side->id, &id);
                 ++it) {
                const Source& s = m_sources[*it];
                const std::uint32_t from = s.side->mode, to = m_dests[d].side->mode;
                if ((!is_regular(from) || !is_regular(to)) && from != to) continue;
                if (s.used > 0 && !m_options.copies) continue;
                const int score = (s.used > 0 ? 0 : 1) + same_basename(s, m_dests[d]);
                if (score > best_score) {
                    best = *it, best_score = score;
                    if (score == 2) break;
                }
                if (--budget == 0) break;
            }
            if (best >= 0) record(static_cast<int>(d), best, k_max_score);
        }
    }

    // Step 2 (git's find_basename_matches, without the directory-rename guesses that only
    // merges set up).
    common::Result<void> match_basenames() {
        std::unordered_map<std::string_view, int> sources, dests;
        auto note = [](auto& map, std::string_view base, int index) {
            auto [it, inserted] = map.emplace(base, index);
            if (!inserted) it->second = -1;
        };
        for (int s : m_live) note(sources, basename_of(*m_sources[s].path), s);
        for (std::size_t d = 0; d < m_dests.size(); ++d) {
            if (!m_dests[d].matched()) {
                note(dests, basename_of(*m_dests[d].path), static_cast<int>(d));
            }
        }
        for (int s : m_live) {
            const auto base = basename_of(*m_sources[s].path);
            auto found = dests.find(base);
            if (found == dests.end() || sources[base] < 0 || found->second < 0) continue;
            const int d = found->second;
            auto score = estimate(m_sources[s], m_dests[d], k_basename_score);
            if (!score) return std::unexpected(score.error());
            if (*score >= k_basename_score) record(d, s, *score);
        }
        return {};
    }

    // Step 3 (the matrix, git's record_if_better, score_compare and find_renames).
    common::Result<void> match_matrix() {
        std::vector<int> dests;
        for (std::size_t d = 0; d < m_dests.size(); ++d) {
            if (!m_dests[d].matched()) dests.push_back(static_cast<int>(d));
        }
        if (dests.empty() || m_live.empty()) return {};
        if (over_limit(dests.size(), m_live.size())) return {};
        std::vector<PairScore> matrix(dests.size() * k_slots);
        for (std::size_t row = 0; row < dests.size(); ++row) {
            Destination& dst = m_dests[dests[row]];
            for (int s : m_live) {
                auto score = estimate(m_sources[s], dst, k_min_score);
                if (!score) return std::unexpected(score.error());
                record_if_better(&matrix[row * k_slots],
                                 {s, dests[row], *score, same_basename(m_sources[s], dst)});
            }
        }
        std::stable_sort(matrix.begin(), matrix.end(), [](const PairScore& a, const PairScore& b) {
            return compare_scores(a, b) < 0;
        });
        take_best_pairs(matrix, false);
        if (m_options.copies) take_best_pairs(matrix, true);
        return {};
    }

    // git's too_many_rename_candidates: inexact detection is skipped past limit².
    bool over_limit(std::size_t dests, std::size_t sources) {
        if (m_options.limit <= 0) return false;
        const auto limit = static_cast<std::uint64_t>(m_options.limit);
        if (static_cast<std::uint64_t>(dests) * sources <= limit * limit) return false;
        m_needed_limit = static_cast<int>(std::max(dests, sources));
        return true;
    }

    void take_best_pairs(const std::vector<PairScore>& matrix, bool copies) {
        for (const PairScore& p : matrix) {
            if (p.dst < 0 || p.score < k_min_score) break;
            if (m_dests[p.dst].matched()) continue;
            if (!copies && m_sources[p.src].used > 0) continue;
            record(p.dst, p.src, p.score);
        }
    }

    // Drops the sources already used from play (git's remove_unneeded_paths_from_src).
    void cull_used_sources() {
        std::erase_if(m_live, [&](int s) { return m_sources[s].used > 0; });
    }

    void record(int dst, int src, int score) {
        m_dests[dst].source = src;
        m_dests[dst].score = score;
        ++m_sources[src].used;
    }

    static int same_basename(const Candidate& a, const Candidate& b) {
        return basename_of(*a.path) == basename_of(*b.path) ? 1 : 0;
    }

    // git's estimate_similarity: regular files only, sizes checked before contents.
    common::Result<int> estimate(Candidate& src, Candidate& dst, int min_score) {
        if (!is_regular(src.side->mode) || !is_regular(dst.side->mode)) return 0;
        if (auto ok = load_size(src); !ok) return std::unexpected(ok.error());
        if (auto ok = load_size(dst); !ok) return std::unexpected(ok.error());
        if (sizes_rule_out(*src.size, *dst.size, min_score)) return 0;
        if (auto ok = load_signature(src); !ok) return std::unexpected(ok.error());
        if (auto ok = load_signature(dst); !ok) return std::unexpected(ok.error());
        return similarity_score(*src.signature, *dst.signature, min_score);
    }

    common::Result<void> load_size(Candidate& c) {
        if (c.size) return {};
        auto size = m_reader.size(*c.side, *c.path);
        if (!size) return std::unexpected(size.error());
        c.size = *size;
        return {};
    }

    common::Result<void> load_signature(Candidate& c) {
        if (c.signature) return {};
        auto content = m_reader.read(*c.side, *c.path);
        if (!content) return std::unexpected(content.error());
        c.signature = span_signature(*content);
        c.size = c.signature->size;
        return {};
    }

    // The changes with renames and copies in place of their destinations (git's write-back
    // to the diff queue, then diff_resolve_rename_copy for the R/C status).
    RenameResult write_back() const {
        std::vector<int> dest_of(m_changes.size(), -1), source_of(m_changes.size(), -1);
        std::vector<int> uses_left;
        for (std::size_t d = 0; d < m_dests.size(); ++d) {
            dest_of[m_dests[d].change] = static_cast<int>(d);
        }
        for (std::size_t s = 0; s < m_sources.size(); ++s) {
            source_of[m_sources[s].change] = static_cast<int>(s);
            uses_left.push_back(m_sources[s].used);
        }
        RenameResult out{{}, m_needed_limit};
        out.changes.reserve(m_changes.size());
        for (std::size_t i = 0; i < m_changes.size(); ++i) {
            const Change& c = m_changes[i].change;
            const int d = dest_of[i], s = source_of[i];
            if (d >= 0 && m_dests[d].matched()) {
                const int src = m_dests[d].source;
                const Status status = --uses_left[src] > 0 ? Status::copied : Status::renamed;
                out.changes.push_back(
                    {status, c.path, *m_sources[src].path, m_dests[d].score * 100 / k_max_score});
            } else if (s < 0 || c.status != Status::deleted || m_sources[s].used == 0) {
                out.changes.push_back(c);
            }
        }
        return out;
    }

    const std::vector<SidedChange>& m_changes;
    const RenameOptions& m_options;
    ContentReader& m_reader;
    std::vector<Source> m_sources;
    std::vector<Destination> m_dests;
    std::vector<int> m_live;
    int m_needed_limit = 0;
};

}  // namespace

common::Result<RenameResult> detect_renames(const std::vector<SidedChange>& changes,
                                            const RenameOptions& options, ContentReader& reader) {
    return RenameMatcher(changes, options, reader).run();
}

}  // namespace diff::detail
