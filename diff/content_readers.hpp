#pragma once
// Internal to the diff library: where rename detection reads file contents from.
#include <filesystem>

#include "diff/git_handles.hpp"
#include "diff/renames.hpp"

namespace diff::detail {

/// Contents of stored blobs, by id; sizes from the object header, without inflating.
class OdbContentReader : public ContentReader {
  public:
    explicit OdbContentReader(git_odb* odb) : m_odb(odb) {}
    common::Result<std::size_t> size(const FileSide& side, const std::string& path) override;
    common::Result<std::string> read(const FileSide& side, const std::string& path) override;

  private:
    git_odb* m_odb;
};

/// Stored blobs as above, and work-tree files (`in_worktree`) as they are on disk: a
/// symlink's content is its target, as git stores it.
class WorktreeContentReader : public OdbContentReader {
  public:
    WorktreeContentReader(git_odb* odb, std::filesystem::path root)
        : OdbContentReader(odb), m_root(std::move(root)) {}
    common::Result<std::size_t> size(const FileSide& side, const std::string& path) override;
    common::Result<std::string> read(const FileSide& side, const std::string& path) override;

  private:
    std::filesystem::path m_root;
};

/// The blob id git gives the work-tree file at `path` (clean filters applied to regular
/// files; a symlink's target).
common::Result<git_oid> hash_worktree_file(git_repository* repo, const std::filesystem::path& root,
                                           const std::string& path, std::uint32_t mode);

}  // namespace diff::detail
