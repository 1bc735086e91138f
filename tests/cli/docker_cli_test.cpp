// Docker components on a real repository: what `docker build` reads (its Dockerfile, the
// build context less what .dockerignore leaves out, args, mode bits) selects the component
// and makes its input hash -- even outside the component's `paths` -- and nothing else does.
// `affected --explain` and `build --dry-run` say which earlier build a build would reuse.
#include <fstream>

#include "cli_fixture.hpp"

namespace {

using cli_test::slipway;
using support::shell_quote;

// The image repository is not ECR, so reuse takes images on trust (no AWS here); the
// build command stands in for `docker build` (no Docker daemon here).
const char* k_manifest = R"(image: {repository: registry.example/shop}
components:
  api:
    paths: [svc/api/]
    parameter: Api
    build: sh svc/api/build.sh
    docker: {context: svc, file: svc/api/Dockerfile, args: {PY: "3.12"}}
  web: {paths: [web/], parameter: Web, build: "true"}
)";

class DockerCli : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("slipway.yml", k_manifest);
        repo.write(".gitignore", ".slipway/\n");
        repo.write("svc/.dockerignore", "tests\n**/*.log\n");
        repo.write("svc/api/Dockerfile", "ARG PY\nFROM python:${PY}@sha256:aaa\nCOPY . /srv\n");
        repo.write("svc/api/build.sh", "echo building $SLIPWAY_IMAGE_URI\n");
        repo.write("svc/shared/lib.py", "v1\n");
        repo.write("svc/tests/test_lib.py", "t1\n");
        repo.write("web/index.html", "w1\n");
        repo.commit("init");
    }

    support::CommandResult in_repo(const std::string& args) const {
        return slipway(args + " --repo " + shell_quote(repo.path()));
    }
    // `build --only api`: its report table.
    std::string build_api() const {
        auto r = in_repo("build --only api -q");
        EXPECT_EQ(r.status, 0) << r.out << r.err;
        return r.out;
    }

    support::GitRepo repo;
};

TEST_F(DockerCli, TheBuildContextSelectsTheComponent) {
    repo.write("svc/shared/lib.py", "v2\n");
    repo.commit("shared library");
    auto shared = in_repo("affected --base HEAD~1 --explain");
    ASSERT_EQ(shared.status, 0) << shared.err;
    EXPECT_EQ(shared.out,
              "api (image)\n  changed svc/shared/lib.py (in its docker build context svc/)\n");

    repo.write("svc/tests/test_lib.py", "t2\n");
    repo.write("svc/shared/debug.log", "x\n");
    repo.commit("tests and a log");
    auto ignored = in_repo("affected --base HEAD~1");
    ASSERT_EQ(ignored.status, 0) << ignored.err;
    EXPECT_EQ(ignored.out, "");  // .dockerignore leaves both out
    auto explained = in_repo("affected --base HEAD~1 --json");
    EXPECT_NE(
        explained.out.find("\"unowned\":[\"svc/shared/debug.log\",\"svc/tests/test_lib.py\"]"),
        std::string::npos)
        << explained.out;

    repo.write("svc/.dockerignore", "tests\n");
    repo.commit("send logs");
    EXPECT_EQ(in_repo("affected --base HEAD~1").out, "api\n");
    repo.write("svc/api/Dockerfile", "FROM python:3.13\n");
    repo.commit("dockerfile");
    EXPECT_EQ(in_repo("affected --base HEAD~1").out, "api\n");
}

TEST_F(DockerCli, TheInputHashIsWhatDockerReads) {
    EXPECT_NE(build_api().find("succeeded   #1"), std::string::npos);
    // A test file the .dockerignore leaves out: the same inputs, build #1 is reused.
    repo.write("svc/tests/test_lib.py", "t2\n");
    repo.commit("tests");
    EXPECT_NE(build_api().find("reused      #1"), std::string::npos);
    // The shared library, outside api's paths but in its context: built again.
    repo.write("svc/shared/lib.py", "v2\n");
    repo.commit("shared");
    EXPECT_NE(build_api().find("succeeded   #2"), std::string::npos);
    // Its mode: built again.
    repo.write("svc/shared/lib.py", "v2\n", true);
    repo.commit("chmod +x");
    EXPECT_NE(build_api().find("succeeded   #3"), std::string::npos);
    // Back to #2's inputs: reused, and said so before building, by affected and the dry run.
    repo.write("svc/shared/lib.py", "v2\n");
    repo.commit("chmod -x");
    auto explain = in_repo("affected --base HEAD~1 --explain");
    EXPECT_NE(explain.out.find("  reused #2 from "), std::string::npos) << explain.out;
    EXPECT_NE(explain.out.find(" when built: same inputs (if registry.example/shop:api-2 is "
                               "still there)\n"),
              std::string::npos)
        << explain.out;
    auto dry = in_repo("build --only api --dry-run");
    EXPECT_NE(dry.out.find("(would reuse #2 from "), std::string::npos) << dry.out;
    EXPECT_NE(dry.out.find(": same inputs, not an ECR image: taken on trust)"), std::string::npos)
        << dry.out;
    EXPECT_NE(build_api().find("reused      #2"), std::string::npos);
}

// affected opens no store that does not exist (and creates none).
TEST_F(DockerCli, ExplainWithoutAStoreCreatesNone) {
    repo.write("svc/shared/lib.py", "v2\n");
    repo.commit("shared");
    auto r = in_repo("affected --base HEAD~1 --explain");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find("reused"), std::string::npos);
    EXPECT_EQ(r.err, "");
    EXPECT_FALSE(std::filesystem::exists(repo.path() / ".slipway" / "state.db"));
}

TEST_F(DockerCli, ABadDockerignoreIsAnErrorNamingItsLine) {
    repo.write("svc/.dockerignore", "tests\n[x-]\n");
    repo.commit("bad");
    cli_test::expect_one_line_error(in_repo("affected --base HEAD~1"), 2,
                                    "svc/.dockerignore:2: syntax error in pattern '[x-]'");
    cli_test::expect_one_line_error(in_repo("build --only api"), 2,
                                    "svc/.dockerignore:2: syntax error in pattern '[x-]'");
}

}  // namespace
