#pragma once
// Time zones from the system's tz database (tzdata's TZif files under /usr/share/zoneinfo,
// or $TZDIR), as immutable values: the UTC offset at an instant, and the instant of a local
// wall-clock time. Freeze windows of promotion gates are written in a named zone and must
// hold across DST changes in any zone, so slipway reads the files itself (RFC 8536: the
// 64-bit transitions, then the POSIX TZ rule of the footer for instants past the last one)
// rather than setting TZ for localtime_r, which is process-wide and races with the service's
// threads; GCC 12's libstdc++ has no std::chrono::tzdb. glibc's localtime_r is the oracle in
// tests/common/time_zone_test.cpp.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace common {

/// Seconds since the Unix epoch (UTC), or a local wall-clock time counted the same way.
using Seconds = std::int64_t;

/// A civil date and time of day (proleptic Gregorian), as written in a manifest.
struct CivilTime {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31
    int hour = 0;
    int minute = 0;
    int second = 0;
};

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(int year, int month, int day);
/// The civil time of `seconds` counted from the epoch (UTC, or local wall-clock seconds).
CivilTime civil_from_seconds(Seconds seconds);
/// `t` as seconds from the epoch (no zone: UTC, or local wall-clock seconds).
Seconds seconds_from_civil(const CivilTime& t);
/// 0 = Sunday .. 6 = Saturday, for days since the epoch.
int weekday_of_days(std::int64_t days);

class TimeZone {
  public:
    /// UTC itself (offset 0 at every instant).
    static TimeZone utc();
    /// The zone `name` ("Europe/Berlin", "UTC", "America/New_York") read from the tz
    /// database. Fails (ErrorCode::input) for a name that is not a zone there or not a safe
    /// file name, naming it.
    static Result<TimeZone> load(std::string_view name);
    /// A zone from TZif bytes (for tests and for load); `name` for messages.
    static Result<TimeZone> parse(std::string_view name, std::string_view bytes);

    [[nodiscard]] const std::string& name() const;
    /// The offset from UTC (seconds east) in effect at the UTC instant `at`.
    [[nodiscard]] std::int32_t offset_at(Seconds at) const;
    /// The UTC instant of the local wall-clock time `local`. A time that does not exist (the
    /// hour skipped when clocks go forward) is moved forward by the length of the gap, as a
    /// clock would show it; a time that exists twice (clocks go back) is its first occurrence.
    [[nodiscard]] Seconds to_utc(Seconds local) const;
    /// The local wall-clock time at the UTC instant `at`.
    [[nodiscard]] Seconds to_local(Seconds at) const { return at + offset_at(at); }

    struct Rule;  // the POSIX TZ footer, parsed (time_zone.cpp)
    struct Data;  // transitions, offsets and the rule (time_zone.cpp)

  private:
    std::shared_ptr<const Data> m_data;
};

}  // namespace common
