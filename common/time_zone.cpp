// See time_zone.hpp. TZif (RFC 8536): a header, a 32-bit data block (skipped), then for
// version 2 and later a second header and a 64-bit data block, and a footer holding a POSIX
// TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") that governs every instant after the last
// transition. Only what an offset needs is kept: transition times, their offsets, the offset
// before the first transition, and the footer's rule.
#include "common/time_zone.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

namespace common {

namespace {

constexpr Seconds k_day = 86400;

// The POSIX TZ footer: standard offset, and optionally a DST offset with the rules of when
// it starts and ends each year (offsets in seconds east of UTC).
struct Transition {
    char kind = 'M';  // 'J' (Jn: 1..365, no Feb 29), 'D' (n: 0..365), 'M' (Mm.w.d)
    int day = 0;      // J and D forms
    int month = 0, week = 0, weekday = 0;
    std::int32_t time = 7200;  // seconds after local midnight (may be negative or past 24h)
};

}  // namespace

struct TimeZone::Rule {
    std::int32_t std_offset = 0;
    bool has_dst = false;
    std::int32_t dst_offset = 0;
    Transition start, end;
};

struct TimeZone::Data {
    std::string name;
    std::vector<Seconds> times;          // transition instants, ascending
    std::vector<std::int32_t> offsets;   // the offset from each transition on
    std::int32_t initial_offset = 0;     // before the first transition
    std::optional<TimeZone::Rule> rule;  // after the last transition (or always, with none)
};

std::int64_t days_from_civil(int year, int month, int day) {
    const std::int64_t y = year - (month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int weekday_of_days(std::int64_t days) {
    return static_cast<int>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

CivilTime civil_from_seconds(Seconds seconds) {
    std::int64_t days = seconds / k_day;
    Seconds rest = seconds % k_day;
    if (rest < 0) rest += k_day, --days;
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    CivilTime t;
    t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    t.year = static_cast<int>(yoe + era * 400 + (t.month <= 2 ? 1 : 0));
    t.hour = static_cast<int>(rest / 3600);
    t.minute = static_cast<int>(rest % 3600 / 60);
    t.second = static_cast<int>(rest % 60);
    return t;
}

Seconds seconds_from_civil(const CivilTime& t) {
    return days_from_civil(t.year, t.month, t.day) * k_day + t.hour * 3600 + t.minute * 60 +
           t.second;
}

namespace {

bool leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// --- the POSIX TZ string -------------------------------------------------------------------

class RuleReader {
  public:
    explicit RuleReader(std::string_view s) : m_s(s) {}

    bool done() const { return m_at == m_s.size(); }
    bool take(char c) {
        if (m_at < m_s.size() && m_s[m_at] == c) return ++m_at, true;
        return false;
    }
    char peek() const { return m_at < m_s.size() ? m_s[m_at] : '\0'; }

    // A zone abbreviation: "<+03>" or three or more letters.
    bool name() {
        if (take('<')) {
            while (m_at < m_s.size() && m_s[m_at] != '>') ++m_at;
            return take('>');
        }
        const std::size_t from = m_at;
        while (m_at < m_s.size() &&
               ((m_s[m_at] >= 'A' && m_s[m_at] <= 'Z') || (m_s[m_at] >= 'a' && m_s[m_at] <= 'z')))
            ++m_at;
        return m_at - from >= 3;
    }

    std::optional<int> number() {
        const std::size_t from = m_at;
        int n = 0;
        while (m_at < m_s.size() && m_s[m_at] >= '0' && m_s[m_at] <= '9' && m_at - from < 6)
            n = n * 10 + (m_s[m_at++] - '0');
        if (m_at == from) return std::nullopt;
        return n;
    }

    // [+-]hh[:mm[:ss]] as seconds.
    std::optional<std::int32_t> hms() {
        const bool negative = take('-');
        if (!negative) take('+');
        auto h = number();
        if (!h || *h > 167) return std::nullopt;
        std::int32_t seconds = *h * 3600;
        for (int unit : {60, 1}) {
            if (!take(':')) break;
            auto n = number();
            if (!n || *n > 59) return std::nullopt;
            seconds += *n * unit;
        }
        return negative ? -seconds : seconds;
    }

    std::optional<Transition> transition() {
        Transition t;
        if (take('M')) {
            auto m = number();
            if (!m || !take('.')) return std::nullopt;
            auto w = number();
            if (!w || !take('.')) return std::nullopt;
            auto d = number();
            if (!d || *m < 1 || *m > 12 || *w < 1 || *w > 5 || *d > 6) return std::nullopt;
            t.kind = 'M', t.month = *m, t.week = *w, t.weekday = *d;
        } else {
            t.kind = take('J') ? 'J' : 'D';
            auto n = number();
            if (!n || *n > 365 || (t.kind == 'J' && *n < 1)) return std::nullopt;
            t.day = *n;
        }
        if (take('/')) {
            auto time = hms();
            if (!time) return std::nullopt;
            t.time = *time;
        }
        return t;
    }

  private:
    std::string_view m_s;
    std::size_t m_at = 0;
};

std::optional<TimeZone::Rule> parse_rule(std::string_view text) {
    RuleReader r(text);
    TimeZone::Rule rule;
    if (!r.name()) return std::nullopt;
    auto std_offset = r.hms();
    if (!std_offset) return std::nullopt;
    rule.std_offset = -*std_offset;  // POSIX counts west of UTC as positive
    if (r.done()) return rule;
    if (!r.name()) return std::nullopt;
    rule.has_dst = true;
    rule.dst_offset = rule.std_offset + 3600;
    if (r.peek() != ',' && !r.done()) {
        auto dst = r.hms();
        if (!dst) return std::nullopt;
        rule.dst_offset = -*dst;
    }
    if (r.done()) {
        // No rule given: POSIX leaves the default to the implementation; tzcode uses the US
        // rules (M3.2.0,M11.1.0).
        rule.start = {'M', 0, 3, 2, 0, 7200};
        rule.end = {'M', 0, 11, 1, 0, 7200};
        return rule;
    }
    if (!r.take(',')) return std::nullopt;
    auto start = r.transition();
    if (!start || !r.take(',')) return std::nullopt;
    auto end = r.transition();
    if (!end || !r.done()) return std::nullopt;
    rule.start = *start;
    rule.end = *end;
    return rule;
}

// The local midnight (seconds from the epoch, local) of transition `t` in `year`.
Seconds transition_day(const Transition& t, int year) {
    const std::int64_t jan1 = days_from_civil(year, 1, 1);
    if (t.kind == 'J') {
        int day = t.day - 1;  // Feb 29 is never counted
        if (leap(year) && t.day >= 60) ++day;
        return (jan1 + day) * k_day;
    }
    if (t.kind == 'D') return (jan1 + t.day) * k_day;
    const std::int64_t first = days_from_civil(year, t.month, 1);
    std::int64_t day = first + (t.weekday - weekday_of_days(first) + 7) % 7 + (t.week - 1) * 7;
    static constexpr std::array<int, 12> k_lengths = {31, 28, 31, 30, 31, 30,
                                                      31, 31, 30, 31, 30, 31};
    const int length = k_lengths[t.month - 1] + (t.month == 2 && leap(year) ? 1 : 0);
    while (day >= first + length) day -= 7;  // week 5: the last such weekday
    return day * k_day;
}

std::int32_t rule_offset(const TimeZone::Rule& rule, Seconds at) {
    if (!rule.has_dst) return rule.std_offset;
    const int year = civil_from_seconds(at + rule.std_offset).year;
    // The year's DST start (given in standard time) and end (given in DST), as UTC; a year
    // boundary can fall between them, so the neighbouring years are looked at too.
    for (int y : {year - 1, year, year + 1}) {
        const Seconds start = transition_day(rule.start, y) + rule.start.time - rule.std_offset;
        const Seconds end = transition_day(rule.end, y) + rule.end.time - rule.dst_offset;
        if (start < end) {
            if (at >= start && at < end) return rule.dst_offset;
        } else {
            // Southern hemisphere: DST spans the new year.
            const Seconds next_end =
                transition_day(rule.end, y + 1) + rule.end.time - rule.dst_offset;
            if (at >= start && at < next_end) return rule.dst_offset;
        }
    }
    return rule.std_offset;
}

// --- TZif ----------------------------------------------------------------------------------

class Bytes {
  public:
    explicit Bytes(std::string_view b) : m_b(b) {}
    bool has(std::size_t n) const { return m_at + n <= m_b.size(); }
    std::int64_t be(std::size_t n) {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v = (v << 8) | static_cast<unsigned char>(m_b[m_at + i]);
        m_at += n;
        if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
        return static_cast<std::int64_t>(v);
    }
    unsigned char byte() { return static_cast<unsigned char>(m_b[m_at++]); }
    void skip(std::size_t n) { m_at += n; }
    std::string_view rest() const { return m_b.substr(m_at); }

  private:
    std::string_view m_b;
    std::size_t m_at = 0;
};

struct Header {
    char version = 0;
    std::int64_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
};

std::optional<Header> read_header(Bytes& b) {
    if (!b.has(44)) return std::nullopt;
    Header h;
    const char magic[4] = {static_cast<char>(b.byte()), static_cast<char>(b.byte()),
                           static_cast<char>(b.byte()), static_cast<char>(b.byte())};
    if (std::string_view(magic, 4) != "TZif") return std::nullopt;
    h.version = static_cast<char>(b.byte());
    b.skip(15);
    h.isut = b.be(4), h.isstd = b.be(4), h.leap = b.be(4);
    h.time = b.be(4), h.type = b.be(4), h.chars = b.be(4);
    if (h.time < 0 || h.type < 1 || h.type > 256 || h.chars < 0 || h.leap < 0 || h.isut < 0 ||
        h.isstd < 0)
        return std::nullopt;
    return h;
}

std::size_t block_size(const Header& h, std::size_t time_size) {
    return static_cast<std::size_t>(h.time) * (time_size + 1) +
           static_cast<std::size_t>(h.type) * 6 + static_cast<std::size_t>(h.chars) +
           static_cast<std::size_t>(h.leap) * (time_size + 4) +
           static_cast<std::size_t>(h.isstd + h.isut);
}

bool read_block(Bytes& b, const Header& h, std::size_t time_size, TimeZone::Data& out) {
    if (!b.has(block_size(h, time_size))) return false;
    std::vector<Seconds> times;
    for (std::int64_t i = 0; i < h.time; ++i) times.push_back(b.be(time_size));
    std::vector<int> types;
    for (std::int64_t i = 0; i < h.time; ++i) types.push_back(b.byte());
    std::vector<std::int32_t> offsets;
    for (std::int64_t i = 0; i < h.type; ++i) {
        offsets.push_back(static_cast<std::int32_t>(b.be(4)));
        b.skip(2);  // isdst, abbreviation index
    }
    b.skip(static_cast<std::size_t>(h.chars) + static_cast<std::size_t>(h.leap) * (time_size + 4) +
           static_cast<std::size_t>(h.isstd + h.isut));
    out.times.clear();
    out.offsets.clear();
    for (std::size_t i = 0; i < times.size(); ++i) {
        if (types[i] >= static_cast<int>(offsets.size())) return false;
        if (i > 0 && times[i] <= times[i - 1]) return false;
        out.times.push_back(times[i]);
        out.offsets.push_back(offsets[static_cast<std::size_t>(types[i])]);
    }
    out.initial_offset = offsets[0];  // RFC 8536: type 0 before the first transition
    return true;
}

bool safe_zone_name(std::string_view name) {
    if (name.empty() || name.size() > 128 || name.front() == '/' || name.find("..") != name.npos)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '/' || c == '_' || c == '-' || c == '+';
    });
}

}  // namespace

TimeZone TimeZone::utc() {
    auto data = std::make_shared<Data>();
    data->name = "UTC";
    TimeZone z;
    z.m_data = std::move(data);
    return z;
}

Result<TimeZone> TimeZone::parse(std::string_view name, std::string_view bytes) {
    auto bad = [&](const std::string& why) {
        return fail(ErrorCode::input, "time zone '" + std::string(name) + "': " + why);
    };
    Bytes b(bytes);
    auto h = read_header(b);
    if (!h) return bad("not a TZif file");
    auto data = std::make_shared<Data>();
    data->name = std::string(name);
    if (!read_block(b, *h, 4, *data)) return bad("truncated TZif data");
    if (h->version >= '2') {
        auto h2 = read_header(b);
        if (!h2 || !read_block(b, *h2, 8, *data)) return bad("truncated TZif version 2 data");
        std::string_view footer = b.rest();
        if (footer.size() >= 2 && footer.front() == '\n') {
            footer.remove_prefix(1);
            footer = footer.substr(0, footer.find('\n'));
            if (!footer.empty()) {
                data->rule = parse_rule(footer);
                if (!data->rule) return bad("unreadable TZ rule '" + std::string(footer) + "'");
            }
        }
    }
    TimeZone z;
    z.m_data = std::move(data);
    return z;
}

Result<TimeZone> TimeZone::load(std::string_view name) {
    if (name == "UTC" || name == "Etc/UTC") return utc();
    if (!safe_zone_name(name))
        return fail(ErrorCode::input, "'" + std::string(name) + "' is not a time zone name");
    const char* dir = std::getenv("TZDIR");
    const std::string path =
        std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(ErrorCode::input, "unknown time zone '" + std::string(name) + "' (no " + path +
                                          "; the tzdata package has them)");
    std::ostringstream text;
    text << in.rdbuf();
    return parse(name, text.str());
}

const std::string& TimeZone::name() const {
    return m_data->name;
}

std::int32_t TimeZone::offset_at(Seconds at) const {
    const Data& d = *m_data;
    if (d.times.empty() || at >= d.times.back()) {
        if (d.rule) return rule_offset(*d.rule, at);
        return d.times.empty() ? d.initial_offset : d.offsets.back();
    }
    const auto it = std::upper_bound(d.times.begin(), d.times.end(), at);
    if (it == d.times.begin()) return d.initial_offset;
    return d.offsets[static_cast<std::size_t>(it - d.times.begin() - 1)];
}

Seconds TimeZone::to_utc(Seconds local) const {
    // The offsets in effect within a day of the local time: every UTC instant that shows
    // `local` lies within 26 hours of it.
    std::array<std::int32_t, 4> candidates = {offset_at(local - k_day), offset_at(local + k_day),
                                              offset_at(local - 14 * 3600),
                                              offset_at(local + 14 * 3600)};
    std::optional<Seconds> earliest;
    for (std::int32_t o : candidates) {
        const Seconds t = local - o;
        if (offset_at(t) == o && (!earliest || t < *earliest)) earliest = t;
    }
    if (earliest) return *earliest;
    // In a gap: the offset before it (the smaller one when clocks go forward) moves the time
    // forward by the gap's length.
    const std::int32_t before = offset_at(local - k_day);
    return local - before;
}

}  // namespace common
