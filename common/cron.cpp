// See cron.hpp.
#include "common/cron.hpp"

#include <array>
#include <cctype>

namespace common {
namespace {

constexpr std::array<const char*, 12> k_months = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                  "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 7> k_weekdays = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct Field {
    const char* name;
    int low, high;
    const char* const* names;  // names for low.. (months from 1, weekdays from 0)
    std::size_t name_count;
};

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t from = 0;
    for (;;) {
        const auto at = s.find(sep, from);
        out.push_back(s.substr(from, at == s.npos ? s.npos : at - from));
        if (at == s.npos) return out;
        from = at + 1;
    }
}

std::optional<int> value_of(std::string_view s, const Field& f) {
    if (s.empty()) return std::nullopt;
    if (std::isdigit(static_cast<unsigned char>(s[0]))) {
        int n = 0;
        for (char c : s) {
            if (!std::isdigit(static_cast<unsigned char>(c)) || n > 1000) return std::nullopt;
            n = n * 10 + (c - '0');
        }
        return n;
    }
    std::string upper;
    for (char c : s) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (std::size_t i = 0; i < f.name_count; ++i) {
        if (upper == f.names[i]) return f.low + static_cast<int>(i);
    }
    return std::nullopt;
}

// One field into `out` (bit v for each value v); `star` says whether it was a plain '*'.
Result<void> parse_field(std::string_view text, const Field& f, std::vector<bool>& out,
                         bool& star) {
    auto bad = [&](const std::string& why) {
        return fail(ErrorCode::input,
                    std::string(f.name) + " field '" + std::string(text) + "': " + why);
    };
    star = text == "*";
    const int high = f.high == 6 ? 7 : f.high;  // weekday 7 is Sunday too
    for (std::string_view item : split(text, ',')) {
        int step = 1;
        if (const auto slash = item.find('/'); slash != item.npos) {
            auto n = value_of(item.substr(slash + 1), Field{f.name, 1, 1000, nullptr, 0});
            if (!n || *n < 1) return bad("bad step '" + std::string(item.substr(slash + 1)) + "'");
            step = *n;
            item = item.substr(0, slash);
        }
        int from = f.low, to = high;
        if (item != "*") {
            const auto dash = item.find('-');
            auto a = value_of(item.substr(0, dash), f);
            if (!a) return bad("bad value '" + std::string(item.substr(0, dash)) + "'");
            from = to = *a;
            if (dash != item.npos) {
                auto b = value_of(item.substr(dash + 1), f);
                if (!b) return bad("bad value '" + std::string(item.substr(dash + 1)) + "'");
                to = *b;
            } else if (step > 1) {
                to = high;  // "5/15": from 5 on
            }
        }
        if (from < f.low || to > high || from > to)
            return bad("values must be " + std::to_string(f.low) + "-" + std::to_string(f.high) +
                       (f.high == 6 ? " (or 7 for Sunday)" : "") + ", in order");
        for (int v = from; v <= to; v += step)
            out[static_cast<std::size_t>(v == 7 && f.high == 6 ? 0 : v)] = true;
    }
    return {};
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t at = 0;
    while (at < text.size()) {
        while (at < text.size() && text[at] == ' ') ++at;
        const std::size_t from = at;
        while (at < text.size() && text[at] != ' ') ++at;
        if (at > from) fields.push_back(text.substr(from, at - from));
    }
    if (fields.size() != 5)
        return fail(ErrorCode::input, "cron '" + std::string(text) +
                                          "': expected five fields (minute hour day-of-month "
                                          "month day-of-week), got " +
                                          std::to_string(fields.size()));
    const Field spec[5] = {{"minute", 0, 59, nullptr, 0},
                           {"hour", 0, 23, nullptr, 0},
                           {"day-of-month", 1, 31, nullptr, 0},
                           {"month", 1, 12, k_months.data(), k_months.size()},
                           {"day-of-week", 0, 6, k_weekdays.data(), k_weekdays.size()}};
    std::array<std::vector<bool>, 5> bits;
    std::array<bool, 5> star{};
    for (std::size_t i = 0; i < 5; ++i) {
        bits[i].assign(61, false);
        if (auto ok = parse_field(fields[i], spec[i], bits[i], star[i]); !ok)
            return std::unexpected(ok.error().with_context("cron '" + std::string(text) + "'"));
    }
    CronSchedule c;
    c.m_text = std::string(text);
    for (int h = 0; h < 24; ++h) {
        for (int m = 0; m < 60; ++m) {
            if (bits[1][static_cast<std::size_t>(h)] && bits[0][static_cast<std::size_t>(m)])
                c.m_minutes.push_back(h * 60 + m);
        }
    }
    for (std::size_t d = 1; d <= 31; ++d) c.m_days[d] = bits[2][d];
    for (std::size_t m = 1; m <= 12; ++m) c.m_months[m] = bits[3][m];
    for (std::size_t w = 0; w < 7; ++w) c.m_weekdays[w] = bits[4][w];
    c.m_days_star = star[2];
    c.m_weekdays_star = star[4];
    return c;
}

bool CronSchedule::runs_on(int month, int day, int weekday) const {
    if (!m_months[static_cast<std::size_t>(month)]) return false;
    const bool by_day = m_days[static_cast<std::size_t>(day)];
    const bool by_weekday = m_weekdays[static_cast<std::size_t>(weekday)];
    if (!m_days_star && !m_weekdays_star) return by_day || by_weekday;  // Vixie cron
    return by_day && by_weekday;
}

}  // namespace common
