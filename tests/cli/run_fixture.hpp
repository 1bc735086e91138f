#pragma once
// The fixtures of the `slipway run` end-to-end tests against moto_server: the example
// project of manifests/ (RunCli) and a small two-component project already deployed once
// (RunCliSmall). Results are checked with the aws CLI and with sqlite3 on the store file.
#include <rapidjson/document.h>

#include <fstream>

#include "cli_fixture.hpp"
#include "support/moto.hpp"

namespace run_test {

using support::shell_quote;

constexpr const char* k_registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-training:";

class RunCli : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!moto.available()) GTEST_SKIP() << moto.why_not();
        if (!support::have_tools("aws sqlite3")) GTEST_SKIP() << "needs the aws CLI and sqlite3";
        env = cli_test::moto_env(moto.url(), "AKIDRUNTEST", k_secret);
    }

    // The example project as the demo makes it: branch test at the first commit, dev ahead.
    void use_example_project() {
        auto copied = support::run("cp -r " + shell_quote(std::string(MANIFESTS_DIR) + "/.") + " " +
                                   shell_quote(repo.path().string()));
        ASSERT_EQ(copied.status, 0) << copied.err;
        repo.commit("ml-training: first version");
        repo.git("branch test");
        repo.git("checkout -q -b dev");
    }

    support::CommandResult slipway(const std::string& args, const std::string& extra_env = "") {
        return support::run(env + extra_env + " " + shell_quote(support::slipway_binary()) + " " +
                            args + " --repo " + shell_quote(repo.path().string()));
    }

    support::CommandResult aws(const std::string& args) {
        return support::run(env + "aws --endpoint-url " + moto.url() + " --output json " + args);
    }

    // The stack's parameters and outputs as the aws CLI reports them; "(status)" too.
    std::map<std::string, std::string> stack(const std::string& name) {
        auto r = aws("cloudformation describe-stacks --stack-name " + name);
        std::map<std::string, std::string> values;
        if (r.status != 0) return values;
        rapidjson::Document d;
        d.Parse(r.out.c_str());
        const auto& s = d["Stacks"][0];
        for (const auto& p : s["Parameters"].GetArray())
            values[p["ParameterKey"].GetString()] = p["ParameterValue"].GetString();
        if (s.HasMember("Outputs")) {
            for (const auto& o : s["Outputs"].GetArray())
                values["output:" + std::string(o["OutputKey"].GetString())] =
                    o["OutputValue"].GetString();
        }
        values["(status)"] = s["StackStatus"].GetString();
        return values;
    }

    // One query on the store file with the sqlite3 CLI: rows joined by '\n', fields by '|'.
    std::string sql(const std::string& query) {
        auto r =
            support::run("sqlite3 " + shell_quote((repo.path() / ".slipway/state.db").string()) +
                         " " + shell_quote(query));
        EXPECT_EQ(r.status, 0) << r.err;
        return r.out;
    }

    // The builds one run made, "component#number status" sorted.
    std::string builds_of_last_run() {
        return sql(
            "SELECT group_concat(component || '#' || IFNULL(build_number, 0) || ' ' || status, ', "
            "') "
            "FROM (SELECT * FROM builds WHERE run_id = (SELECT id FROM runs ORDER BY started_at "
            "DESC "
            "LIMIT 1) ORDER BY component)");
    }

    static constexpr const char* k_secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYRUNSECRET";
    support::MotoServer moto;
    support::GitRepo repo;
    support::TempDir out;  // report files
    std::string env;
};

inline std::string image(const std::string& component, int build, const std::string& commit) {
    return k_registry + component + "-" + std::to_string(build) + "-" + commit.substr(0, 12);
}

constexpr const char* k_manifest = R"(version: 1
project: shop
image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop}
components:
  api: {paths: [api/], parameter: ApiImage, build: "sh build.sh api"}
  web: {paths: [web/], parameter: WebImage, build: "sh build.sh web"}
  stack: {paths: [template.yml], kind: config}
environments:
  test:
    stack: shop-test
    region: us-east-1
    template: template.yml
    base: main
    parameters: {Stage: test}
)";

constexpr const char* k_template = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, AllowedValues: [test, prod]}
  ApiImage: {Type: String}
  WebImage: {Type: String}
Resources:
  Catalog:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /shop/${Stage}/api
      Type: String
      Value: !Ref ApiImage
Outputs:
  Api:
    Value: !Ref ApiImage
)";

constexpr const char* k_build = R"(set -e
[ ! -e "fail-$1" ] || { echo "$1: broken"; exit 3; }
while [ -e "slow-$1" ]; do sleep 0.05; done
echo "$1 built as $SLIPWAY_IMAGE_URI"
)";

class RunCliSmall : public RunCli {
  protected:
    void SetUp() override {
        RunCli::SetUp();
        if (IsSkipped()) return;
        repo.write("slipway.yml", k_manifest);
        repo.write("template.yml", k_template);
        repo.write("build.sh", k_build);
        repo.write(".gitignore", "fail-*\nslow-*\n");
        repo.write("api/main.py", "v1\n");
        repo.write("web/main.py", "v1\n");
        repo.commit("init");
        auto first = slipway("run --env test -q");
        ASSERT_EQ(first.status, 0) << first.out << first.err;
    }
};

}  // namespace run_test
