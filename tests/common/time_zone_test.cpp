// Time zones read from the system's tz database, checked against glibc's localtime_r (which
// reads the same files) over a century of instants in zones with every kind of rule, and
// local times in DST gaps and overlaps checked by hand. Cron schedules: fields, names,
// steps, errors, and Vixie cron's day rule.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "common/cron.hpp"
#include "common/time_zone.hpp"

namespace {

using common::CivilTime;
using common::Seconds;
using common::TimeZone;

Seconds utc(int y, int mo, int d, int h, int mi) {
    return common::seconds_from_civil(CivilTime{y, mo, d, h, mi, 0});
}

// Makes `zone` glibc's local zone (this test process is single-threaded).
void use_zone(const char* zone) {
    setenv("TZ", (std::string(":") + zone).c_str(), 1);
    tzset();
}

// glibc's offset at `at` in the zone use_zone() chose.
long glibc_offset(const char*, Seconds at) {
    const std::time_t t = static_cast<std::time_t>(at);
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm.tm_gmtoff;
}

TEST(TimeZone, OffsetsMatchGlibcOverACentury) {
    for (const char* zone :
         {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
          "America/Sao_Paulo", "Pacific/Chatham", "Africa/Casablanca", "Europe/Dublin",
          "America/Santiago", "Asia/Tehran", "Pacific/Apia", "Europe/London"}) {
        auto z = TimeZone::load(zone);
        ASSERT_TRUE(z) << z.error().message;
        use_zone(zone);
        int checked = 0;
        // Every 7 hours 13 minutes from 1950 to 2090 (past the last transition: the footer's
        // rule), and every minute around the turns of the clock in 2026.
        for (Seconds at = utc(1950, 1, 1, 0, 0); at < utc(2090, 1, 1, 0, 0); at += 7 * 3600 + 780) {
            ASSERT_EQ(z->offset_at(at), glibc_offset(zone, at)) << zone << " at " << at;
            ++checked;
        }
        EXPECT_GT(checked, 100000);
    }
    unsetenv("TZ");
    tzset();
}

TEST(TimeZone, AroundEveryTransitionOf2026AndOf2061) {
    for (const char* zone : {"Europe/Berlin", "America/New_York", "Australia/Sydney"}) {
        auto z = TimeZone::load(zone);
        ASSERT_TRUE(z);
        use_zone(zone);
        for (int year : {2026, 2061}) {
            for (Seconds at = utc(year, 1, 1, 0, 0); at < utc(year + 1, 1, 1, 0, 0); at += 3600) {
                if (z->offset_at(at) == z->offset_at(at + 3600)) continue;
                for (Seconds s = at - 120; s < at + 3720; s += 60)
                    ASSERT_EQ(z->offset_at(s), glibc_offset(zone, s)) << zone << " " << s;
            }
        }
    }
    unsetenv("TZ");
    tzset();
}

TEST(TimeZone, LocalTimesInGapsMoveForwardAndOverlapsTakeTheFirst) {
    auto berlin = TimeZone::load("Europe/Berlin");
    ASSERT_TRUE(berlin);
    // 2026-03-29 02:30 does not exist in Berlin (02:00 CET -> 03:00 CEST): 03:30 CEST.
    EXPECT_EQ(berlin->to_utc(utc(2026, 3, 29, 2, 30)), utc(2026, 3, 29, 1, 30));
    // 2026-10-25 02:30 happens twice: first in CEST (00:30 UTC), then in CET.
    EXPECT_EQ(berlin->to_utc(utc(2026, 10, 25, 2, 30)), utc(2026, 10, 25, 0, 30));
    // Ordinary times either side.
    EXPECT_EQ(berlin->to_utc(utc(2026, 1, 9, 16, 0)), utc(2026, 1, 9, 15, 0));
    EXPECT_EQ(berlin->to_utc(utc(2026, 7, 3, 16, 0)), utc(2026, 7, 3, 14, 0));
    auto york = TimeZone::load("America/New_York");
    ASSERT_TRUE(york);
    EXPECT_EQ(york->to_utc(utc(2026, 3, 8, 2, 30)), utc(2026, 3, 8, 7, 30));    // 03:30 EDT
    EXPECT_EQ(york->to_utc(utc(2026, 11, 1, 1, 30)), utc(2026, 11, 1, 5, 30));  // first: EDT
    // Far past the last transition the footer's rule applies: 2070-07-01 12:00 EDT.
    EXPECT_EQ(york->to_utc(utc(2070, 7, 1, 12, 0)), utc(2070, 7, 1, 16, 0));
    auto sydney = TimeZone::load("Australia/Sydney");
    ASSERT_TRUE(sydney);
    EXPECT_EQ(sydney->to_utc(utc(2026, 1, 15, 10, 0)), utc(2026, 1, 14, 23, 0));  // AEDT +11
    // Round trips on every hour of a year.
    for (Seconds at = utc(2026, 1, 1, 0, 0); at < utc(2027, 1, 1, 0, 0); at += 3600) {
        for (const auto* z : {&*berlin, &*york, &*sydney})
            ASSERT_EQ(z->to_utc(z->to_local(at)) <= at, true);
    }
}

TEST(TimeZone, UnknownAndUnsafeNamesAreErrors) {
    auto missing = TimeZone::load("Europe/Berln");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("unknown time zone 'Europe/Berln'"), std::string::npos);
    EXPECT_FALSE(TimeZone::load("../../etc/passwd"));
    EXPECT_FALSE(TimeZone::load("/etc/localtime"));
    auto u = TimeZone::load("UTC");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->offset_at(utc(2026, 6, 1, 0, 0)), 0);
    EXPECT_FALSE(TimeZone::parse("x", "not a tzif file at all, no, not at all, long enough"));
}

TEST(CivilDates, RoundTripAndWeekdays) {
    EXPECT_EQ(common::days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(common::weekday_of_days(0), 4);                                      // a Thursday
    EXPECT_EQ(common::weekday_of_days(common::days_from_civil(2026, 11, 20)), 5);  // Friday
    EXPECT_EQ(common::weekday_of_days(-1), 3);
    for (Seconds s = -3'000'000'000; s < 5'000'000'000; s += 86'399 * 17) {
        ASSERT_EQ(common::seconds_from_civil(common::civil_from_seconds(s)), s);
    }
}

TEST(Cron, FieldsNamesAndSteps) {
    auto c = common::CronSchedule::parse("0 16 * * FRI");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->minutes_of_day(), std::vector<int>{16 * 60});
    EXPECT_TRUE(c->runs_on(11, 20, 5));
    EXPECT_FALSE(c->runs_on(11, 19, 4));
    auto every = common::CronSchedule::parse("*/15 9-17/4 1,15 jan-mar,DEC 0");
    ASSERT_TRUE(every) << every.error().message;
    EXPECT_EQ(every->minutes_of_day(),
              (std::vector<int>{540, 555, 570, 585, 780, 795, 810, 825, 1020, 1035, 1050, 1065}));
    // Both day fields restricted: either matches (Vixie cron).
    EXPECT_TRUE(every->runs_on(2, 1, 3));   // the 1st, a Wednesday
    EXPECT_TRUE(every->runs_on(12, 7, 0));  // a Sunday
    EXPECT_FALSE(every->runs_on(4, 1, 0));  // April is not listed
    EXPECT_FALSE(every->runs_on(1, 8, 3));
    auto sunday = common::CronSchedule::parse("30 2 * * 7");
    ASSERT_TRUE(sunday);
    EXPECT_TRUE(sunday->runs_on(3, 29, 0));
}

TEST(Cron, ErrorsNameTheField) {
    for (const auto& [text, says] :
         std::vector<std::pair<const char*, const char*>>{{"0 16 * *", "expected five fields"},
                                                          {"60 * * * *", "minute field '60'"},
                                                          {"0 24 * * *", "hour field '24'"},
                                                          {"0 0 0 * *", "day-of-month field '0'"},
                                                          {"0 0 * FOO *", "month field 'FOO'"},
                                                          {"0 0 * * 8", "day-of-week field '8'"},
                                                          {"*/0 * * * *", "bad step"},
                                                          {"5-1 * * * *", "in order"}}) {
        auto c = common::CronSchedule::parse(text);
        ASSERT_FALSE(c) << text;
        EXPECT_NE(c.error().message.find(says), std::string::npos) << c.error().message;
    }
}

}  // namespace
