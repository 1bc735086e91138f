// See merge.hpp.
#include "diff/merge.hpp"

#include "diff/git_handles.hpp"

namespace diff {
namespace {

using common::ErrorCode;
using IndexHandle = detail::GitHandle<git_index, git_index_free>;
using SignatureHandle = detail::GitHandle<git_signature, git_signature_free>;
using ConflictIteratorHandle =
    detail::GitHandle<git_index_conflict_iterator, git_index_conflict_iterator_free>;

common::Result<detail::CommitHandle> commit_of(const Repository& repo, const std::string& ref) {
    auto id = repo.resolve_commit(ref);
    if (!id) return std::unexpected(id.error());
    git_oid oid;
    git_commit* raw = nullptr;
    if (git_oid_fromstr(&oid, id->c_str()) != 0 ||
        git_commit_lookup(&raw, repo.handle(), &oid) != 0)
        return detail::git_failure("reading commit " + *id);
    return detail::CommitHandle(raw);
}

std::string conflicting_paths(git_index* index) {
    git_index_conflict_iterator* raw = nullptr;
    if (git_index_conflict_iterator_new(&raw, index) != 0) return "";
    ConflictIteratorHandle it(raw);
    const git_index_entry *ancestor = nullptr, *ours = nullptr, *theirs = nullptr;
    std::string out;
    int n = 0;
    while (git_index_conflict_next(&ancestor, &ours, &theirs, it.get()) == 0) {
        const git_index_entry* e = ours ? ours : theirs ? theirs : ancestor;
        if (++n <= 10) out += (out.empty() ? "" : ", ") + std::string(e ? e->path : "?");
    }
    if (n > 10) out += " and " + std::to_string(n - 10) + " more";
    return out;
}

}  // namespace

common::Result<std::string> merge_commit(const Repository& repo, const std::string& base,
                                         const std::string& head) {
    auto ours = commit_of(repo, base);
    if (!ours) return std::unexpected(ours.error());
    auto theirs = commit_of(repo, head);
    if (!theirs) return std::unexpected(theirs.error());
    git_merge_options options = GIT_MERGE_OPTIONS_INIT;
    git_index* raw = nullptr;
    if (git_merge_commits(&raw, repo.handle(), ours->get(), theirs->get(), &options) != 0)
        return detail::git_failure("merging " + head + " into " + base);
    IndexHandle index(raw);
    if (git_index_has_conflicts(index.get()))
        return common::fail(ErrorCode::failed, "merging " + head.substr(0, 12) + " into " + base +
                                                   " conflicts in " +
                                                   conflicting_paths(index.get()));
    git_oid tree_id;
    if (git_index_write_tree_to(&tree_id, index.get(), repo.handle()) != 0)
        return detail::git_failure("writing the merged tree");
    git_tree* tree_raw = nullptr;
    if (git_tree_lookup(&tree_raw, repo.handle(), &tree_id) != 0)
        return detail::git_failure("reading the merged tree");
    detail::TreeHandle tree(tree_raw);
    // A fixed author and time: the same two commits always make the same merge commit.
    git_signature* sig_raw = nullptr;
    const git_time_t when = git_commit_time(theirs->get());
    if (git_signature_new(&sig_raw, "slipway", "slipway@localhost", when, 0) != 0)
        return detail::git_failure("making the merge's signature");
    SignatureHandle sig(sig_raw);
    const git_commit* parents[] = {ours->get(), theirs->get()};
    git_oid merged;
    if (git_commit_create(&merged, repo.handle(), nullptr, sig.get(), sig.get(), nullptr,
                          ("Merge " + head + " into " + base).c_str(), tree.get(), 2, parents) != 0)
        return detail::git_failure("writing the merge commit");
    return detail::to_hex(merged);
}

}  // namespace diff
