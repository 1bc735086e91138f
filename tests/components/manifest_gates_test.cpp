// The manifest's safety settings: gates (approvals, approvers and teams, soak, freeze windows
// by cron or dates in a named zone), alarms and promote: auto, read into values; each mistake
// one error line with file:line:column.
#include <gtest/gtest.h>

#include "components/manifest.hpp"

namespace {

const std::string k_head = R"(image: {repository: repo}
teams: {platform: [carol, dave]}
components:
  api: {paths: [api/], parameter: ApiImage, build: "true"}
environments:
  test: {stack: shop-test}
  prod:
    stack: shop-prod
    promote_from: test
)";

common::Result<components::Manifest> parse(const std::string& prod_extra) {
    return components::parse_manifest(k_head + prod_extra, "slipway.yml");
}

TEST(ManifestGates, EverySettingIsRead) {
    auto m = parse(R"(    promote: auto
    gates:
      approvals: 2
      approvers: [alice, "team:platform"]
      soak: 30m
      freeze:
        - {cron: "0 16 * * FRI", duration: 64h, tz: Europe/Berlin, reason: weekend}
        - {from: "2026-12-20T00:00", to: "2027-01-04T00:00", reason: holidays}
    alarms:
      arns: [arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-5xx]
      monitor: 10m
)");
    ASSERT_TRUE(m) << m.error().message;
    const auto& prod = m->environments[1];
    EXPECT_TRUE(prod.promote_auto);
    EXPECT_EQ(prod.gates.approvals, 2);
    EXPECT_EQ(prod.gates.approvers, (std::vector<std::string>{"alice", "team:platform"}));
    EXPECT_EQ(prod.gates.soak, std::chrono::minutes(30));
    ASSERT_EQ(prod.gates.freeze.size(), 2u);
    EXPECT_EQ(prod.gates.freeze[0].cron, "0 16 * * FRI");
    EXPECT_EQ(prod.gates.freeze[0].duration, std::chrono::hours(64));
    EXPECT_EQ(prod.gates.freeze[0].tz, "Europe/Berlin");
    EXPECT_EQ(prod.gates.freeze[1].tz, "UTC");
    EXPECT_EQ(prod.gates.freeze[1].reason, "holidays");
    EXPECT_EQ(prod.alarms.arns.size(), 1u);
    EXPECT_EQ(prod.alarms.monitor, std::chrono::minutes(10));
    EXPECT_EQ(m->teams.at("platform"), (std::vector<std::string>{"carol", "dave"}));
    EXPECT_FALSE(m->environments[0].gates.any());
    // Approvers alone mean one approval.
    auto one = parse("    gates: {approvers: [alice]}\n");
    ASSERT_TRUE(one) << one.error().message;
    EXPECT_EQ(one->environments[1].gates.approvals, 1);
    // A team the manifest does not define is GitHub's (slipway validate says so).
    auto github = parse("    gates: {approvers: [\"team:infra\"]}\n");
    ASSERT_TRUE(github) << github.error().message;
    EXPECT_EQ(github->environments[1].gates.approvers, (std::vector<std::string>{"team:infra"}));
}

TEST(ManifestGates, MistakesNameTheirLine) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"    gates: {approvals: 3, approvers: [alice, bob]}\n",
         "slipway.yml:10:24: environment 'prod'.gates.approvals: 3 approvals needed but only 2 "
         "approvers listed"},
        {"    gates: {soak: forever}\n",
         "slipway.yml:10:19: environment 'prod'.gates.soak: bad "
         "duration 'forever'"},
        {"    gates: {freeze: [{cron: \"0 25 * * *\", duration: 1h}]}\n",
         "environment 'prod'.gates.freeze[0].cron: cron '0 25 * * *': hour field '25'"},
        {"    gates: {freeze: [{cron: \"0 16 * * FRI\", duration: 1h, tz: Europe/Berln}]}\n",
         "unknown time zone 'Europe/Berln'"},
        {"    gates: {freeze: [{cron: \"0 16 * * FRI\"}]}\n", "a cron window needs 'duration'"},
        {"    gates: {freeze: [{from: \"2026-12-20\", to: \"2027-01-04T00:00\"}]}\n",
         "'2026-12-20' is not a local time YYYY-MM-DDTHH:MM"},
        {"    gates: {freeze: [{from: \"2027-01-04T00:00\", to: \"2026-12-20T00:00\"}]}\n",
         ".to: must be after 'from'"},
        {"    gates: {freeze: [{cron: \"0 16 * * FRI\", duration: 800h}]}\n", "at most 744h"},
        {"    gates: {aprovals: 1}\n",
         "unknown key 'aprovals' in environment 'prod'.gates (did "
         "you mean 'approvals'?)"},
        {"    alarms: {arns: [prod-5xx]}\n", "'prod-5xx' is not a CloudWatch alarm ARN"},
        {"    alarms: {arns: [arn:aws:cloudwatch:us-east-1:123456789012:alarm:a], monitor: 4h}\n",
         "at most 3h"},
        {"    promote: sometimes\n", "expected auto or manual, got 'sometimes'"},
    };
    for (const auto& [extra, says] : cases) {
        auto m = parse(extra);
        ASSERT_FALSE(m) << extra;
        EXPECT_NE(m.error().message.find(says), std::string::npos) << m.error().message;
        EXPECT_TRUE(m.error().message.starts_with("slipway.yml:")) << m.error().message;
    }
    // Gates need a source to promote from.
    auto test = components::parse_manifest(
        "image: {repository: repo}\ncomponents:\n  api: {paths: [api/], parameter: A, build: x}\n"
        "environments:\n  test:\n    stack: t\n    gates: {approvals: 1}\n",
        "slipway.yml");
    ASSERT_FALSE(test);
    EXPECT_NE(test.error().message.find("apply to promotions, and it has no promote_from"),
              std::string::npos)
        << test.error().message;
}

}  // namespace
