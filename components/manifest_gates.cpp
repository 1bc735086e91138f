// The safety settings of an environment in the manifest: promotion gates (approvals,
// approvers, soak, freeze windows), alarms (CloudFormation rollback triggers) and
// `promote: auto`, and the top-level `teams:` that approver lists name. Everything that can
// be checked without the store is checked here: cron syntax, time zone names (against the
// tz database), local times, durations, ARNs, and teams that exist.
#include <algorithm>

#include "common/cron.hpp"
#include "components/manifest_reader.hpp"

namespace components::detail {
namespace {

const std::vector<std::string> k_gate_keys = {"approvals", "approvers", "soak", "freeze"};
const std::vector<std::string> k_freeze_keys = {"cron", "duration", "from", "to", "tz", "reason"};
const std::vector<std::string> k_alarm_keys = {"arns", "monitor"};

// The max monitoring time CloudFormation accepts (MonitoringTimeInMinutes).
constexpr std::chrono::minutes k_max_monitor{180};

Result<std::chrono::seconds> duration_field(const Reader& r, const Node& n, const What& what,
                                            std::chrono::seconds limit) {
    auto text = r.scalar(n, what);
    if (!text) return std::unexpected(text.error());
    auto seconds = parse_duration_up_to(*text, limit);
    if (!seconds)
        return r.error(n, what.str() + ": bad duration '" + *text +
                              "' (use e.g. 30m, 64h; at most " +
                              std::to_string(limit.count() / 3600) + "h)");
    return *seconds;
}

Result<FreezeWindow> parse_window(const Reader& r, const Node& n, const std::string& where) {
    FreezeWindow w;
    w.pos = r.pos(n);
    if (!n.is_map()) return r.error(n, where + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_freeze_keys, {where}); !ok) return std::unexpected(ok.error());
    for (auto [key, out] : {std::pair{"cron", &w.cron},
                            {"from", &w.from},
                            {"to", &w.to},
                            {"tz", &w.tz},
                            {"reason", &w.reason}}) {
        if (Node value = n[key]) {
            auto text = r.scalar(value, {where, key});
            if (!text) return std::unexpected(text.error());
            *out = std::move(*text);
        }
    }
    auto zone = common::TimeZone::load(w.tz);
    if (!zone) return r.error(n["tz"] ? n["tz"] : n, where + ".tz: " + zone.error().message);
    if (!w.cron.empty()) {
        if (n["from"] || n["to"])
            return r.error(n, where + ": give either cron and duration, or from and to");
        if (auto c = common::CronSchedule::parse(w.cron); !c)
            return r.error(n["cron"], where + ".cron: " + c.error().message);
        if (!n["duration"]) return r.error(n, where + ": a cron window needs 'duration'");
        auto d = duration_field(r, n["duration"], {where, "duration"}, k_max_freeze);
        if (!d) return std::unexpected(d.error());
        w.duration = *d;
        return w;
    }
    if (n["duration"]) return r.error(n["duration"], where + ": 'duration' goes with 'cron'");
    if (w.from.empty() || w.to.empty())
        return r.error(n, where + ": give either cron and duration, or from and to");
    for (auto [key, text] : {std::pair{"from", &w.from}, {"to", &w.to}}) {
        if (!parse_local_time(*text))
            return r.error(n[key], where + "." + key + ": '" + *text +
                                       "' is not a local time YYYY-MM-DDTHH:MM");
    }
    const auto from = zone->to_utc(common::seconds_from_civil(*parse_local_time(w.from)));
    const auto to = zone->to_utc(common::seconds_from_civil(*parse_local_time(w.to)));
    if (to <= from) return r.error(n["to"], where + ".to: must be after 'from'");
    return w;
}

Result<void> parse_gates(const Reader& r, const Node& n, const std::string& where, Environment& e) {
    const std::string what = where + ".gates";
    if (!n.is_map()) return r.error(n, what + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_gate_keys, {what}); !ok) return ok;
    Gates& g = e.gates;
    g.pos = r.pos(n);
    auto approvers = r.strings(n["approvers"], {what, "approvers"});
    if (!approvers) return std::unexpected(approvers.error());
    g.approvers = std::move(*approvers);
    for (std::size_t i = 0; i < g.approvers.size(); ++i) {
        const auto& a = g.approvers[i];
        if (a.empty() || a == "team:" || a.find_first_of(" \t,") != std::string::npos) {
            auto item = n["approvers"].children().begin();
            std::advance(item, static_cast<std::ptrdiff_t>(i));
            return r.error(*item, what + ".approvers: '" + a + "' is not a name or team:NAME");
        }
    }
    g.approvals = g.approvers.empty() ? 0 : 1;
    if (Node count = n["approvals"]) {
        auto text = r.scalar(count, {what, "approvals"});
        if (!text) return std::unexpected(text.error());
        const bool digits =
            !text->empty() && text->size() <= 2 &&
            std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || std::stoi(*text) > 20)
            return r.error(count, what + ".approvals: expected a number from 0 to 20");
        g.approvals = std::stoi(*text);
    }
    const bool teams = std::any_of(g.approvers.begin(), g.approvers.end(),
                                   [](const auto& a) { return a.starts_with("team:"); });
    if (!teams && !g.approvers.empty() && g.approvals > static_cast<int>(g.approvers.size()))
        return r.error(n["approvals"], what + ".approvals: " + std::to_string(g.approvals) +
                                           " approvals needed but only " +
                                           std::to_string(g.approvers.size()) +
                                           " approvers listed");
    if (Node soak = n["soak"]) {
        auto d = duration_field(r, soak, {what, "soak"}, k_max_duration);
        if (!d) return std::unexpected(d.error());
        g.soak = *d;
    }
    Node freeze = n["freeze"];
    if (freeze && !freeze.is_null()) {
        if (!freeze.is_sequence())
            return r.error(freeze, what + ".freeze: expected a list, got " + node_type(freeze));
        int i = 0;
        for (Node item : freeze.children()) {
            auto w = parse_window(r, item, what + ".freeze[" + std::to_string(i++) + "]");
            if (!w) return std::unexpected(w.error());
            g.freeze.push_back(std::move(*w));
        }
    }
    return {};
}

bool valid_alarm_arn(std::string_view arn) {
    // arn:PARTITION:cloudwatch:REGION:ACCOUNT:alarm:NAME
    std::vector<std::string_view> parts;
    std::size_t from = 0;
    for (int i = 0; i < 6; ++i) {
        const auto colon = arn.find(':', from);
        if (colon == std::string_view::npos) return false;
        parts.push_back(arn.substr(from, colon - from));
        from = colon + 1;
    }
    return parts[0] == "arn" && !parts[1].empty() && parts[2] == "cloudwatch" &&
           !parts[3].empty() && parts[4].size() == 12 && parts[5] == "alarm" && from < arn.size();
}

Result<void> parse_alarms(const Reader& r, const Node& n, const std::string& where,
                          Environment& e) {
    const std::string what = where + ".alarms";
    if (!n.is_map()) return r.error(n, what + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_alarm_keys, {what}); !ok) return ok;
    auto arns = r.strings(n["arns"], {what, "arns"});
    if (!arns) return std::unexpected(arns.error());
    if (arns->empty()) return r.error(n, what + ": 'arns' lists no alarm");
    if (arns->size() > 5)
        return r.error(n["arns"], what + ".arns: CloudFormation takes at most 5 rollback triggers");
    std::size_t i = 0;
    for (Node item : n["arns"].children()) {
        if (!valid_alarm_arn((*arns)[i++]))
            return r.error(item, what + ".arns: '" + std::string(item.scalar()) +
                                     "' is not a CloudWatch alarm ARN "
                                     "(arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME)");
    }
    e.alarms.arns = std::move(*arns);
    if (Node monitor = n["monitor"]) {
        auto d = duration_field(r, monitor, {what, "monitor"}, k_max_monitor);
        if (!d) return std::unexpected(d.error());
        e.alarms.monitor = *d;
    }
    return {};
}

}  // namespace
}  // namespace components::detail

namespace components {

std::optional<common::CivilTime> parse_local_time(std::string_view s) {
    // YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS
    if (s.size() != 16 && s.size() != 19) return std::nullopt;
    auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return std::nullopt;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':') return std::nullopt;
    if (s.size() == 19 && s[16] != ':') return std::nullopt;
    auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2),
         mi = digits(14, 2);
    auto sec = s.size() == 19 ? digits(17, 2) : std::optional<int>(0);
    if (!y || !mo || !d || !h || !mi || !sec) return std::nullopt;
    common::CivilTime t{*y, *mo, *d, *h, *mi, *sec};
    if (*mo < 1 || *mo > 12 || *d < 1 || *h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
    // The day exists in its month.
    if (common::civil_from_seconds(common::seconds_from_civil(t)).day != *d) return std::nullopt;
    return t;
}

}  // namespace components

namespace components::detail {

Result<void> parse_safety(const Reader& r, const Node& n, const std::string& where,
                          Environment& e) {
    if (Node gates = n["gates"]; gates && !gates.is_null()) {
        if (auto ok = parse_gates(r, gates, where, e); !ok) return ok;
    }
    if (Node alarms = n["alarms"]; alarms && !alarms.is_null()) {
        if (auto ok = parse_alarms(r, alarms, where, e); !ok) return ok;
    }
    if (Node promote = n["promote"]) {
        auto text = r.scalar(promote, {where, "promote"});
        if (!text) return std::unexpected(text.error());
        if (*text != "auto" && *text != "manual")
            return r.error(promote,
                           where + ".promote: expected auto or manual, got '" + *text + "'");
        e.promote_auto = *text == "auto";
    }
    return {};
}

Result<void> parse_teams(const Reader& r, const Node& n, Manifest& m) {
    if (!n || n.is_null()) return {};
    if (!n.is_map()) return r.error(n, "teams: expected a map, got " + node_type(n));
    for (const auto& [key, value] : n.entries()) {
        auto name = r.key_name(key, {"teams"});
        if (!name) return std::unexpected(name.error());
        if (!valid_name(*name)) return r.error(key, "teams: invalid team name '" + *name + "'");
        auto people = r.strings(value, {"teams", *name});
        if (!people) return std::unexpected(people.error());
        if (!m.teams.emplace(*name, std::move(*people)).second)
            return r.error(key, "teams: duplicate team '" + *name + "'");
    }
    return {};
}

Result<void> check_safety(const Reader& r, const Node& environments, const Manifest& m) {
    std::size_t index = 0;
    for (const auto& [key, value] : environments.entries()) {
        const Environment& e = m.environments[index++];
        const std::string where = "environment '" + e.name + "'";
        if ((e.gates.any() || e.promote_auto) && e.promote_from.empty()) {
            Node at = value["gates"] ? value["gates"] : value["promote"];
            return r.error(at, where +
                                   ": gates and promote: auto apply to promotions, and it has "
                                   "no promote_from");
        }
        // A team the manifest does not define is GitHub's (pipeline/teams.hpp): accepted
        // here; `slipway validate` says so (a typo would be one too).
    }
    return {};
}

}  // namespace components::detail
