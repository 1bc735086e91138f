#pragma once
// Runs the real slipway binary.
#include <gtest/gtest.h>

#include "support/git_repo.hpp"

namespace cli_test {

inline support::CommandResult slipway(const std::string& args, const std::string& input = "") {
    return support::run(support::shell_quote(support::slipway_binary()) + " " + args, input);
}

/// An error is exactly one line on stderr, nothing on stdout, and the given exit status.
inline void expect_one_line_error(const support::CommandResult& r, int status,
                                  const std::string& fragment) {
    EXPECT_EQ(r.status, status) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.err.starts_with("slipway: error: ")) << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
}

}  // namespace cli_test
