#pragma once
// Runs slipway's diff and git's on the same refs and compares the output byte for byte.
#include <gtest/gtest.h>

#include "diff/format.hpp"
#include "diff/tree_diff.hpp"
#include "support/git_repo.hpp"

namespace diff_test {

inline diff::ChangeSet changes_of(const support::GitRepo& repo, diff::DiffRequest request) {
    auto r = diff::Repository::open(repo.path());
    EXPECT_TRUE(r.has_value());
    auto c = diff::compute_changes(*r, request);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
    return c ? *c : diff::ChangeSet{};
}

/// Every text format (name-only, name-status, each with and without -z) equals git's.
inline void expect_same_as_git(const support::GitRepo& repo, const std::string& base,
                               const std::string& head, bool two_dot = false) {
    auto ours = changes_of(repo, {base, head, two_dot, true, false});
    const std::string range = two_dot ? base + " " + head : base + "..." + head;
    for (bool z : {false, true}) {
        for (auto [flag, format] : {std::pair{"--name-status", diff::DiffFormat::name_status},
                                    {"--name-only", diff::DiffFormat::name_only}}) {
            std::string git = repo.git(std::string("diff ") + flag + (z ? " -z " : " ") + range);
            EXPECT_EQ(diff::format_changes(ours, format, z), git)
                << flag << (z ? " -z" : "") << " " << range;
        }
    }
}

/// Without rename detection (selection's fast tree walk) the output equals
/// `git diff --no-renames`.
inline void expect_same_as_git_without_renames(const support::GitRepo& repo,
                                               const std::string& base, const std::string& head,
                                               bool two_dot = false) {
    auto ours = changes_of(repo, {base, head, two_dot, false, false});
    const std::string range = two_dot ? base + " " + head : base + "..." + head;
    EXPECT_EQ(diff::format_changes(ours, diff::DiffFormat::name_status, true),
              repo.git("diff --no-renames --name-status -z " + range))
        << range;
}

}  // namespace diff_test
