// The pull request's plan as GitHub is shown it (pure): the comment under GitHub's size limit
// with the longest sections cut first, the check run's conclusion and annotations, the JSON
// the service keeps, and the file:line places of errors.
#include "pipeline/pull_plan.hpp"

#include <gtest/gtest.h>

namespace {

using pipeline::EnvPlan;
using pipeline::PullPlan;

EnvPlan planned(std::size_t components, std::size_t resources) {
    EnvPlan e;
    e.env = "test";
    e.stack = "shop-test";
    e.result = "planned";
    e.base = "0123456789abcdef0123456789abcdef01234567";
    e.base_reason = "the last successful deployment of test";
    for (std::size_t i = 0; i < components; ++i) {
        const std::string c = "component-" + std::to_string(i);
        e.affected.push_back({c, "services/" + c + "/main.py"});
        e.builds.push_back({c, static_cast<std::int64_t>(i + 1),
                            "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:" + c, i % 2 == 0});
        e.parameters.push_back({"Image" + std::to_string(i), "old:" + c, "new:" + c, false});
    }
    for (std::size_t i = 0; i < resources; ++i)
        e.resources.push_back(
            {"Modify", "Resource" + std::to_string(i), "", "AWS::SSM::Parameter", "False"});
    return e;
}

PullPlan pull(std::vector<EnvPlan> envs) {
    PullPlan p;
    p.number = 7;
    p.title = "Faster api";
    p.head_sha = "fedcba9876543210fedcba9876543210fedcba98";
    p.base_ref = "dev";
    p.merge_commit = "1111111111111111111111111111111111111111";
    p.updated_at = 1'700'000'000'000;
    p.envs = std::move(envs);
    return p;
}

TEST(PullPlan, TheCommentCarriesItsMarkerAndEverySection) {
    const auto text = pipeline::plan_comment(pull({planned(2, 1)}), "https://s.example/pulls/7");
    EXPECT_TRUE(text.starts_with("<!-- slipway:plan -->\n"));
    EXPECT_NE(
        text.find(
            "| test | 2 affected, 1 to build (1 reused), 2 parameters and 1 resource change |"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("| `Image1` | `old:component-1` | `new:component-1` |"), std::string::npos);
    EXPECT_NE(text.find("| Modify | `Resource0` | `AWS::SSM::Parameter` | False |"),
              std::string::npos);
    EXPECT_NE(text.find("[The full plan](https://s.example/pulls/7)"), std::string::npos);
    EXPECT_EQ(text.find("… "), std::string::npos);  // nothing cut
}

TEST(PullPlan, AHugePlanIsCutToGithubsLimitLongestSectionFirst) {
    const auto p = pull({planned(600, 3000), planned(3, 2)});
    const auto text = pipeline::plan_comment(p, "https://s.example/pulls/7");
    EXPECT_LE(text.size(), 65536u);
    EXPECT_GT(text.size(), 30000u);  // cut, not emptied
    EXPECT_NE(text.find("more: see the [full plan](https://s.example/pulls/7)"), std::string::npos);
    // The small environment's sections are whole.
    EXPECT_NE(text.find("| `Image2` | `old:component-2` | `new:component-2` |"), std::string::npos);
    EXPECT_NE(text.find("| Modify | `Resource1` |"), std::string::npos);
    EXPECT_TRUE(text.ends_with("[The full plan](https://s.example/pulls/7) · slipway\n"));
    const auto small = pipeline::plan_comment(p, "", 2000);
    EXPECT_LE(small.size(), 2000u);
    EXPECT_TRUE(small.starts_with("<!-- slipway:plan -->"));
}

TEST(PullPlan, TableCellsCannotBreakTheMarkdown) {
    auto e = planned(1, 0);
    e.parameters = {{"Note", "a|b", "c`d\ne", false}, {"Secret", "x", "y", true}};
    const auto text = pipeline::plan_comment(pull({e}), "");
    EXPECT_NE(text.find("| `Note` | `a\\|b` | `c'd e` |"), std::string::npos) << text;
    EXPECT_NE(text.find("| `Secret` | **** | **** |"), std::string::npos) << text;
    EXPECT_EQ(text.find("`x`"), std::string::npos);
}

TEST(PullPlan, CheckRunsConcludeFromTheResult) {
    EXPECT_EQ(pipeline::check_verdict(planned(1, 1), "").conclusion, "success");
    EnvPlan e;
    e.env = "test";
    e.result = "nothing-affected";
    EXPECT_EQ(pipeline::check_verdict(e, "").conclusion, "neutral");
    e.result = "conflict";
    EXPECT_EQ(pipeline::check_verdict(e, "").conclusion, "neutral");
    e.result = "failed";
    e.message = "slipway.yml:13:5: environment 'test': unknown key 'colour'";
    e.problems = pipeline::problem_locations(e.message);
    const auto v = pipeline::check_verdict(e, "");
    EXPECT_EQ(v.conclusion, "failure");
    ASSERT_EQ(v.output.annotations.size(), 1u);
    EXPECT_EQ(v.output.annotations[0].path, "slipway.yml");
    EXPECT_EQ(v.output.annotations[0].start_line, 13);
    EXPECT_EQ(pipeline::plan_check_name("prod"), "slipway plan (prod)");
    // Plans never made: cancelled, saying why.
    EnvPlan gone;
    gone.env = "test";
    gone.result = "superseded";
    EXPECT_EQ(pipeline::check_verdict(gone, "").conclusion, "cancelled");
    EXPECT_EQ(pipeline::check_verdict(gone, "").output.title, "superseded by a newer push");
    gone.result = "cancelled";
    gone.message = "the pull request was closed before its plan was made";
    EXPECT_EQ(pipeline::check_verdict(gone, "").conclusion, "cancelled");
    EXPECT_EQ(pipeline::check_verdict(gone, "").output.title, gone.message);
}

TEST(PullPlan, ErrorPlacesAreRelativeToTheCheckout) {
    auto at = pipeline::problem_locations(
        "/state/checkouts/pull-7/template.yml:12: parameter ApiImage: not in the template",
        "/state/checkouts/pull-7");
    ASSERT_EQ(at.size(), 1u);
    EXPECT_EQ(at[0].path, "template.yml");
    EXPECT_EQ(at[0].line, 12);
    EXPECT_TRUE(pipeline::problem_locations("/elsewhere/x.yml:3: bad", "/state").empty());
    EXPECT_TRUE(pipeline::problem_locations("AWS said no").empty());
}

TEST(PullPlan, TheJsonRoundTrips) {
    auto e = planned(2, 2);
    e.problems = {{"slipway.yml", 4, "bad"}};
    e.planned_at = 1'700'000'001'000;
    auto p = pull({e});
    p.planned_head = "0123456789012345678901234567890123456789";
    const auto json = pipeline::pull_plan_json(p);
    auto back = pipeline::parse_pull_plan(json);
    ASSERT_TRUE(back);
    EXPECT_EQ(pipeline::pull_plan_json(*back), json);
    EXPECT_NE(json.find(R"("updated_at":"2023-11-14T22:13:20Z")"), std::string::npos) << json;
    EXPECT_EQ(back->planned_head, p.planned_head);
    EXPECT_FALSE(pipeline::parse_pull_plan("{}"));
}

}  // namespace
