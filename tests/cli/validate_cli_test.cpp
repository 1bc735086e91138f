// `slipway validate`: manifest errors are fatal; patterns that match nothing are warnings.
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

TEST(ValidateCli, MissingManifest) {
    support::GitRepo repo;
    repo.commit("empty");
    expect_one_line_error(slipway("validate --repo " + shell_quote(repo.path())), 2,
                          "cannot read manifest");
}

}  // namespace
