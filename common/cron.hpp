#pragma once
// Cron schedules (the five fields of crontab(5): minute hour day-of-month month day-of-week)
// as a pure value: which minutes of a civil date they name. Lists, ranges, steps, `*`, month
// and weekday names (JAN..DEC, SUN..SAT), Sunday as 0 or 7, and Vixie cron's rule that when
// both day fields are restricted a day matches either. No time zone here: callers evaluate a
// schedule on a zone's wall clock (common/time_zone.hpp).
#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace common {

class CronSchedule {
  public:
    /// Parses five fields ("0 16 * * FRI"). Fails (ErrorCode::input) naming the field at fault.
    static Result<CronSchedule> parse(std::string_view text);

    /// Whether the schedule runs on this civil date (month 1..12, weekday 0 = Sunday).
    [[nodiscard]] bool runs_on(int month, int day, int weekday) const;
    /// The minutes of a day it runs at (hour * 60 + minute), ascending.
    [[nodiscard]] const std::vector<int>& minutes_of_day() const { return m_minutes; }
    [[nodiscard]] const std::string& text() const { return m_text; }

  private:
    std::string m_text;
    std::bitset<32> m_days;     // 1..31
    std::bitset<13> m_months;   // 1..12
    std::bitset<7> m_weekdays;  // 0..6
    bool m_days_star = true, m_weekdays_star = true;
    std::vector<int> m_minutes;  // minute-of-day values
};

}  // namespace common
