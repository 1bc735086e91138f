// The promotion gates as pure decisions (pipeline/gates.hpp): each gate alone and together,
// on a clock the test moves. Approvals by distinct people (the requester and people outside
// the approvers not counting, teams counting their members), soak measured from the source's
// deployments, freeze windows across time zones and both DST changes of 2026, an override.
#include <gtest/gtest.h>

#include "common/time_zone.hpp"
#include "pipeline/gates.hpp"

namespace {

using components::FreezeWindow;
using components::Gates;
using versioning::Millis;

Millis at(int y, int mo, int d, int h, int mi) {
    return common::seconds_from_civil({y, mo, d, h, mi, 0}) * 1000;
}

constexpr Millis k_minute = 60'000;

struct Fixture {
    Gates gates;
    std::map<std::string, std::vector<std::string>> teams = {{"platform", {"carol", "dave"}}};
    versioning::PromotionRequest request;
    std::vector<versioning::DeploymentRecord> history;
    pipeline::Zones zones;

    Fixture() {
        request.env = "prod";
        request.from = "test";
        request.requested_by = "github:alice";
        request.source_deployment = 12;
        request.images = {{"api", 7, "repo:api-7", "c7", true},
                          {"web", 3, "repo:web-3", "c3", false}};
        history.push_back(deployment(12, at(2026, 11, 20, 9, 0), "repo:api-7"));
    }
    static versioning::DeploymentRecord deployment(std::int64_t id, Millis finished,
                                                   const std::string& api) {
        versioning::DeploymentRecord d;
        d.id = id;
        d.env = "test";
        d.status = "succeeded";
        d.started_at = finished - k_minute;
        d.finished_at = finished;
        d.images = {{"api", 0, api, true, "ApiImageUri"},
                    {"web", 3, "repo:web-3", false, "WebImageUri"}};
        return d;
    }
    pipeline::GateVerdict at_time(Millis now) {
        if (auto z = pipeline::load_zones(gates)) zones = std::move(*z);
        return pipeline::evaluate_gates({gates, teams, request, history, zones, now});
    }
    void decide(const std::string& actor, const std::string& verdict, const std::string& why = "") {
        request.decisions.push_back({actor, verdict, why, 0});
    }
};

bool frozen(const std::vector<FreezeWindow>& w, Millis now) {
    auto zones = pipeline::load_zones(Gates{0, {}, std::chrono::seconds(0), w, {}});
    EXPECT_TRUE(zones);
    return pipeline::active_freeze(w, *zones, now).has_value();
}

FreezeWindow cron(const std::string& c, int hours, const std::string& tz, int minutes = 0) {
    FreezeWindow w;
    w.cron = c;
    w.duration = std::chrono::seconds(hours * 3600 + minutes * 60);
    w.tz = tz;
    return w;
}

TEST(Gates, ThePersonBehindAnActor) {
    EXPECT_EQ(pipeline::person_of("github:Alice"), "alice");
    EXPECT_EQ(pipeline::person_of("alice@laptop"), "alice");
    EXPECT_EQ(pipeline::person_of("web:alice"), "alice");
    EXPECT_EQ(pipeline::person_of("codebuild:codepipeline/x"), "codepipeline/x");
    EXPECT_EQ(pipeline::person_of("oidc:Alice@Example.com"), "alice@example.com");
}

TEST(Gates, NoGatesPass) {
    Fixture f;
    auto v = f.at_time(at(2026, 11, 20, 10, 0));
    EXPECT_TRUE(v.passed());
    EXPECT_TRUE(v.met.empty());
}

TEST(Gates, ApprovalsByDistinctPeopleOtherThanTheRequester) {
    Fixture f;
    f.gates.approvals = 2;
    const Millis now = at(2026, 11, 20, 10, 0);
    f.decide("alice@laptop", "approve");  // the requester, from another machine
    f.decide("github:bob", "approve");
    f.decide("bob@desk", "approve");  // bob again
    auto v = f.at_time(now);
    ASSERT_FALSE(v.passed());
    ASSERT_EQ(v.unmet.size(), 1u);
    EXPECT_EQ(v.unmet[0].gate, "approvals");
    EXPECT_EQ(v.unmet[0].message,
              "approvals: 1 of 2 (bob); needs 1 more from anyone but the requester");
    EXPECT_FALSE(v.unmet[0].until);  // no clock lifts it
    f.decide("erin", "reject");      // a rejection is not an approval
    EXPECT_FALSE(f.at_time(now).passed());
    f.decide("github:erin", "approve");
    v = f.at_time(now);
    EXPECT_TRUE(v.passed());
    EXPECT_EQ(v.met, std::vector<std::string>{"approvals: 2 of 2 (bob, erin)"});
    EXPECT_EQ(v.approvers, (std::vector<std::string>{"bob", "erin"}));
}

TEST(Gates, OnlyListedApproversAndTeamMembersCount) {
    Fixture f;
    f.gates.approvals = 2;
    f.gates.approvers = {"bob", "team:platform"};
    EXPECT_TRUE(pipeline::may_approve(f.gates, f.teams, "github:bob"));
    EXPECT_TRUE(pipeline::may_approve(f.gates, f.teams, "carol@host"));
    EXPECT_FALSE(pipeline::may_approve(f.gates, f.teams, "github:erin"));
    f.decide("github:erin", "approve");  // not an approver
    f.decide("github:dave", "approve");  // team platform
    auto v = f.at_time(at(2026, 11, 20, 10, 0));
    ASSERT_FALSE(v.passed());
    EXPECT_EQ(v.unmet[0].message, "approvals: 1 of 2 (dave); needs 1 more from bob, team:platform");
    f.decide("bob", "approve");
    EXPECT_TRUE(f.at_time(at(2026, 11, 20, 10, 0)).passed());
    // A requester in the approvers list still does not count for their own request.
    f.request.requested_by = "bob@laptop";
    EXPECT_FALSE(f.at_time(at(2026, 11, 20, 10, 0)).passed());
}

TEST(Gates, SoakRunsOnTheClockFromTheSourceDeployment) {
    Fixture f;
    f.gates.soak = std::chrono::minutes(30);
    auto v = f.at_time(at(2026, 11, 20, 9, 10));
    ASSERT_FALSE(v.passed());
    EXPECT_EQ(v.unmet[0].message, "soak: test has run these images 10m of 30m; 20m to go");
    EXPECT_EQ(v.unmet[0].until, at(2026, 11, 20, 9, 30));
    EXPECT_EQ(v.next_change(), at(2026, 11, 20, 9, 30));
    EXPECT_FALSE(f.at_time(at(2026, 11, 20, 9, 29)).passed());
    v = f.at_time(at(2026, 11, 20, 9, 30));
    EXPECT_TRUE(v.passed());
    EXPECT_EQ(v.met[0], "soak: test ran these images 30m (needs 30m)");
    // A later deployment of test with the same images (a template change) keeps the clock.
    f.history.push_back(Fixture::deployment(13, at(2026, 11, 20, 9, 20), "repo:api-7"));
    EXPECT_TRUE(f.at_time(at(2026, 11, 20, 9, 30)).passed());
}

TEST(Gates, SoakStopsWhenTheSourceReplacesTheImages) {
    Fixture f;
    f.gates.soak = std::chrono::minutes(30);
    f.history.push_back(Fixture::deployment(13, at(2026, 11, 20, 9, 12), "repo:api-8"));
    auto v = f.at_time(at(2026, 11, 21, 9, 0));  // a day later: still only 12 minutes
    ASSERT_FALSE(v.passed());
    EXPECT_NE(v.unmet[0].message.find("only 12m before deployment #13 replaced them"),
              std::string::npos)
        << v.unmet[0].message;
    EXPECT_FALSE(v.unmet[0].until);
    // A failed deployment in between replaces nothing.
    Fixture g;
    g.gates.soak = std::chrono::minutes(30);
    auto failed = Fixture::deployment(13, at(2026, 11, 20, 9, 5), "repo:api-8");
    failed.status = "failed";
    g.history.push_back(failed);
    EXPECT_TRUE(g.at_time(at(2026, 11, 20, 9, 40)).passed());
}

TEST(Gates, AWeekendFreezeInBerlinAcrossBothDstChanges) {
    const std::vector<FreezeWindow> weekend = {cron("0 16 * * FRI", 64, "Europe/Berlin")};
    // Summer time: Friday 16:00 CEST is 14:00 UTC.
    EXPECT_FALSE(frozen(weekend, at(2026, 7, 3, 13, 59)));
    EXPECT_TRUE(frozen(weekend, at(2026, 7, 3, 14, 0)));
    EXPECT_TRUE(frozen(weekend, at(2026, 7, 6, 5, 59)));  // Monday 07:59 CEST
    EXPECT_FALSE(frozen(weekend, at(2026, 7, 6, 6, 0)));
    // Winter time: Friday 16:00 CET is 15:00 UTC.
    EXPECT_FALSE(frozen(weekend, at(2026, 1, 9, 14, 59)));
    EXPECT_TRUE(frozen(weekend, at(2026, 1, 9, 15, 0)));
    EXPECT_FALSE(frozen(weekend, at(2026, 1, 12, 7, 0)));
    // The weekend the clocks go back (Sunday 25 October): it starts at 16:00 CEST and lasts
    // 64 real hours, so it ends Monday 07:00 CET, not 08:00.
    EXPECT_TRUE(frozen(weekend, at(2026, 10, 23, 14, 0)));
    EXPECT_TRUE(frozen(weekend, at(2026, 10, 26, 5, 59)));
    EXPECT_FALSE(frozen(weekend, at(2026, 10, 26, 6, 0)));
    // The weekend they go forward (Sunday 29 March): 16:00 CET, ends Monday 09:00 CEST.
    EXPECT_FALSE(frozen(weekend, at(2026, 3, 27, 14, 59)));
    EXPECT_TRUE(frozen(weekend, at(2026, 3, 27, 15, 0)));
    EXPECT_TRUE(frozen(weekend, at(2026, 3, 30, 6, 59)));
    EXPECT_FALSE(frozen(weekend, at(2026, 3, 30, 7, 0)));
}

TEST(Gates, TheSameCronInAnotherZoneIsAnotherInstant) {
    const std::vector<FreezeWindow> york = {cron("0 16 * * FRI", 2, "America/New_York")};
    EXPECT_FALSE(frozen(york, at(2026, 7, 3, 14, 30)));  // Berlin's start
    EXPECT_TRUE(frozen(york, at(2026, 7, 3, 20, 30)));   // 16:30 EDT
    EXPECT_TRUE(frozen(york, at(2026, 12, 4, 21, 30)));  // 16:30 EST
    EXPECT_FALSE(frozen(york, at(2026, 12, 4, 20, 30)));
    // Sydney's Friday afternoon is Friday morning in UTC (AEDT, +11, in December).
    const std::vector<FreezeWindow> sydney = {cron("0 16 * * FRI", 1, "Australia/Sydney")};
    EXPECT_TRUE(frozen(sydney, at(2026, 12, 4, 5, 30)));
    EXPECT_TRUE(frozen(sydney, at(2026, 7, 3, 6, 30)));  // AEST, +10, in July
}

TEST(Gates, WindowsStartingInADstGapOrOverlap) {
    // 02:30 on Sunday 29 March 2026 does not exist in Berlin: the window starts at 03:30
    // CEST (01:30 UTC) when the clock goes on.
    const std::vector<FreezeWindow> gap = {cron("30 2 29 3 *", 1, "Europe/Berlin")};
    EXPECT_FALSE(frozen(gap, at(2026, 3, 29, 1, 29)));
    EXPECT_TRUE(frozen(gap, at(2026, 3, 29, 1, 30)));
    EXPECT_FALSE(frozen(gap, at(2026, 3, 29, 2, 30)));
    // 02:30 on Sunday 25 October happens twice: the window starts at the first (00:30 UTC).
    const std::vector<FreezeWindow> twice = {cron("30 2 25 10 *", 0, "Europe/Berlin", 30)};
    EXPECT_TRUE(frozen(twice, at(2026, 10, 25, 0, 45)));
    EXPECT_FALSE(frozen(twice, at(2026, 10, 25, 1, 45)));  // the second 02:45
}

TEST(Gates, DatedWindowsInTheirZoneAndTheEndOfChainedWindows) {
    FreezeWindow holidays;
    holidays.from = "2026-12-20T00:00";
    holidays.to = "2027-01-04T00:00";
    holidays.tz = "Asia/Tokyo";
    holidays.reason = "holidays";
    const std::vector<FreezeWindow> w = {holidays};
    EXPECT_FALSE(frozen(w, at(2026, 12, 19, 14, 59)));  // 23:59 in Tokyo
    EXPECT_TRUE(frozen(w, at(2026, 12, 19, 15, 0)));
    EXPECT_TRUE(frozen(w, at(2027, 1, 3, 14, 59)));
    EXPECT_FALSE(frozen(w, at(2027, 1, 3, 15, 0)));
    // A weekend freeze running into the holidays: frozen until the holidays end.
    FreezeWindow weekend = cron("0 16 * * FRI", 64, "Europe/Berlin");
    weekend.reason = "weekend";
    FreezeWindow from_monday;
    from_monday.from = "2026-11-23T06:00";
    from_monday.to = "2026-11-25T12:00";
    from_monday.tz = "UTC";
    from_monday.reason = "migration";
    const std::vector<FreezeWindow> both = {weekend, from_monday};
    auto zones = pipeline::load_zones(Gates{0, {}, std::chrono::seconds(0), both, {}});
    ASSERT_TRUE(zones);
    auto f = pipeline::active_freeze(both, *zones, at(2026, 11, 21, 12, 0));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->reason, "weekend");
    EXPECT_EQ(f->until, at(2026, 11, 25, 12, 0));
}

TEST(Gates, AFreezeHoldsUntilItEndsOrIsOverridden) {
    Fixture f;
    FreezeWindow weekend = cron("0 16 * * FRI", 64, "Europe/Berlin");
    weekend.reason = "weekend";
    f.gates.freeze = {weekend};
    auto v = f.at_time(at(2026, 11, 21, 12, 0));
    ASSERT_FALSE(v.passed());
    EXPECT_EQ(v.unmet[0].message,
              "freeze: weekend until 2026-11-23T07:00:00Z (2026-11-23 08:00 Europe/Berlin)");
    EXPECT_EQ(v.next_change(), at(2026, 11, 23, 7, 0));
    EXPECT_TRUE(f.at_time(at(2026, 11, 23, 7, 0)).passed());
    f.decide("github:bob", "override-freeze", "hotfix for the 5xx");
    v = f.at_time(at(2026, 11, 21, 12, 0));
    EXPECT_TRUE(v.passed());
    EXPECT_TRUE(v.freeze_overridden);
    EXPECT_EQ(v.met[0], "freeze: overridden by github:bob (hotfix for the 5xx)");
}

TEST(Gates, AllGatesTogether) {
    Fixture f;
    f.gates.approvals = 1;
    f.gates.approvers = {"team:platform"};
    f.gates.soak = std::chrono::minutes(30);
    FreezeWindow weekend = cron("0 16 * * FRI", 64, "Europe/Berlin");
    weekend.reason = "weekend";
    f.gates.freeze = {weekend};
    // Friday 2026-11-20 09:10 UTC: 10 minutes of soak, no approval, no freeze yet.
    auto v = f.at_time(at(2026, 11, 20, 9, 10));
    ASSERT_EQ(v.unmet.size(), 2u);
    EXPECT_EQ(v.unmet[0].gate, "approvals");
    EXPECT_EQ(v.unmet[1].gate, "soak");
    f.decide("carol", "approve");
    v = f.at_time(at(2026, 11, 20, 9, 10));
    ASSERT_EQ(v.unmet.size(), 1u);
    EXPECT_TRUE(f.at_time(at(2026, 11, 20, 9, 40)).passed());
    // Too late on Friday: the weekend freeze holds it.
    v = f.at_time(at(2026, 11, 20, 15, 30));
    ASSERT_EQ(v.unmet.size(), 1u);
    EXPECT_EQ(v.unmet[0].gate, "freeze");
    EXPECT_EQ(v.met.size(), 2u);
}

}  // namespace
