// Output that stays valid whatever the bytes (issue 25): every JSON document is UTF-8 -- a
// repository under a folder named with byte 0xE9 gives log paths that are not, and they are
// written in json_path's lossless quoted form --, `build --dry-run --json` is JSON, and
// `validate --unowned` keeps one path a line.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <filesystem>
#include <fstream>

#include "cli_fixture.hpp"

namespace {

using cli_test::slipway;
using support::shell_quote;

// Parses `text` as JSON that must be valid UTF-8; the message of what is wrong, or "".
std::string invalid_json(const std::string& text, rapidjson::Document& d) {
    d.Parse<rapidjson::kParseValidateEncodingFlag>(text.c_str(), text.size());
    if (!d.HasParseError()) return "";
    return std::string(rapidjson::GetParseError_En(d.GetParseError())) + " at " +
           std::to_string(d.GetErrorOffset()) + " in " + text.substr(0, 400);
}

class OutputCli : public ::testing::Test {
  protected:
    void SetUp() override {
        repo = scratch.path() / "caf\xE9" / "repo";
        std::filesystem::create_directories(repo / "app");
        std::filesystem::create_directories(repo / "lib");
        write("slipway.yml", R"(image: {repository: reg.example/app}
components:
  lib: {paths: [lib/], kind: library}
  app: {paths: [app/], depends_on: [lib], parameter: AppImage, build: "echo built"}
)");
        write("app/main.py", "v1\n");
        write("lib/util.py", "v1\n");
        write("stray\nname.txt", "nobody's\n");
        git("init -q -b main");
        git("add -A");
        git("-c user.email=t@example.com -c user.name=T commit -q -m init");
    }
    void write(const std::string& relative, const std::string& text) const {
        std::ofstream(repo / relative) << text;
    }
    void git(const std::string& args) const {
        ASSERT_EQ(support::run("git -C " + shell_quote(repo.string()) + " " + args).status, 0)
            << args;
    }
    std::string in_repo() const { return "--repo " + shell_quote(repo.string()); }

    support::TempDir scratch;
    std::filesystem::path repo;
};

TEST_F(OutputCli, JsonIsValidUtf8EvenForPathsThatAreNot) {
    auto built = slipway("build --only app --json " + in_repo());
    ASSERT_EQ(built.status, 0) << built.err;
    for (const std::string& command :
         {std::string("history app --json "), std::string("status --json ")}) {
        auto r = slipway(command + in_repo());
        ASSERT_EQ(r.status, 0) << command << r.err;
        rapidjson::Document d;
        EXPECT_EQ(invalid_json(r.out, d), "") << command;
        // The log path, under caf\xE9, in git's quoted form: lossless, and marked by its '"'.
        EXPECT_NE(r.out.find(R"("log_path":"\"/)"), std::string::npos) << command << r.out;
        EXPECT_NE(r.out.find(R"(caf\\351)"), std::string::npos) << command << r.out;
    }
    rapidjson::Document d;
    EXPECT_EQ(invalid_json(built.out, d), "");
}

TEST_F(OutputCli, BuildDryRunJsonIsJson) {
    auto r = slipway("build --dry-run --all --json " + in_repo());
    ASSERT_EQ(r.status, 0) << r.err;
    rapidjson::Document d;
    ASSERT_EQ(invalid_json(r.out, d), "");
    ASSERT_TRUE(d["builds"].IsArray());
    ASSERT_EQ(d["builds"].Size(), 1u);
    EXPECT_EQ(std::string(d["builds"][0]["component"].GetString()), "app");
    EXPECT_EQ(d["builds"][0]["build_number"].GetInt64(), 1);
    EXPECT_EQ(std::string(d["builds"][0]["image_uri"].GetString()), "reg.example/app:app-1");
    EXPECT_FALSE(d["builds"][0]["reused"].GetBool());
    EXPECT_TRUE(d["dry_run"].GetBool());
    // Nothing recorded.
    EXPECT_FALSE(std::filesystem::exists(repo / ".slipway" / "logs"));
    // Nothing to build is JSON too.
    auto none = slipway("build --dry-run --json --base HEAD " + in_repo());
    ASSERT_EQ(none.status, 0) << none.err;
    EXPECT_EQ(invalid_json(none.out, d), "");
    EXPECT_EQ(d["builds"].Size(), 0u);
}

TEST_F(OutputCli, UnownedPathsKeepOneALine) {
    auto r = slipway("validate --unowned " + in_repo());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("unowned: \"stray\\nname.txt\"\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("stray\nname"), std::string::npos) << r.out;
}

}  // namespace
