#pragma once
// Internal to the diff library: owners for libgit2 handles and the libgit2 error copy.
// Only diff/*.cpp include this header (it pulls in git2.h).
#include <git2.h>

#include <memory>
#include <string>

#include "common/error.hpp"

namespace diff::detail {

template <typename T, void (*Free)(T*)>
struct GitDeleter {
    void operator()(T* p) const noexcept { Free(p); }
};
template <typename T, void (*Free)(T*)>
using GitHandle = std::unique_ptr<T, GitDeleter<T, Free>>;

using RepositoryHandle = GitHandle<git_repository, git_repository_free>;
using ObjectHandle = GitHandle<git_object, git_object_free>;
using CommitHandle = GitHandle<git_commit, git_commit_free>;
using TreeHandle = GitHandle<git_tree, git_tree_free>;
using DiffHandle = GitHandle<git_diff, git_diff_free>;
using ConfigHandle = GitHandle<git_config, git_config_free>;
using ReferenceIteratorHandle = GitHandle<git_reference_iterator, git_reference_iterator_free>;
using ReferenceHandle = GitHandle<git_reference, git_reference_free>;
using OdbHandle = GitHandle<git_odb, git_odb_free>;
using OdbObjectHandle = GitHandle<git_odb_object, git_odb_object_free>;

/// libgit2's last error message, copied at once ("unknown error" when there is none).
std::string last_git_error();

/// An external error carrying libgit2's message, with `doing` in front.
std::unexpected<common::Error> git_failure(const std::string& doing);

/// Formats an object id as 40 hex characters.
std::string to_hex(const git_oid& id);

/// The root tree of the commit with the hex id `commit_id`.
common::Result<TreeHandle> commit_tree(git_repository* repo, const std::string& commit_id);

}  // namespace diff::detail
