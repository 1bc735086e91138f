// The parsed-manifest cache: round trips every field, is used only for identical text,
// never caches an invalid manifest, and survives a corrupt or unwritable cache.
#include <gtest/gtest.h>

#include <fstream>

#include "components/manifest_cache.hpp"
#include "support/git_repo.hpp"

namespace {

const std::string k_text = R"(version: 1
project: p
store: sqlite:.slipway/state.db
image: {repository: r, tag: "{component}-{build}"}
global_inputs: [slipway.yml]
ignore: ["**/*.md"]
remote: {codebuild: {project: cb, region: eu-west-1, privileged: false}}
components:
  app: {paths: [app/, "!app/tmp/"], depends_on: [lib], parameter: AppImage, build: make app, timeout: 90s,
        remote: codebuild}
  lib: {paths: [lib/], kind: library}
  cfg: {paths: [template.yml], kind: config}
environments:
  test: {stack: s-test, region: us-east-1, template: template.yml, base: test,
         parameters: {Stage: test}, tags: {team: ml}, capabilities: [CAPABILITY_IAM]}
  prod: {stack: s-prod, promote_from: test, role_arn: arn, artifact_bucket: b}
)";

std::size_t files_in(const std::filesystem::path& dir) {
    std::size_t n = 0;
    for (auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
    return n;
}

TEST(ManifestCache, RoundTripsEveryField) {
    auto m = components::parse_manifest(k_text, "slipway.yml");
    ASSERT_TRUE(m) << m.error().message;
    auto bytes = components::serialize_manifest(*m);
    auto back = components::deserialize_manifest(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(components::serialize_manifest(*back), bytes);
    EXPECT_EQ(back->components[0].timeout, std::chrono::seconds(90));
    EXPECT_EQ(back->components[0].paths[1].pos.str(), m->components[0].paths[1].pos.str());
    EXPECT_EQ(back->environments[0].tags.at("team"), "ml");
    EXPECT_EQ(back->environments[1].artifact_bucket, "b");
    EXPECT_EQ(back->components[0].remote, "codebuild");
    ASSERT_TRUE(back->codebuild);
    EXPECT_EQ(back->codebuild->region, "eu-west-1");
    EXPECT_EQ(back->codebuild->privileged, false);
    EXPECT_FALSE(components::deserialize_manifest(bytes.substr(0, bytes.size() / 2)));
}

TEST(ManifestCache, SecondLoadComesFromTheCacheAndEqualsAParse) {
    support::TempDir dir;
    auto first = components::parse_manifest_cached(k_text, "slipway.yml", dir.path());
    ASSERT_TRUE(first);
    EXPECT_EQ(files_in(dir.path()), 1u);
    auto second = components::parse_manifest_cached(k_text, "slipway.yml", dir.path());
    ASSERT_TRUE(second);
    EXPECT_EQ(components::serialize_manifest(*second), components::serialize_manifest(*first));
    // Another file name is another entry: positions in messages name the file.
    ASSERT_TRUE(components::parse_manifest_cached(k_text, "other.yml", dir.path()));
    EXPECT_EQ(files_in(dir.path()), 2u);
}

TEST(ManifestCache, ChangedTextIsParsedAgainAndErrorsAreNotCached) {
    support::TempDir dir;
    ASSERT_TRUE(components::parse_manifest_cached(k_text, "slipway.yml", dir.path()));
    std::string broken = k_text;
    broken.replace(broken.find("depends_on: [lib]"), 17, "depends_on: [lbi]");
    auto r = components::parse_manifest_cached(broken, "slipway.yml", dir.path());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("did you mean 'lib'"), std::string::npos);
    EXPECT_EQ(files_in(dir.path()), 1u);
}

TEST(ManifestCache, CorruptCacheFileIsIgnored) {
    support::TempDir dir;
    ASSERT_TRUE(components::parse_manifest_cached(k_text, "slipway.yml", dir.path()));
    for (auto& e : std::filesystem::directory_iterator(dir.path())) {
        auto size = std::filesystem::file_size(e.path());
        std::filesystem::resize_file(e.path(), size - 10);
    }
    auto again = components::parse_manifest_cached(k_text, "slipway.yml", dir.path());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->components.size(), 3u);
}

TEST(ManifestCache, UnwritableCacheStillLoads) {
    auto r = components::parse_manifest_cached(k_text, "slipway.yml", "/proc/no-such-dir/cache");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->project, "p");
}

}  // namespace
