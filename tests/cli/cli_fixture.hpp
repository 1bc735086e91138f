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

/// Variables that point slipway and the aws CLI at a moto server, as a prefix for a command.
inline std::string moto_env(const std::string& url, const std::string& key_id,
                            const std::string& secret) {
    return "AWS_ENDPOINT_URL=" + url + " AWS_ACCESS_KEY_ID=" + key_id +
           " AWS_SECRET_ACCESS_KEY=" + secret +
           " AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 CI=true ";
}

}  // namespace cli_test
