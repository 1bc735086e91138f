// A Merkle-aware tree diff. libgit2's git_diff_tree_to_tree expands every subtree, even one
// whose id is unchanged (libgit2 pull request #6863), so on a large monorepo it reads every
// tree object of both sides. Git's diff-tree instead merges the two sorted entry lists of a
// directory and descends only where the subtree ids differ; this file does the same.
//
// Trees are read raw from libgit2's object database and their entries ("<octal mode>
// <name>\0<20-byte id>", repeated) are viewed in place, without libgit2's per-entry
// allocations: on a 100,000-file tree this halves the time of the walk. Entries are
// compared in git's tree order (a directory's name sorts as if it ended in '/'), which is
// also the bytewise order of the full paths emitted.
//
// It stays on one thread on purpose: libgit2 handles must not be shared between threads,
// and a handle per worker starts with cold object and delta-base caches; measured on a
// 100,000-file repository, two workers took 115 ms where one takes 75 ms.
#include "diff/tree_walk.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "diff/git_handles.hpp"

namespace diff::detail {
namespace {

constexpr std::uint32_t k_type_mask = 0170000;
constexpr std::uint32_t k_tree_mode = 0040000;

struct Entry {
    std::string_view name;
    std::uint32_t mode = 0;
    const git_oid* id = nullptr;
    [[nodiscard]] bool is_tree() const { return (mode & k_type_mask) == k_tree_mode; }
};

// A tree object held in memory, with views of its entries.
struct RawTree {
    OdbObjectHandle object;
    std::vector<Entry> entries;
};

// git's base_name_compare: names bytewise, a tree's name followed by an implicit '/'.
int compare_entries(const Entry& a, const Entry& b) {
    const std::size_t common = std::min(a.name.size(), b.name.size());
    if (int c = std::memcmp(a.name.data(), b.name.data(), common); c != 0) return c;
    const unsigned char ca = a.name.size() > common ? a.name[common] : (a.is_tree() ? '/' : 0);
    const unsigned char cb = b.name.size() > common ? b.name[common] : (b.is_tree() ? '/' : 0);
    return static_cast<int>(ca) - static_cast<int>(cb);
}

bool parse_entries(std::string_view data, std::vector<Entry>& out) {
    out.reserve(data.size() / 28 + 1);  // an entry takes at least 28 bytes ("100644 x\0" + id)
    while (!data.empty()) {
        Entry e;
        auto space = data.find(' ');
        if (space == std::string_view::npos) return false;
        for (char c : data.substr(0, space)) {
            if (c < '0' || c > '7') return false;
            e.mode = e.mode * 8 + static_cast<std::uint32_t>(c - '0');
        }
        auto nul = data.find('\0', space + 1);
        if (nul == std::string_view::npos || data.size() < nul + 1 + GIT_OID_RAWSZ) return false;
        e.name = data.substr(space + 1, nul - space - 1);
        e.id = reinterpret_cast<const git_oid*>(data.data() + nul + 1);
        out.push_back(e);
        data.remove_prefix(nul + 1 + GIT_OID_RAWSZ);
    }
    return true;
}

class Walker {
  public:
    explicit Walker(git_odb* odb) : m_odb(odb) {}

    common::Result<void> diff(const RawTree* old_tree, const RawTree* new_tree,
                              std::string& prefix) {
        static const std::vector<Entry> none;
        const auto& olds = old_tree ? old_tree->entries : none;
        const auto& news = new_tree ? new_tree->entries : none;
        std::size_t i = 0, j = 0;
        while (i < olds.size() || j < news.size()) {
            const int c = i == olds.size()   ? 1
                          : j == news.size() ? -1
                                             : compare_entries(olds[i], news[j]);
            common::Result<void> ok;
            if (c < 0) {
                ok = one_side(olds[i++], prefix, Status::deleted);
            } else if (c > 0) {
                ok = one_side(news[j++], prefix, Status::added);
            } else {
                ok = both_sides(olds[i++], news[j++], prefix);
            }
            if (!ok) return ok;
        }
        return {};
    }

    common::Result<RawTree> read(const git_oid& id) {
        git_odb_object* raw = nullptr;
        if (git_odb_read(&raw, m_odb, &id) != 0) return git_failure("reading tree " + to_hex(id));
        RawTree tree{OdbObjectHandle(raw), {}};
        if (git_odb_object_type(raw) != GIT_OBJECT_TREE) {
            return common::fail(common::ErrorCode::external,
                                "object " + to_hex(id) + " is not a tree");
        }
        std::string_view data(static_cast<const char*>(git_odb_object_data(raw)),
                              git_odb_object_size(raw));
        if (!parse_entries(data, tree.entries)) {
            return common::fail(common::ErrorCode::external, "tree " + to_hex(id) + " is corrupt");
        }
        return tree;
    }

    std::vector<Change> take() { return std::move(m_changes); }

    /// Also records both sides (mode and id) of every change, for rename detection.
    void keep_sides() { m_keep_sides = true; }
    std::vector<SidedChange> take_sided() {
        std::vector<SidedChange> out;
        out.reserve(m_changes.size());
        for (std::size_t i = 0; i < m_changes.size(); ++i) {
            out.push_back({std::move(m_changes[i]), m_sides[i].first, m_sides[i].second});
        }
        return out;
    }

  private:
    // An entry present on one side only: a file, or every file below a directory.
    common::Result<void> one_side(const Entry& e, std::string& prefix, Status status) {
        const std::size_t mark = prefix.size();
        prefix += e.name;
        common::Result<void> ok;
        if (e.is_tree()) {
            auto tree = read(*e.id);
            if (!tree) return std::unexpected(tree.error());
            prefix += '/';
            ok = status == Status::added ? diff(nullptr, &*tree, prefix)
                                         : diff(&*tree, nullptr, prefix);
        } else {
            m_changes.push_back({status, prefix, "", 0});
            if (m_keep_sides) {
                status == Status::added ? note_sides(nullptr, &e) : note_sides(&e, nullptr);
            }
        }
        prefix.resize(mark);
        return ok;
    }

    // The same name on both sides (both trees, or both non-trees).
    common::Result<void> both_sides(const Entry& o, const Entry& n, std::string& prefix) {
        if (o.mode == n.mode && git_oid_equal(o.id, n.id)) return {};
        const std::size_t mark = prefix.size();
        prefix += o.name;
        common::Result<void> ok;
        if (o.is_tree()) {
            auto old_tree = read(*o.id);
            if (!old_tree) return std::unexpected(old_tree.error());
            auto new_tree = read(*n.id);
            if (!new_tree) return std::unexpected(new_tree.error());
            prefix += '/';
            ok = diff(&*old_tree, &*new_tree, prefix);
        } else {
            // A change of file type (regular, symlink, submodule) is T; a mode bit is M.
            const bool type_changed = (o.mode & k_type_mask) != (n.mode & k_type_mask);
            m_changes.push_back(
                {type_changed ? Status::type_changed : Status::modified, prefix, "", 0});
            if (m_keep_sides) note_sides(&o, &n);
        }
        prefix.resize(mark);
        return ok;
    }

    void note_sides(const Entry* old_entry, const Entry* new_entry) {
        auto side = [](const Entry* e) {
            return e ? FileSide{e->mode, *e->id, false} : FileSide{};
        };
        m_sides.emplace_back(side(old_entry), side(new_entry));
    }

    git_odb* m_odb;
    std::vector<Change> m_changes;
    bool m_keep_sides = false;
    std::vector<std::pair<FileSide, FileSide>> m_sides;  // parallel to m_changes
};

}  // namespace

namespace {

// Walks from `old_tree` to `new_tree` with `walker`, which then holds the changes.
common::Result<void> walk(Walker& walker, const git_oid& old_tree, const git_oid& new_tree) {
    auto old_root = walker.read(old_tree);
    if (!old_root) return std::unexpected(old_root.error());
    auto new_root = walker.read(new_tree);
    if (!new_root) return std::unexpected(new_root.error());
    std::string prefix;
    return walker.diff(&*old_root, &*new_root, prefix);
}

common::Result<OdbHandle> open_odb(git_repository* repo) {
    git_odb* odb_raw = nullptr;
    if (git_repository_odb(&odb_raw, repo) != 0) return git_failure("opening the object database");
    return OdbHandle(odb_raw);
}

}  // namespace

common::Result<std::vector<Change>> walk_tree_diff(git_repository* repo, const git_oid& old_tree,
                                                   const git_oid& new_tree) {
    auto odb = open_odb(repo);
    if (!odb) return std::unexpected(odb.error());
    Walker walker(odb->get());
    if (auto ok = walk(walker, old_tree, new_tree); !ok) return std::unexpected(ok.error());
    return walker.take();
}

common::Result<std::vector<SidedChange>> walk_tree_diff_sided(git_repository* repo,
                                                              const git_oid& old_tree,
                                                              const git_oid& new_tree) {
    auto odb = open_odb(repo);
    if (!odb) return std::unexpected(odb.error());
    Walker walker(odb->get());
    walker.keep_sides();
    if (auto ok = walk(walker, old_tree, new_tree); !ok) return std::unexpected(ok.error());
    return walker.take_sided();
}

}  // namespace diff::detail
