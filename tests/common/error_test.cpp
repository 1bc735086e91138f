#include <gtest/gtest.h>

#include "common/error.hpp"

namespace {

TEST(ExitCode, OneTable) {
    using common::ErrorCode;
    EXPECT_EQ(common::exit_code(ErrorCode::failed), 1);
    EXPECT_EQ(common::exit_code(ErrorCode::usage), 2);
    EXPECT_EQ(common::exit_code(ErrorCode::input), 2);
    EXPECT_EQ(common::exit_code(ErrorCode::busy), 3);
    EXPECT_EQ(common::exit_code(ErrorCode::external), 4);
    EXPECT_EQ(common::exit_code(ErrorCode::interrupted), 130);
}

TEST(Error, ContextGoesInFront) {
    common::Error e{common::ErrorCode::input, "no such file"};
    EXPECT_EQ(e.with_context("loading x").message, "loading x: no such file");
}

}  // namespace
