// The comparison of two deployments (GET /api/deployments/{a}/compare/{b}) says per component
// which commits its deployed image holds (issue 24 §1): after a rollback at the head, the
// commits the rollback did not deploy are not listed as shipped. A real git repository and
// SQLite store; the API function called directly.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "common/json.hpp"
#include "components/manifest.hpp"
#include "service/api.hpp"
#include "support/git_repo.hpp"

namespace {

constexpr const char* k_manifest = R"(version: 1
project: shop
image: {repository: repo}
components:
  api: {paths: [api/], parameter: ApiImage, build: "true"}
  web: {paths: [web/], parameter: WebImage, build: "true"}
  stack: {paths: [template.yml], kind: config}
environments:
  test: {stack: shop-test, region: us-east-1, template: template.yml}
)";

class Compare : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("slipway.yml", k_manifest);
        repo.write("template.yml", "Resources: {A: {Type: T}}\n");
        repo.write("api/main.py", "v1\n");
        repo.write("web/main.py", "v1\n");
        c1 = repo.commit("init");
        repo.write("api/main.py", "v2\n");
        c2 = repo.commit("api v2");
        repo.write("web/main.py", "v2\n");
        c3 = repo.commit("web v2");  // its build failed: never deployed
        auto opened = versioning::open_store("sqlite:state.db", dir.path().string());
        ASSERT_TRUE(opened) << opened.error().message;
        store = std::move(*opened);
        auto m = components::parse_manifest(k_manifest, "slipway.yml");
        ASSERT_TRUE(m) << m.error().message;
        manifest = std::move(*m);
        auto r = diff::Repository::open(repo.path());
        ASSERT_TRUE(r);
        git.emplace(std::move(*r));
    }

    // A succeeded deployment: (image, commit) of api and web, the template's commit, and the
    // environment's place in history.
    std::int64_t deployment(const std::string& api, const std::string& api_commit,
                            const std::string& web, const std::string& web_commit,
                            const std::string& template_commit, const std::string& position) {
        versioning::DeploymentRecord d;
        d.env = "test";
        d.stack = "shop-test";
        d.commit = position;
        d.template_commit = template_commit;
        d.status = "succeeded";
        d.started_at = 1000 * ++clock;
        d.finished_at = d.started_at + 1;
        d.images = {{"api", 0, api, true, "ApiImage", api_commit},
                    {"web", 0, web, true, "WebImage", web_commit}};
        return store->record_deployment(d).value();
    }

    rapidjson::Document compare(std::int64_t a, std::int64_t b) {
        service::ApiContext c{*store, manifest, [this] { return &*git; }, "test"};
        auto r = service::api_compare(c, a, b);
        EXPECT_EQ(r.status, 200) << r.body;
        rapidjson::Document d;
        d.Parse(r.body.c_str());
        return d;
    }

    support::GitRepo repo;
    support::TempDir dir;
    std::unique_ptr<versioning::VersionStore> store;
    components::Manifest manifest;
    std::optional<diff::Repository> git;
    std::string c1, c2, c3;
    int clock = 0;
};

std::vector<std::string> strings(const rapidjson::Value& array) {
    std::vector<std::string> out;
    for (const auto& v : array.GetArray()) out.emplace_back(v.GetString());
    return out;
}

TEST_F(Compare, ACommitIsShippedOnlyWhereTheImagesHoldIt) {
    const auto first = deployment("repo:api-1", c1, "repo:web-1", c1, c1, c1);
    const auto second = deployment("repo:api-2", c2, "repo:web-1", c2, c2, c2);
    // A rollback of api to build 1 at the head c3 (web's c3 never built).
    const auto rollback = deployment("repo:api-1", c1, "repo:web-1", c2, c3, c1);

    auto forward = compare(first, second);
    ASSERT_EQ(forward["commits"].Size(), 1u);
    EXPECT_EQ(forward["commits"][0]["id"].GetString(), c2);
    EXPECT_EQ(strings(forward["commits"][0]["components"]), std::vector<std::string>{"api"});
    EXPECT_TRUE(forward["commits"][0]["not_deployed"].Empty());
    ASSERT_EQ(forward["components"].Size(), 1u);  // web's image is the same and no commit
    const auto& api = forward["components"][0];   // touching it came in between
    EXPECT_STREQ(api["component"].GetString(), "api");
    EXPECT_EQ(strings(api["commits"]), std::vector<std::string>{c2});
    EXPECT_EQ(api["from"]["commit"].GetString(), c1);
    EXPECT_EQ(api["to"]["commit"].GetString(), c2);

    // The rollback ships no commit: c3 (web) is not in its images, c2 (api) is taken back.
    auto back = compare(second, rollback);
    EXPECT_TRUE(back["commits"].Empty());
    ASSERT_EQ(back["components"].Size(), 1u);
    EXPECT_STREQ(back["components"][0]["component"].GetString(), "api");
    EXPECT_EQ(strings(back["components"][0]["removed"]), std::vector<std::string>{c2});
    EXPECT_TRUE(back["components"][0]["commits"].Empty());
    EXPECT_EQ(back["to"]["template_commit"].GetString(), c3);
    EXPECT_EQ(back["to"]["images"][0]["commit"].GetString(), c1);

    // From the first deployment to the rollback: c2 and c3 lie between the two places in
    // history only if the rollback claimed c3; it claims c1, so nothing is listed as shipped.
    auto overall = compare(first, rollback);
    EXPECT_TRUE(overall["commits"].Empty());

    // Had the rollback been recorded at the head (as before), c3 would be listed -- and said
    // not deployed for web, whose image does not hold it.
    const auto at_head = deployment("repo:api-1", c1, "repo:web-1", c2, c3, c3);
    auto lie = compare(second, at_head);
    ASSERT_EQ(lie["commits"].Size(), 1u);
    EXPECT_EQ(lie["commits"][0]["id"].GetString(), c3);
    EXPECT_EQ(strings(lie["commits"][0]["not_deployed"]), std::vector<std::string>{"web"});
}

// A commit's author and summary are text from outside: bytes that are not UTF-8 (a commit
// made with i18n.commitEncoding=ISO-8859-1, which git stores raw with an `encoding` header;
// without it git itself would convert them) are written as JsonOut's one rule says
// (docs/json.md): each byte that starts no well-formed sequence becomes U+FFFD, and the
// document stays valid UTF-8.
TEST_F(Compare, CommitTextThatIsNotUtf8StaysValidJson) {
    const std::string author = "Ren\xE9 M\xFCller";
    const std::string summary = "caf\xE9 \xFF fix \xE2\x82";
    repo.write("api/main.py", "v4\n");
    repo.git("add -A");
    repo.git("-c i18n.commitEncoding=ISO-8859-1 -c user.name=" + support::shell_quote(author) +
             " commit -q -m " + support::shell_quote(summary));
    const std::string c4 = repo.git("rev-parse HEAD").substr(0, 40);
    const auto before = deployment("repo:api-2", c2, "repo:web-1", c1, c2, c2);
    const auto after = deployment("repo:api-4", c4, "repo:web-1", c1, c4, c4);

    service::ApiContext c{*store, manifest, [this] { return &*git; }, "test"};
    auto r = service::api_compare(c, before, after);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(common::is_utf8(r.body));
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag>(r.body.c_str());
    ASSERT_FALSE(d.HasParseError()) << r.body;
    ASSERT_EQ(d["commits"].Size(), 2u);  // c3 and c4, newest first
    const auto& newest = d["commits"][0];
    EXPECT_EQ(newest["id"].GetString(), c4);
    const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
    EXPECT_EQ(newest["author"].GetString(), "Ren" + replacement + " M" + replacement + "ller");
    EXPECT_EQ(newest["author"].GetString(), common::json_text(author));
    EXPECT_EQ(newest["summary"].GetString(),
              "caf" + replacement + " " + replacement + " fix " + replacement + replacement);
    EXPECT_EQ(newest["summary"].GetString(), common::json_text(summary));
}

}  // namespace
