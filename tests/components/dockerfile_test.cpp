// The base images of a Dockerfile as its FROM lines name them.
#include <gtest/gtest.h>

#include "components/dockerfile.hpp"

namespace {

using components::base_images;

std::vector<std::string> refs(std::string_view dockerfile,
                              const std::map<std::string, std::string>& args = {}) {
    std::vector<std::string> out;
    for (const auto& b : base_images(dockerfile, args)) out.push_back(b.reference);
    return out;
}

TEST(Dockerfile, PinnedAndUnpinnedBases) {
    auto bases = base_images(
        "# syntax=docker/dockerfile:1\n"
        "FROM --platform=$BUILDPLATFORM golang:1.22@sha256:abc AS build\n"
        "RUN go build\n"
        "from python:3.12-slim\n"
        "COPY --from=build /app /app\n",
        {});
    ASSERT_EQ(bases.size(), 2u);
    EXPECT_EQ(bases[0].reference, "golang:1.22@sha256:abc");
    EXPECT_EQ(bases[0].digest, "sha256:abc");
    EXPECT_EQ(bases[0].line, 2);
    EXPECT_EQ(bases[1].reference, "python:3.12-slim");
    EXPECT_EQ(bases[1].digest, "");
}

TEST(Dockerfile, StagesAndScratchAreNotImages) {
    EXPECT_EQ(refs("FROM alpine AS Base\nFROM base\nFROM scratch\nFROM base AS again\n"),
              (std::vector<std::string>{"alpine"}));
}

TEST(Dockerfile, ArgsBeforeTheFirstFromAreSubstituted) {
    const char* text =
        "ARG PY=3.12\n"
        "ARG BASE=python:${PY}-slim\n"
        "ARG DIGEST\n"
        "FROM ${BASE}\n"
        "FROM alpine${DIGEST:+@}${DIGEST}\n"
        "ARG LATE=x\n"
        "FROM $LATE\n";
    EXPECT_EQ(refs(text), (std::vector<std::string>{"python:3.12-slim", "alpine", ""}));
    EXPECT_EQ(refs(text, {{"PY", "3.13"}, {"DIGEST", "sha256:def"}}),
              (std::vector<std::string>{"python:3.13-slim", "alpine@sha256:def", ""}));
    EXPECT_EQ(refs("ARG V\nFROM node:${V:-20}\n"), (std::vector<std::string>{"node:20"}));
}

TEST(Dockerfile, ContinuationsCommentsAndTheEscapeDirective) {
    EXPECT_EQ(refs("FROM \\\n  # a comment inside\n  ubuntu:24.04 \\\n  AS base\n"),
              (std::vector<std::string>{"ubuntu:24.04"}));
    EXPECT_EQ(refs("# escape=`\nFROM mcr.microsoft.com/windows `\n  AS w\nRUN dir c:\\\n"),
              (std::vector<std::string>{"mcr.microsoft.com/windows"}));
}

}  // namespace
