// What a new user notices first, with the real binary: help with placeholders and examples,
// parse errors that point to the right help, unknown environments listed, --json on graph
// and validate, and no cursor control on a dumb terminal (a real pty from script(1)).
#include <rapidjson/document.h>

#include "cli_fixture.hpp"

namespace {

using cli_test::expect_one_line_error;
using cli_test::slipway;
using support::shell_quote;

const std::vector<std::string> k_commands = {
    "run",    "diff",  "affected",   "graph",   "validate", "build",    "history",
    "status", "diffs", "store init", "deploy",  "promote",  "rollback", "reconcile",
    "init",   "serve", "requests",   "approve", "reject",   "drift"};

const char* k_manifest = R"(image: {repository: reg.example/app}
components:
  lib: {paths: [lib/], kind: library}
  app: {paths: [app/], depends_on: [lib], parameter: AppImage, build: "sh build.sh app"}
  web: {paths: [web/], parameter: WebImage, build: "sh build.sh web"}
environments:
  test: {stack: shop-test, region: us-east-1, template: template.yml}
  prod: {stack: shop-prod, region: us-east-1, template: template.yml}
)";

class PolishCli : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("slipway.yml", k_manifest);
        repo.write("build.sh", "for i in 1 2 3; do echo \"$1 step $i\"; sleep 0.1; done\n");
        repo.write("template.yml",
                   "Parameters: {AppImage: {Type: String}, WebImage: {Type: String}}\n"
                   "Resources: {Queue: {Type: AWS::SQS::Queue}}\n");
        for (const char* dir : {"lib", "app", "web"}) repo.write(std::string(dir) + "/x", "x\n");
        repo.commit("init");
    }
    std::string in_repo() const { return " --repo " + shell_quote(repo.path()); }
    support::GitRepo repo;
};

TEST(HelpCli, EveryOptionHasAPlaceholderAndEveryCommandExamples) {
    for (const auto& command : k_commands) {
        auto r = slipway(command + " --help");
        ASSERT_EQ(r.status, 0) << command << r.err;
        for (const char* generic : {" TEXT", " INT", " UINT", " FLOAT"})
            EXPECT_EQ(r.out.find(generic), std::string::npos) << command << ":\n" << r.out;
        const auto examples = r.out.find("\nExamples:\n  slipway " + command);
        EXPECT_NE(examples, std::string::npos) << command << ":\n" << r.out;
    }
    const std::string run = slipway("run --help").out;
    for (const char* shown : {"--env ENV REQUIRED", "--base REF", "-j,--jobs N",
                              "--json-report FILE", "--store URL", "--repo DIR"})
        EXPECT_NE(run.find(shown), std::string::npos) << shown << "\n" << run;
    EXPECT_NE(slipway("rollback --help").out.find("--component COMPONENT"), std::string::npos);
}

TEST(HelpCli, ParseErrorsPointToTheCommandsHelp) {
    expect_one_line_error(slipway("run --yes"), 2, "--env is required: see 'slipway run --help'");
    expect_one_line_error(slipway("build -j 0"), 2, ": see 'slipway build --help'");
    expect_one_line_error(slipway("store init --bogus"), 2, "see 'slipway store init --help'");
    expect_one_line_error(
        slipway("deplyo"), 2,
        "unknown command 'deplyo' (did you mean 'deploy'?): see 'slipway --help'");
}

TEST_F(PolishCli, AnUnknownEnvironmentListsTheValidOnes) {
    auto r = slipway("run --env tset --plan" + in_repo());
    expect_one_line_error(r, 2,
                          "unknown environment 'tset' (did you mean 'test'?); "
                          "environments: test, prod");
}

TEST_F(PolishCli, GraphAndValidatePrintJson) {
    auto graph = slipway("graph --json" + in_repo());
    ASSERT_EQ(graph.status, 0) << graph.err;
    EXPECT_EQ(graph.out, R"({"components":[{"dependents":["app"],"depends_on":[],"kind":"library",)"
                         R"("name":"lib","parameter":null},{"dependents":[],"depends_on":["lib"],)"
                         R"("kind":"image","name":"app","parameter":"AppImage"},{"dependents":[],)"
                         R"("depends_on":[],"kind":"image","name":"web","parameter":"WebImage"}]})"
                         "\n");
    EXPECT_EQ(slipway("graph --json --dot" + in_repo()).status, 2);
    repo.write("slipway.yml", std::string(k_manifest) + "ignore: [docs/]\n");
    repo.commit("ignore docs");
    auto v = slipway("validate --json --unowned --strict" + in_repo());
    EXPECT_EQ(v.status, 2);  // --strict, one warning
    EXPECT_EQ(v.err, "");    // the warning is in the JSON
    rapidjson::Document d;
    d.Parse(v.out.c_str());
    ASSERT_FALSE(d.HasParseError()) << v.out;
    EXPECT_EQ(d["components"].GetInt(), 3);
    EXPECT_EQ(d["environments"].GetInt(), 2);
    ASSERT_EQ(d["warnings"].Size(), 1u) << v.out;
    EXPECT_NE(std::string(d["warnings"][0].GetString()).find("pattern 'docs/' of ignore"),
              std::string::npos);
    ASSERT_EQ(d["unowned"].Size(), 3u);  // build.sh, slipway.yml, template.yml
    EXPECT_STREQ(d["unowned"][0].GetString(), "build.sh");
}

// The build console on a real terminal: with TERM=dumb no escape sequence at all (no board,
// no colours, no status line); with a capable TERM the board is drawn (the control).
TEST_F(PolishCli, ADumbTerminalGetsNoCursorControl) {
    if (!support::have_tools("script")) GTEST_SKIP() << "needs script(1)";
    auto on_pty = [&](const std::string& term, const std::string& store) {
        const std::string command = "TERM=" + term + " " + shell_quote(support::slipway_binary()) +
                                    " build --all --no-reuse -j2 --store sqlite:" + store +
                                    in_repo();
        return support::run("script -qfec " + shell_quote(command) + " /dev/null");
    };
    auto dumb = on_pty("dumb", "dumb.db");
    ASSERT_EQ(dumb.status, 0) << dumb.out << dumb.err;
    EXPECT_NE(dumb.out.find("[app] app step 3"), std::string::npos) << dumb.out;
    EXPECT_EQ(dumb.out.find('\x1b'), std::string::npos) << dumb.out;
    auto xterm = on_pty("xterm", "xterm.db");
    ASSERT_EQ(xterm.status, 0) << xterm.out << xterm.err;
    EXPECT_NE(xterm.out.find("\x1b["), std::string::npos) << xterm.out;
    EXPECT_NE(xterm.out.find("done, "), std::string::npos) << xterm.out;  // the board's totals
}

}  // namespace
