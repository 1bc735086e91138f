// Images reused across machines: two clones of one repository stand for two runners (a CI
// build and a laptop) sharing one DynamoDB table (moto). A build pushes an image manifest to
// ECR (moto) with the aws CLI, as `docker push` would. The second clone reuses the first
// one's build -- saying where it was built -- while the image is in ECR, and builds again once
// it was deleted. Checked with the aws CLI.
#include <fstream>

#include "cli_fixture.hpp"
#include "support/moto.hpp"

namespace {

using support::shell_quote;

const char* k_manifest = R"(image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app}
components:
  api: {paths: [api/], parameter: Api, build: sh api/push.sh}
)";

// The image manifest names the image's own URI, so every build pushes a manifest of its own.
const char* k_push =
    R"(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%064d","size":2},"layers":[],"annotations":{"image":"%s"}}' 0 "$SLIPWAY_IMAGE_URI" > "$SLIPWAY_REPO_ROOT/.manifest.json"
aws ecr put-image --repository-name app --image-tag "${SLIPWAY_IMAGE_URI##*:}" --image-manifest "file://$SLIPWAY_REPO_ROOT/.manifest.json" >/dev/null
echo "pushed $SLIPWAY_IMAGE_URI"
)";

class ReuseCli : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!moto.available()) GTEST_SKIP() << moto.why_not();
        if (!support::have_tools("aws")) GTEST_SKIP() << "no aws CLI";
        origin.write("slipway.yml", k_manifest);
        origin.write("api/push.sh", k_push);
        origin.write(".gitignore", ".slipway/\n.manifest.json\n");
        origin.commit("init");
        env = cli_test::moto_env(moto.url(), "AKIDREUSETEST", "reuse-secret");
        for (const auto* clone : {&ci, &laptop}) {
            ASSERT_EQ(support::run("git clone -q " + shell_quote(origin.path()) + " " +
                                   shell_quote(clone->path() / "repo"))
                          .status,
                      0);
        }
        ASSERT_EQ(aws("ecr create-repository --repository-name app").status, 0);
        ASSERT_EQ(slipway(ci, "store init").status, 0);
    }

    // `slipway <args>` in a clone, on the shared table; `as` adds variables (a CI system's).
    support::CommandResult slipway(const support::TempDir& clone, const std::string& args,
                                   const std::string& as = "") const {
        return support::run(env + as + shell_quote(support::slipway_binary()) + " " + args +
                            " --store dynamodb://team-builds --repo " +
                            shell_quote(clone.path() / "repo"));
    }
    support::CommandResult aws(const std::string& args) const {
        return support::run(env + "aws --output text " + args);
    }
    std::size_t images() const {
        auto listed = aws("ecr list-images --repository-name app --query 'length(imageIds)'");
        return static_cast<std::size_t>(std::stoul(listed.out.empty() ? "0" : listed.out));
    }

    support::MotoServer moto;
    support::GitRepo origin;
    support::TempDir ci, laptop;
    std::string env;
};

TEST_F(ReuseCli, AnotherRunnersImageIsReusedOnlyWhileEcrHasIt) {
    // CI builds main: api #1, pushed.
    const std::string codebuild =
        "CODEBUILD_BUILD_ID=slipway-ci:1111 CODEBUILD_WEBHOOK_TRIGGER=branch/main ";
    auto built = slipway(ci, "build --all", codebuild);
    ASSERT_EQ(built.status, 0) << built.out << built.err;
    EXPECT_EQ(images(), 1u);

    // Before building, the laptop's dry run and `affected --explain` say so; the dry run
    // looked the image up in ECR, as a build does.
    auto dry = slipway(laptop, "build --all --dry-run");
    ASSERT_EQ(dry.status, 0) << dry.err;
    EXPECT_NE(dry.out.find("(would reuse #1 from codebuild:slipway-ci:1111: same inputs, image "
                           "found in ECR just now)"),
              std::string::npos)
        << dry.out;
    auto explain = support::run(env + shell_quote(support::slipway_binary()) +
                                    " affected --changed-files - --explain --store "
                                    "dynamodb://team-builds --repo " +
                                    shell_quote(laptop.path() / "repo"),
                                "api/push.sh\n");
    ASSERT_EQ(explain.status, 0) << explain.err;
    EXPECT_NE(explain.out.find("  reused #1 from codebuild:slipway-ci:1111 when built: same "
                               "inputs (if 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:api-1 "
                               "is still there)\n"),
              std::string::npos)
        << explain.out << explain.err;

    // The laptop, same commit: reuses #1, and says whose build it was; nothing is pushed.
    auto reused = slipway(laptop, "build --all");
    ASSERT_EQ(reused.status, 0) << reused.out << reused.err;
    EXPECT_NE(reused.err.find("reused #1 from codebuild:slipway-ci:1111 (same inputs, "
                              "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:api-1)"),
              std::string::npos)
        << reused.out << reused.err;
    EXPECT_EQ(images(), 1u);

    // The image is deleted from ECR: the laptop's dry run says it would build #2, and so it
    // does, instead of reusing #1.
    ASSERT_EQ(aws("ecr batch-delete-image --repository-name app --image-ids imageTag=api-1").status,
              0);
    auto dry_gone = slipway(laptop, "build --all --dry-run");
    EXPECT_EQ(dry_gone.out.find("would reuse"), std::string::npos) << dry_gone.out;
    EXPECT_NE(dry_gone.out.find("#2 "), std::string::npos) << dry_gone.out;
    EXPECT_NE(dry_gone.err.find("is no longer in ECR: building again"), std::string::npos)
        << dry_gone.err;
    auto rebuilt = slipway(laptop, "build --all");
    ASSERT_EQ(rebuilt.status, 0) << rebuilt.out << rebuilt.err;
    EXPECT_NE(rebuilt.err.find("api: build #1 had the same inputs, but its image "
                               "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:api-1 is no "
                               "longer in ECR: building again"),
              std::string::npos)
        << rebuilt.err;
    EXPECT_NE(rebuilt.err.find("[api] succeeded"), std::string::npos) << rebuilt.err;
    EXPECT_NE(rebuilt.err.find("(build #2, "), std::string::npos) << rebuilt.err;
    auto tags = aws("ecr list-images --repository-name app --query 'imageIds[].imageTag'");
    EXPECT_EQ(tags.out, "api-2\n") << tags.err;
}

// A pull request's build leaves no reuse entry: main, with the same change merged (the same
// inputs), builds its own image rather than taking the pull request's.
TEST_F(ReuseCli, APullRequestsBuildIsNeverReusedByAnotherRun) {
    for (const auto* clone : {&laptop, &ci}) {
        const auto repo = clone->path() / "repo";
        std::ofstream(repo / "api" / "handler.py") << "changed\n";
        support::run("git -C " + shell_quote(repo) + " add -A && git -C " + shell_quote(repo) +
                     " -c user.name=t -c user.email=t@t commit -qm change");
    }
    const std::string pull_request =
        "GITHUB_RUN_ID=77 GITHUB_EVENT_NAME=pull_request GITHUB_REF=refs/pull/7/merge ";
    auto pr = slipway(laptop, "build --all", pull_request);
    ASSERT_EQ(pr.status, 0) << pr.out << pr.err;
    auto main = slipway(ci, "build --all",
                        "GITHUB_RUN_ID=78 GITHUB_EVENT_NAME=push "
                        "GITHUB_REF=refs/heads/main ");
    ASSERT_EQ(main.status, 0) << main.out << main.err;
    EXPECT_EQ(main.err.find("reused"), std::string::npos) << main.err;
    EXPECT_EQ(images(), 2u);  // api-1 (the pull request's) and api-2 (main's)
    // A later build of main reuses main's own build.
    auto again = slipway(ci, "build --all",
                         "GITHUB_RUN_ID=79 GITHUB_EVENT_NAME=push "
                         "GITHUB_REF=refs/heads/main ");
    EXPECT_NE(again.err.find("[api] reused #2 from github:78 "), std::string::npos) << again.err;
}

}  // namespace
