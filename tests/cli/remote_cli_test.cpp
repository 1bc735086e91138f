// `slipway build` with builds on CodeBuild (moto, whose CodeBuild is a local build agent: see
// tests/support/codebuild_patch.py; the project's source is a bare clone of the test's
// repository, with the buildspec slipway ships), real processes, checked with the aws CLI: a
// run killed with SIGKILL while its remote build runs leaves the build to the next run, which
// awaits it instead of starting another.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_fixture.hpp"
#include "support/moto.hpp"

namespace {

using support::shell_quote;

const char* k_manifest = R"(image: {repository: reg.example/app}
remote: {codebuild: {project: slipway-cli-builds}}
components:
  api: {paths: [api/], parameter: A, build: sleep 3, remote: codebuild}
  web: {paths: [web/], parameter: W, build: "true", depends_on: [api]}
)";

class RemoteCli : public ::testing::Test {
  protected:
    RemoteCli() : moto({{"MOTO_CODEBUILD_CONTROL", (scratch.path() / "control.json").string()}}) {}

    void SetUp() override {
        if (!moto.available()) GTEST_SKIP() << moto.why_not();
        if (!support::have_tools("aws")) GTEST_SKIP() << "no aws CLI";
        std::ifstream spec(std::string(MANIFESTS_DIR) + "/remote/buildspec-remote.yml");
        std::stringstream buildspec;
        buildspec << spec.rdbuf();
        repo.write("manifests/remote/buildspec-remote.yml", buildspec.str());
        repo.write("slipway.yml", k_manifest);
        for (const char* c : {"api", "web"}) repo.write(std::string(c) + "/src", "v1\n");
        repo.commit("init");
        const std::string bare = (scratch.path() / "repo.git").string();
        support::run("git clone -q --bare " + shell_quote(repo.path()) + " " + shell_quote(bare));
        env = cli_test::moto_env(moto.url(), "AKIDREMOTETEST", "remote-secret") +
              "SLIPWAY_CODEBUILD_POLL_MS=50,200 ";
        auto made =
            aws("codebuild create-project --name slipway-cli-builds --source "
                "type=CODECOMMIT,location=" +
                bare +
                ",buildspec=manifests/remote/buildspec-remote.yml --artifacts type=NO_ARTIFACTS "
                "--environment "
                "type=LINUX_CONTAINER,image=img,computeType=BUILD_GENERAL1_SMALL --service-role "
                "arn:aws:iam::123456789012:role/cb");
        ASSERT_EQ(made.status, 0) << made.err;
    }

    std::string slipway_command(const std::string& args) const {
        return env + shell_quote(support::slipway_binary()) + " " + args + " --repo " +
               shell_quote(repo.path());
    }
    support::CommandResult slipway(const std::string& args) const {
        return support::run(slipway_command(args));
    }
    support::CommandResult aws(const std::string& args) const {
        return support::run(env + "aws --endpoint-url " + moto.url() + " --output text " + args);
    }

    support::TempDir scratch;
    support::MotoServer moto;
    support::GitRepo repo;
    std::string env;
};

TEST_F(RemoteCli, AKilledRunsRemoteBuildIsAwaitedByTheNextRunNotStartedTwice) {
    const std::string killed = slipway_command("build --all -q") + " >/dev/null 2>&1 & pid=$!; " +
                               "for i in $(seq 1 200); do " +
                               slipway_command("history api --json") +
                               " | grep -q 'arn:aws:codebuild' && break; sleep 0.05; done; kill "
                               "-KILL $pid; wait $pid; true";
    support::run(killed);
    auto before = slipway("history api --json");
    ASSERT_NE(before.out.find(R"("status":"running")"), std::string::npos) << before.out;
    auto again = slipway("build --all");
    ASSERT_EQ(again.status, 0) << again.out << again.err;
    EXPECT_NE(again.err.find("[codebuild] following build arn:aws:codebuild"), std::string::npos)
        << again.err;
    auto ids = aws("codebuild list-builds-for-project --project-name slipway-cli-builds");
    EXPECT_EQ(std::count(ids.out.begin(), ids.out.end(), '\n'), 1) << ids.out;  // one build
    auto history = slipway("history api --json");
    EXPECT_NE(history.out.find(R"("build_number":1)"), std::string::npos) << history.out;
    EXPECT_NE(history.out.find(R"("status":"succeeded")"), std::string::npos) << history.out;
    EXPECT_EQ(history.out.find(R"("build_number":2)"), std::string::npos) << history.out;
}

// Checked before anything is recorded: no moto needed.
TEST(RemoteCliUsage, RemoteNeedsTheManifestsCodeBuildProject) {
    support::GitRepo repo;
    repo.write("slipway.yml", R"(image: {repository: reg.example/app}
components:
  web: {paths: [web/], parameter: W, build: "true"}
)");
    repo.write("web/src", "v1\n");
    repo.commit("no remote");
    auto slipway = [&](const std::string& args) {
        return support::run(shell_quote(support::slipway_binary()) + " " + args + " --repo " +
                            shell_quote(repo.path()));
    };
    cli_test::expect_one_line_error(slipway("build --all --remote codebuild"), 2,
                                    "--remote codebuild: the manifest has no");
    cli_test::expect_one_line_error(slipway("build --all --remote ec2"), 2,
                                    "--remote: 'ec2' is not a remote builder");
    EXPECT_FALSE(std::filesystem::exists(repo.path() / ".slipway" / "state.db"));
    cli_test::expect_one_line_error(slipway("run --env test --remote ec2"), 2,
                                    "--remote: 'ec2' is not a remote builder");
}

}  // namespace
