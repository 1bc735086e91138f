// What goes into an input hash, and what does not.
#include <gtest/gtest.h>

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
        if (f.first == path) f.second = id;
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

}  // namespace
