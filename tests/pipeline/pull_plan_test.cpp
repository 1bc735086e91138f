// The pull request's plan as GitHub is shown it (pure): the comment under GitHub's size limit
// with the longest sections cut first, the check run's conclusion and annotations, the JSON
// the service keeps, and the file:line places of errors.
#include "pipeline/pull_plan.hpp"

#include <gtest/gtest.h>

#include "pipeline/pull_planner.hpp"

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
        e.parameters.push_back(
            {{"Image" + std::to_string(i), "old:" + c, "new:" + c, false}, "shop-test"});
    }
    for (std::size_t i = 0; i < resources; ++i)
        e.resources.push_back(
            {{"Modify", "Resource" + std::to_string(i), "", "AWS::SSM::Parameter", "False"},
             "shop-test"});
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

// A stack planned without a change set is said to be, in the comment, the check run and the
// JSON: the plan's changes are not all of them.
TEST(PullPlan, AStackNotPreviewedIsSaidToBe) {
    auto e = planned(1, 1);
    e.not_previewed = {
        "shop-svc@eu-west-1: parameter Vpc (AWS::EC2::VPC::Id) reads output VpcId of shop-net, "
        "known only after it deploys, and no stand-in value fits it: no change set"};
    const auto text = pipeline::plan_comment(pull({e}), "");
    EXPECT_NE(text.find("1 parameter and 1 resource change; 1 stack not previewed |"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("**Not previewed** (no change set was made: its changes are not above)\n\n"
                        "- shop-svc@eu-west-1: parameter Vpc (AWS::EC2::VPC::Id) reads output"),
              std::string::npos)
        << text;
    const auto check = pipeline::check_verdict(e, "");
    EXPECT_EQ(check.conclusion, "success");
    EXPECT_NE(check.output.title.find("1 stack not previewed"), std::string::npos);
    EXPECT_NE(check.output.summary.find("**Not previewed**"), std::string::npos);
    const auto json = pipeline::pull_plan_json(pull({e}));
    auto back = pipeline::parse_pull_plan(json);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->envs.at(0).not_previewed, e.not_previewed);
    EXPECT_EQ(pipeline::pull_plan_json(*back), json);
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
    e.parameters = {{{"Note", "a|b", "c`d\ne", false}, "shop-test"},
                    {{"Secret", "x", "y", true}, "shop-test"}};
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

// An environment in two regions previews each stack's change set: every row says which stack
// and place it is of (the same parameter appears once per place), and a plan of one stack
// shows no stack column. The rows come from each stack's outcome, in plan order.
TEST(PullPlan, EachRowNamesItsStackWhenSeveralPreview) {
    pipeline::RunOutcome outcome;
    outcome.deploy.emplace();
    for (const char* place : {"shop@us-east-1", "shop@eu-west-1"}) {
        pipeline::StackRun st;
        st.label = place;
        st.result = "planned";
        st.run.emplace();
        st.run->preview =
            deploy::Preview{false,
                            "cs",
                            {{"Modify", "Catalog", "/shop/api", "AWS::SSM::Parameter", "False"}},
                            {{"ApiImage", "repo:api-1", "repo:api-2", false}}};
        outcome.deploy->stacks.push_back(std::move(st));
    }
    auto e = pipeline::env_plan_of("prod", "shop", outcome);
    ASSERT_EQ(e.parameters.size(), 2u);
    EXPECT_EQ(e.parameters[0].stack, "shop@us-east-1");
    EXPECT_EQ(e.parameters[1].stack, "shop@eu-west-1");
    ASSERT_EQ(e.resources.size(), 2u);
    EXPECT_EQ(e.resources[1].stack, "shop@eu-west-1");
    const auto text = pipeline::plan_comment(pull({e}), "");
    EXPECT_NE(text.find("| stack | parameter | now | would be |\n|---|---|---|---|\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("| `shop@eu-west-1` | `ApiImage` | `repo:api-1` | `repo:api-2` |"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("| `shop@us-east-1` | Modify | `Catalog` |"), std::string::npos) << text;
    auto back = pipeline::parse_pull_plan(pipeline::pull_plan_json(pull({e})));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->envs[0].parameters[1].stack, "shop@eu-west-1");
    EXPECT_EQ(back->envs[0].resources[0].stack, "shop@us-east-1");
    // One stack: no stack column.
    outcome.deploy->stacks.pop_back();
    const auto one =
        pipeline::plan_comment(pull({pipeline::env_plan_of("prod", "shop", outcome)}), "");
    EXPECT_NE(one.find("| parameter | now | would be |"), std::string::npos) << one;
    EXPECT_EQ(one.find("| stack |"), std::string::npos) << one;
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
