// Packaging decisions with an in-memory artifact store (S3 itself is exercised against moto
// in cli/deploy_cli_test): content-hash keys, skipping existing keys, the TemplateURL route
// for templates over 51,200 bytes, and the errors a user can act on.
#include "deploy/artifacts.hpp"

#include "deploy/code_build.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/git_repo.hpp"

namespace {

class MemoryStore final : public deploy::ArtifactStore {
  public:
    common::Result<bool> exists(const std::string& bucket, const std::string& key) override {
        return objects.contains(bucket + "/" + key);
    }
    common::Result<void> put(const std::string& bucket, const std::string& key,
                             const std::string& body) override {
        objects[bucket + "/" + key] = body;
        ++puts;
        return {};
    }
    [[nodiscard]] std::string url(const std::string& bucket,
                                  const std::string& key) const override {
        return "https://s3.example/" + bucket + "/" + key;
    }
    std::map<std::string, std::string> objects;
    int puts = 0;
};

deploy::Template parse(const std::string& text) {
    auto t = deploy::parse_template(text, "template.yml");
    if (!t) throw std::runtime_error(t.error().message);
    return *t;
}

TEST(Packaging, ATemplateOver51200BytesGoesThroughTheBucket) {
    std::string text = "Resources:\n  B: {Type: AWS::S3::Bucket}\n";
    text += "# " + std::string(52000, 'x') + "\n";
    MemoryStore store;
    auto p = deploy::package_template(parse(text), ".", "bkt", "slipway/shop/", store);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->body, text);  // what was uploaded (the deploy hashes it)
    EXPECT_TRUE(p->url.starts_with("https://s3.example/bkt/slipway/shop/")) << p->url;
    EXPECT_TRUE(p->url.ends_with(".template"));
    EXPECT_EQ(store.objects.begin()->second, text);
    auto none = deploy::package_template(parse(text), ".", "", "p/", store);
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("over CloudFormation's 51,200"), std::string::npos);
}

TEST(Packaging, LocalPathsUploadOnceUnderContentHashKeys) {
    support::TempDir dir;
    std::filesystem::create_directories(dir.path() / "fn");
    std::ofstream(dir.path() / "fn/app.py") << "x = 1\n";
    std::ofstream(dir.path() / "job.py") << "print(1)\n";
    const std::string text =
        "Resources:\n"
        "  Fn: {Type: AWS::Lambda::Function, Properties: {Code: fn}}\n"
        "  Job: {Type: AWS::Glue::Job, Properties: {Command: {ScriptLocation: job.py}}}\n"
        "  Sam: {Type: AWS::Serverless::Function, Properties: {CodeUri: fn}}\n";
    MemoryStore store;
    auto p = deploy::package_template(parse(text), dir.path().string(), "bkt", "k/", store);
    ASSERT_TRUE(p) << p.error().message;
    ASSERT_EQ(p->uploads.size(), 3u);
    EXPECT_EQ(store.puts, 2);                         // Fn and Sam zip the same folder: one object
    EXPECT_TRUE(p->uploads[1].key.ends_with(".py"));  // Glue scripts go up as they are
    EXPECT_NE(p->body.find("\"ScriptLocation\":\"s3://bkt/" + p->uploads[1].key + "\""),
              std::string::npos)
        << p->body;
    auto again = deploy::package_template(parse(text), dir.path().string(), "bkt", "k/", store);
    ASSERT_TRUE(again);
    EXPECT_EQ(store.puts, 2);  // nothing new
    EXPECT_FALSE(again->uploads[0].uploaded);
}

TEST(Packaging, MissingPathsAndBucketsAreNamed) {
    MemoryStore store;
    const std::string text =
        "Resources:\n  Fn: {Type: AWS::Lambda::Function, Properties: {Code: nope}}\n";
    auto missing = deploy::package_template(parse(text), "/nonexistent", "bkt", "k/", store);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message,
              "template.yml: resource Fn Code: local path nope does not exist");
    support::TempDir dir;
    std::filesystem::create_directories(dir.path() / "nope");
    auto no_bucket = deploy::package_template(parse(text), dir.path().string(), "", "k/", store);
    ASSERT_FALSE(no_bucket);
    EXPECT_NE(no_bucket.error().message.find("set the environment's artifact_bucket"),
              std::string::npos);
}

// A code folder that declares dependencies without them installed is refused before anything
// is uploaded (issue 26): zipped as it is, the function would fail on its first import. One
// folder per language, unbuilt then built the way its install leaves it.
TEST(Packaging, AFolderWithoutItsDependenciesIsRefusedAndNothingIsUploaded) {
    struct Case {
        const char* manifest;
        const char* text;
        const char* built;  // a file the language's install leaves ("dir/" for a folder)
        const char* says;
    };
    const std::vector<Case> cases = {
        {"requirements.txt", "# pinned\nrequests==2.31\n", "requests-2.31.dist-info/METADATA",
         "has requirements.txt but no installed packages (*.dist-info)"},
        {"package.json", R"({"dependencies":{"left-pad":"1.3.0"}})", "node_modules/left-pad/i.js",
         "has package.json but no node_modules/"},
        {"go.mod", "module fn\n", "bootstrap", "has go.mod but no a compiled bootstrap"},
        {"Gemfile", "gem 'rack'\n", "vendor/bundle/ruby/x", "has Gemfile but no vendor/bundle/"},
        {"pom.xml", "<project/>\n", "lib/fn.jar", "has pom.xml but no compiled classes"},
        {"Cargo.toml", "[package]\n", "bootstrap", "has Cargo.toml but no a compiled bootstrap"},
    };
    const std::string text =
        "Resources:\n  Fn: {Type: AWS::Lambda::Function, Properties: {Code: fn}}\n";
    for (const auto& c : cases) {
        SCOPED_TRACE(c.manifest);
        support::TempDir dir;
        std::filesystem::create_directories(dir.path() / "fn");
        std::ofstream(dir.path() / "fn" / c.manifest) << c.text;
        std::ofstream(dir.path() / "fn/app") << "code\n";
        MemoryStore store;
        auto refused =
            deploy::package_template(parse(text), dir.path().string(), "bkt", "k/", store);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, common::ErrorCode::input);
        EXPECT_NE(refused.error().message.find("template.yml: resource Fn Code"), std::string::npos)
            << refused.error().message;
        EXPECT_NE(refused.error().message.find(c.says), std::string::npos)
            << refused.error().message;
        EXPECT_EQ(store.puts, 0);
        const auto built = dir.path() / "fn" / c.built;
        std::filesystem::create_directories(built.parent_path());
        std::ofstream(built) << "x";
        auto packaged =
            deploy::package_template(parse(text), dir.path().string(), "bkt", "k/", store);
        ASSERT_TRUE(packaged) << packaged.error().message;
        EXPECT_EQ(store.puts, 1);
    }
}

// What needs no install is zipped as it is: a requirements.txt of comments only, a
// package.json without runtime dependencies (devDependencies are not shipped).
TEST(Packaging, FoldersThatNeedNoInstallAreZippedAsTheyAre) {
    const auto files = [](std::vector<std::string> f) { return f; };
    const auto reading = [](std::string text) {
        return [text](const std::string&) -> std::optional<std::string> { return text; };
    };
    EXPECT_FALSE(
        deploy::unbuilt_code(files({"app.py", "requirements.txt"}), reading("# nothing yet\n\n")));
    EXPECT_FALSE(deploy::unbuilt_code(files({"index.js", "package.json"}),
                                      reading(R"({"devDependencies":{"jest":"29"}})")));
    EXPECT_FALSE(deploy::unbuilt_code(files({"index.js", "package.json"}),
                                      reading(R"({"dependencies":{}})")));
    auto layer = deploy::unbuilt_code(
        files({"requirements.txt", "python/", "python/requests-2.31.dist-info/"}),
        reading("requests\n"));
    EXPECT_FALSE(layer);  // a layer's layout: packages under python/
    auto dotnet = deploy::unbuilt_code(files({"Fn.csproj", "Function.cs"}), reading(""));
    ASSERT_TRUE(dotnet);
    EXPECT_EQ(dotnet->manifest, "Fn.csproj");
    auto pyproject = deploy::unbuilt_code(files({"pyproject.toml", "app.py"}), reading(""));
    ASSERT_TRUE(pyproject);
    EXPECT_EQ(pyproject->manifest, "pyproject.toml");
}

}  // namespace
