// Readers of file contents for rename detection: blobs from the object database, and
// files of the work tree for `--include-uncommitted`. Sizes come first because rename
// detection rules out most pairs on size alone, as git does, without reading contents.
#include "diff/content_readers.hpp"

#include <fstream>
#include <iterator>

namespace diff::detail {
namespace {

constexpr std::uint32_t k_type_mask = 0170000;
constexpr std::uint32_t k_symlink_type = 0120000;

std::unexpected<common::Error> unreadable(const std::string& path, const std::string& why) {
    return common::fail(common::ErrorCode::external,
                        "reading " + path + " for rename detection: " + why);
}

common::Result<std::string> read_disk_file(const std::filesystem::path& file,
                                           const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(file, ec))) {
        auto target = std::filesystem::read_symlink(file, ec);
        if (ec) return unreadable(path, ec.message());
        return target.string();
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return unreadable(path, "cannot open the work-tree file");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

common::Result<std::size_t> OdbContentReader::size(const FileSide& side, const std::string& path) {
    std::size_t length = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&length, &type, m_odb, &side.id) != 0) {
        return git_failure("reading the blob of " + path);
    }
    return length;
}

common::Result<std::string> OdbContentReader::read(const FileSide& side, const std::string& path) {
    git_odb_object* raw = nullptr;
    if (git_odb_read(&raw, m_odb, &side.id) != 0) return git_failure("reading the blob of " + path);
    OdbObjectHandle object(raw);
    return std::string(static_cast<const char*>(git_odb_object_data(raw)),
                       git_odb_object_size(raw));
}

common::Result<std::size_t> WorktreeContentReader::size(const FileSide& side,
                                                        const std::string& path) {
    if (!side.in_worktree) return OdbContentReader::size(side, path);
    std::error_code ec;
    const auto file = m_root / path;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(file, ec))) {
        auto target = std::filesystem::read_symlink(file, ec);
        if (ec) return unreadable(path, ec.message());
        return target.string().size();
    }
    auto size = std::filesystem::file_size(file, ec);
    if (ec) return unreadable(path, ec.message());
    return static_cast<std::size_t>(size);
}

common::Result<std::string> WorktreeContentReader::read(const FileSide& side,
                                                        const std::string& path) {
    if (!side.in_worktree) return OdbContentReader::read(side, path);
    return read_disk_file(m_root / path, path);
}

common::Result<git_oid> hash_worktree_file(git_repository* repo, const std::filesystem::path& root,
                                           const std::string& path, std::uint32_t mode) {
    git_oid id;
    if ((mode & k_type_mask) == k_symlink_type) {
        auto target = read_disk_file(root / path, path);
        if (!target) return std::unexpected(target.error());
        if (git_odb_hash(&id, target->data(), target->size(), GIT_OBJECT_BLOB) != 0) {
            return git_failure("hashing " + path);
        }
        return id;
    }
    if (git_repository_hashfile(&id, repo, path.c_str(), GIT_OBJECT_BLOB, nullptr) != 0) {
        return git_failure("hashing " + path);
    }
    return id;
}

}  // namespace diff::detail
