#pragma once
// The plain values the diff stage hands to the next one.
#include <string>
#include <vector>

namespace diff {

/// One changed path, as `git diff --name-status` reports it.
enum class Status : char {
    added = 'A',
    copied = 'C',
    deleted = 'D',
    modified = 'M',
    renamed = 'R',
    type_changed = 'T',
};

struct Change {
    Status status = Status::modified;
    std::string path;      // the new path (the old one for a deletion)
    std::string old_path;  // set for renames and copies only
    int similarity = 0;    // percent, for renames and copies only
};

/// What changed between two commits: ids are full hex object ids.
struct ChangeSet {
    std::string base;        // the base ref as given
    std::string head;        // the head ref as given
    std::string base_id;     // the commit the base ref names
    std::string head_id;     // the commit the head ref names
    std::string merge_base;  // the merge base (empty for a two-dot diff)
    bool include_uncommitted = false;
    std::vector<Change> changes;  // in git's order (by path, bytewise)
};

/// Every path a change set touches: both sides of a rename or copy, each once, sorted.
std::vector<std::string> touched_paths(const ChangeSet& changes);

}  // namespace diff
