// What goes into an input hash, and what does not.
#include <gtest/gtest.h>

#include <algorithm>

#include "components/input_hash.hpp"

namespace {

const char* k_manifest = R"(
image: {repository: r}
global_inputs: [build.sh]
ignore: ["**/*.md"]
components:
  lib: {paths: [lib/], kind: library}
  app: {paths: [app/], depends_on: [lib], parameter: A, build: ./build.sh app}
  other: {paths: [other/], parameter: O, build: ./build.sh other}
)";

struct Hashes {
    std::string lib, app, other;
};

Hashes hash_with(std::vector<components::TreeFile> files,
                 const std::string& manifest_text = k_manifest) {
    auto m = *components::parse_manifest(manifest_text, "m.yml");
    auto g = *components::build_graph(m);
    components::Selector selector(m, g);
    auto h = components::input_hashes(m, g, selector, files, [](std::string_view text) {
        return std::to_string(std::hash<std::string_view>{}(text));
    });
    return {h[0], h[1], h[2]};
}

const std::vector<components::TreeFile> k_files = {{"app/main.py", "a1"},
                                                   {"app/README.md", "r1"},
                                                   {"build.sh", "b1"},
                                                   {"lib/util.py", "l1"},
                                                   {"other/x", "o1"}};

std::vector<components::TreeFile> with(std::string path, std::string id) {
    auto files = k_files;
    for (auto& f : files) {
        if (f.path == path) f.id = id;
    }
    return files;
}

TEST(InputHash, OwnFilesChangeOnlyThatComponent) {
    auto base = hash_with(k_files), changed = hash_with(with("other/x", "o2"));
    EXPECT_NE(base.other, changed.other);
    EXPECT_EQ(base.app, changed.app);
}

TEST(InputHash, ADependencyChangePropagates) {
    auto base = hash_with(k_files), changed = hash_with(with("lib/util.py", "l2"));
    EXPECT_NE(base.lib, changed.lib);
    EXPECT_NE(base.app, changed.app);
    EXPECT_EQ(base.other, changed.other);
}

TEST(InputHash, IgnoredFilesDoNotCountGlobalInputsDo) {
    auto base = hash_with(k_files);
    EXPECT_EQ(base.app, hash_with(with("app/README.md", "r2")).app);
    auto global = hash_with(with("build.sh", "b2"));
    EXPECT_NE(base.app, global.app);
    EXPECT_NE(base.other, global.other);
}

TEST(InputHash, TheBuildCommandCounts) {
    std::string text = k_manifest;
    text.replace(text.find("./build.sh other"), 16, "./build.sh other --fast");
    auto base = hash_with(k_files), changed = hash_with(k_files, text);
    EXPECT_NE(base.other, changed.other);
    EXPECT_EQ(base.app, changed.app);
}

TEST(InputHash, StableAcrossRuns) {
    EXPECT_EQ(hash_with(k_files).app, hash_with(k_files).app);
}

// A docker component: its `paths` are its service folder, its build context the folder
// above (it copies a shared library from there), with a .dockerignore.
const char* k_docker_manifest = R"(
image: {repository: r}
ignore: ["**/*.md"]
components:
  api:
    paths: [svc/api/]
    parameter: A
    docker: {context: svc, file: svc/api/Dockerfile, args: {PY: "3.12"}, platform: linux/arm64}
  other: {paths: [other/], parameter: O, build: ./build.sh other}
)";

const std::vector<components::TreeFile> k_docker_files = {
    {".github/ci.yml", "g1"},    {"other/x", "o1"},
    {"svc/.dockerignore", "i1"}, {"svc/api/Dockerfile", "d1"},
    {"svc/api/main.py", "m1"},   {"svc/api/run.sh", "s1", 0100755},
    {"svc/shared/lib.py", "l1"}, {"svc/tests/test_x.py", "t1"}};

const char* k_dockerignore = "tests\n**/*.log\n";
const char* k_dockerfile = "ARG BASE=python:${PY}-slim\nFROM ${BASE}\nCOPY . /app\n";

std::string docker_hash(std::vector<components::TreeFile> files,
                        const std::string& manifest_text = k_docker_manifest,
                        const std::string& ignore = k_dockerignore,
                        const std::string& dockerfile = k_dockerfile) {
    auto m = *components::parse_manifest(manifest_text, "m.yml");
    auto g = *components::build_graph(m);
    components::Selector selector(m, g);
    auto loaded = selector.load_docker_ignores(
        [&](const std::string& path) -> common::Result<std::optional<std::string>> {
            if (path == "svc/.dockerignore") return std::optional<std::string>(ignore);
            return std::nullopt;
        });
    EXPECT_TRUE(loaded.has_value());
    auto h = components::input_hashes(
        m, g, selector, files,
        [](std::string_view text) { return std::to_string(std::hash<std::string_view>{}(text)); },
        {{"svc/api/Dockerfile", dockerfile}});
    return h[0];
}

std::vector<components::TreeFile> docker_with(std::string path, std::string id,
                                              std::uint32_t mode = 0100644) {
    auto files = k_docker_files;
    bool found = false;
    for (auto& f : files) {
        if (f.path == path) f.id = id, f.mode = mode, found = true;
    }
    if (!found) files.push_back({path, id, mode});
    std::sort(files.begin(), files.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    return files;
}

TEST(InputHash, ADockerContextFileOutsideThePathsCounts) {
    const auto base = docker_hash(k_docker_files);
    EXPECT_NE(base, docker_hash(docker_with("svc/shared/lib.py", "l2")));
    EXPECT_NE(base, docker_hash(docker_with("svc/shared/new.py", "n1")));  // a file added
    EXPECT_NE(base, docker_hash(docker_with("svc/api/Dockerfile", "d2")));
    // Outside the context: not an input.
    EXPECT_EQ(base, docker_hash(docker_with("other/x", "o2")));
    EXPECT_EQ(base, docker_hash(docker_with(".github/ci.yml", "g2")));
}

TEST(InputHash, WhatTheDockerignoreLeavesOutDoesNotCount) {
    const auto base = docker_hash(k_docker_files);
    EXPECT_EQ(base, docker_hash(docker_with("svc/tests/test_x.py", "t2")));
    EXPECT_EQ(base, docker_hash(docker_with("svc/shared/debug.log", "x1")));
    // The manifest's `ignore` holds for docker inputs too.
    EXPECT_EQ(base, docker_hash(docker_with("svc/README.md", "r1")));
    // Another .dockerignore sends the tests: they count then.
    EXPECT_NE(docker_hash(docker_with("svc/tests/test_x.py", "t2"), k_docker_manifest, "*.log\n"),
              docker_hash(k_docker_files, k_docker_manifest, "*.log\n"));
    // As in Docker, `*.log` is the context's top level only: a log in a folder is sent.
    EXPECT_NE(docker_hash(k_docker_files, k_docker_manifest, "*.log\n"),
              docker_hash(docker_with("svc/shared/debug.log", "x1"), k_docker_manifest, "*.log\n"));
    // An exception re-includes a file of an excluded folder, as Docker does.
    const std::string keep = "tests\n!tests/test_x.py\n";
    EXPECT_NE(docker_hash(docker_with("svc/tests/test_x.py", "t2"), k_docker_manifest, keep),
              docker_hash(k_docker_files, k_docker_manifest, keep));
}

TEST(InputHash, ArgsPlatformTargetModeAndPinnedBaseCount) {
    const auto base = docker_hash(k_docker_files);
    auto edited = [](const std::string& from, const std::string& to) {
        std::string text = k_docker_manifest;
        text.replace(text.find(from), from.size(), to);
        return text;
    };
    EXPECT_NE(base, docker_hash(k_docker_files, edited("\"3.12\"", "\"3.13\"")));
    EXPECT_NE(base, docker_hash(k_docker_files, edited("linux/arm64", "linux/amd64")));
    EXPECT_NE(base, docker_hash(k_docker_files, edited("platform:", "target: runtime, platform:")));
    EXPECT_NE(base, docker_hash(docker_with("svc/api/run.sh", "s1", 0100644)));  // chmod -x
    // The base image through a build arg: the pinned digest is an input.
    const std::string pinned = "ARG BASE\nFROM ${BASE}\n";
    const auto digest_a = edited("args: {PY: \"3.12\"}", "args: {BASE: \"python@sha256:aaa\"}");
    const auto digest_b = edited("args: {PY: \"3.12\"}", "args: {BASE: \"python@sha256:bbb\"}");
    EXPECT_NE(docker_hash(k_docker_files, digest_a, k_dockerignore, pinned),
              docker_hash(k_docker_files, digest_b, k_dockerignore, pinned));
}

TEST(InputHash, AComponentWithoutDockerIsUnchangedByDockerFiles) {
    auto m = *components::parse_manifest(k_docker_manifest, "m.yml");
    auto g = *components::build_graph(m);
    components::Selector selector(m, g);
    auto hash = [&](const std::vector<components::TreeFile>& files) {
        return components::input_hashes(m, g, selector, files,
                                        [](std::string_view text) { return std::string(text); })[1];
    };
    EXPECT_EQ(hash(k_docker_files), hash(docker_with("svc/shared/lib.py", "l2")));
    EXPECT_EQ(hash(k_docker_files).find("docker"), std::string::npos);
}

}  // namespace
