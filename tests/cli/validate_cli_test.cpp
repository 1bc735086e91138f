// `slipway validate`: manifest errors are fatal; patterns that match nothing are warnings.
#include <fstream>

#include "cli_fixture.hpp"

namespace {

using cli_test::expect_one_line_error;
using cli_test::slipway;
using support::shell_quote;

TEST(ValidateCli, WarnsAboutPatternsThatMatchNoFile) {
    support::GitRepo repo;
    repo.write("slipway.yml", R"(image: {repository: r}
components:
  api: {paths: [services/api/, services/apii/], parameter: A, build: "true"}
  lib: {paths: [libs/], kind: library}
)");
    repo.write("services/api/main.py", "x\n");
    repo.write("libs/l.py", "x\n");
    repo.write("stray.txt", "x\n");
    repo.commit("init");
    auto r = slipway("validate --unowned --repo " + shell_quote(repo.path()));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err,
              "slipway: warning: " + (repo.path() / "slipway.yml").string() +
                  ":3:32: pattern 'services/apii/' of component 'api' matches no file in HEAD\n");
    EXPECT_NE(r.out.find("ok (2 components, 0 environments, 1 warnings)"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("unowned: slipway.yml\nunowned: stray.txt\n"), std::string::npos) << r.out;
    EXPECT_EQ(slipway("validate --strict --repo " + shell_quote(repo.path())).status, 2);
}

TEST(ValidateCli, ManifestErrorsAreExitTwo) {
    support::GitRepo repo;
    repo.write("slipway.yml",
               "components:\n  a:\n    paths: [a/]\n    kind: library\n    bulid: make\n");
    repo.commit("init");
    expect_one_line_error(
        slipway("validate --repo " + shell_quote(repo.path())), 2,
        "slipway.yml:5:5: unknown key 'bulid' in component 'a' (did you mean 'build'?)");
}

// Issue 13: inputs that once aborted (exit 134) or passed validation; each is now one error
// line naming file:line:column, exit 2.
TEST(ValidateCli, HostileManifestsAreInputErrors) {
    support::TempDir dir;
    auto check = [&](const std::string& text, const std::string& fragment) {
        const auto file = (dir.path() / "slipway.yml").string();
        std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
        expect_one_line_error(slipway("validate --manifest " + shell_quote(file)), 2,
                              file + ":" + fragment);
    };
    const std::string head =
        "image: {repository: r}\ncomponents:\n  a:\n    paths: [a/]\n"
        "    parameter: A\n    build: make\n";
    check(head + "    timeout: 99999999999999999999\n",
          "7:14: component 'a'.timeout: '99999999999999999999' is longer than the limit");
    check(head + "    timeout: 2562048h\n", "7:14: component 'a'.timeout: '2562048h' is longer");
    check(head + "environments:\n  ../../tmp/x: {stack: s}\n",
          "8:3: invalid environment name '../../tmp/x'");
    check(head + "environments:\n  \"a'b\": {stack: s}\n", "8:3: invalid environment name");
    check(head + "environments:\n  test: {stack: \"a b\"}\n",
          "8:17: environment 'test'.stack: invalid stack name");
    check(head + "x: " + std::string(200, '[') + "\n", "7:67: nested deeper than 64 levels");
    check(head + "#" + std::string(8 << 20, 'x') + "\n",
          "1:1: the file is 8388699 bytes, over the limit");
    check(head + "components2: *nope\n", "7:14: unknown alias '*nope'");
}

TEST(ValidateCli, MissingManifest) {
    support::GitRepo repo;
    repo.commit("empty");
    expect_one_line_error(slipway("validate --repo " + shell_quote(repo.path())), 2,
                          "cannot read manifest");
}

}  // namespace
