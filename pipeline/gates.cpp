// See gates.hpp. Freeze windows: a cron window is active at `now` when one of its starts lies
// within `duration` before `now`; the starts are found by walking the zone's wall-clock days
// back from `now` (as many as the duration spans, plus one), each matching day's minutes
// from the last, each converted to UTC by the zone. The end of a freeze is the end of the
// window `now` is in, extended while another window is active at that end (a weekend freeze
// running into a holiday one).
#include "pipeline/gates.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/cron.hpp"
#include "pipeline/host.hpp"

namespace pipeline {
namespace {

using versioning::Millis;
constexpr common::Seconds k_day = 86400;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The interval [start, end) (seconds) of `w` that contains `at`, if any.
std::optional<std::pair<common::Seconds, common::Seconds>> window_at(
    const components::FreezeWindow& w, const common::TimeZone& zone, common::Seconds at) {
    if (w.cron.empty()) {
        const auto from = components::parse_local_time(w.from);
        const auto to = components::parse_local_time(w.to);
        if (!from || !to) return std::nullopt;
        const auto start = zone.to_utc(common::seconds_from_civil(*from));
        const auto end = zone.to_utc(common::seconds_from_civil(*to));
        if (at >= start && at < end) return std::pair{start, end};
        return std::nullopt;
    }
    auto cron = common::CronSchedule::parse(w.cron);
    if (!cron) return std::nullopt;
    const common::Seconds duration = w.duration.count();
    const common::Seconds local_now = zone.to_local(at);
    const std::int64_t today = local_now >= 0 ? local_now / k_day : (local_now - k_day + 1) / k_day;
    const std::int64_t days_back = duration / k_day + 2;
    std::optional<std::pair<common::Seconds, common::Seconds>> best;
    for (std::int64_t day = today; day >= today - days_back; --day) {
        const auto civil = common::civil_from_seconds(day * k_day);
        if (!cron->runs_on(civil.month, civil.day, common::weekday_of_days(day))) continue;
        const auto& minutes = cron->minutes_of_day();
        for (auto m = minutes.rbegin(); m != minutes.rend(); ++m) {
            const common::Seconds start = zone.to_utc(day * k_day + *m * 60);
            if (start > at) continue;
            if (at < start + duration && (!best || start + duration > best->second))
                best = std::pair{start, start + duration};
            if (start + duration + 7200 < at) break;  // earlier starts end earlier still
        }
    }
    return best;
}

std::string describe(const components::FreezeWindow& w) {
    if (!w.reason.empty()) return w.reason;
    if (!w.cron.empty()) return fmt::format("'{}' for {}s ({})", w.cron, w.duration.count(), w.tz);
    return fmt::format("{} to {} ({})", w.from, w.to, w.tz);
}

// "2026-11-23 16:00 Europe/Berlin" for the UTC instant `at` (ms).
std::string local_text(Millis at, const common::TimeZone& zone) {
    const auto t = common::civil_from_seconds(zone.to_local(at / 1000));
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} {}", t.year, t.month, t.day, t.hour, t.minute,
                       zone.name());
}

std::string minutes_text(Millis ms) {
    const Millis minutes = (ms + 59'999) / 60'000;
    if (minutes < 60) return fmt::format("{}m", minutes);
    return fmt::format("{}h{:02}m", minutes / 60, minutes % 60);
}

bool same_images(const versioning::PromotionRequest& r, const versioning::DeploymentRecord& d) {
    for (const auto& i : r.images) {
        auto it = std::find_if(d.images.begin(), d.images.end(),
                               [&](const auto& x) { return x.component == i.component; });
        if (it == d.images.end() || it->image_uri != i.image_uri) return false;
    }
    return true;
}

std::string approvers_text(const components::Gates& g) {
    if (g.approvers.empty()) return "anyone but the requester";
    std::string out;
    for (const auto& a : g.approvers) out += (out.empty() ? "" : ", ") + a;
    return out;
}

void approvals_gate(const GateFacts& f, GateVerdict& v) {
    const auto& g = f.gates;
    if (g.approvals <= 0) return;
    const std::string requester = person_of(f.request.requested_by);
    std::vector<std::string> people;
    for (const auto& d : f.request.decisions) {
        if (d.verdict != "approve") continue;
        const std::string p = person_of(d.actor);
        if (p == requester || !may_approve(g, f.teams, d.actor)) continue;
        if (std::find(people.begin(), people.end(), p) == people.end()) people.push_back(p);
    }
    v.approvers = people;
    std::string who;
    for (const auto& p : people) who += (who.empty() ? "" : ", ") + p;
    const int have = static_cast<int>(people.size());
    if (have >= g.approvals) {
        v.met.push_back(fmt::format("approvals: {} of {} ({})", have, g.approvals, who));
        return;
    }
    v.unmet.push_back(
        {"approvals",
         fmt::format("approvals: {} of {}{}; needs {} more from {}", have, g.approvals,
                     who.empty() ? "" : " (" + who + ")", g.approvals - have, approvers_text(g)),
         std::nullopt});
}

void soak_gate(const GateFacts& f, GateVerdict& v) {
    const Millis needed = static_cast<Millis>(f.gates.soak.count()) * 1000;
    if (needed <= 0) return;
    const Soak s = soak_of(f.request, f.source_history, f.now);
    const std::string from = f.request.from;
    if (s.ran >= needed) {
        v.met.push_back(fmt::format("soak: {} ran these images {} (needs {})", from,
                                    minutes_text(s.ran), minutes_text(needed)));
        return;
    }
    if (s.running) {
        v.unmet.push_back(
            {"soak",
             fmt::format("soak: {} has run these images {} of {}; {} to go", from,
                         minutes_text(s.ran), minutes_text(needed), minutes_text(needed - s.ran)),
             f.now + (needed - s.ran)});
        return;
    }
    v.unmet.push_back(
        {"soak",
         fmt::format("soak: {} ran these images only {} before deployment #{} replaced them "
                     "(needs {}); request the newer images instead",
                     from, minutes_text(s.ran), s.replaced_by, minutes_text(needed)),
         std::nullopt});
}

void freeze_gate(const GateFacts& f, GateVerdict& v) {
    if (f.gates.freeze.empty()) return;
    for (const auto& d : f.request.decisions) {
        if (d.verdict != "override-freeze") continue;
        v.freeze_overridden = true;
        v.met.push_back(fmt::format("freeze: overridden by {} ({})", d.actor, d.reason));
        return;
    }
    auto frozen = active_freeze(f.gates.freeze, f.zones, f.now);
    if (!frozen) {
        v.met.push_back("freeze: no freeze window now");
        return;
    }
    const auto& zone = f.zones.at(frozen->tz);
    v.unmet.push_back({"freeze",
                       fmt::format("freeze: {} until {} ({})", frozen->reason,
                                   iso_time(frozen->until), local_text(frozen->until, zone)),
                       frozen->until});
}

}  // namespace

std::string person_of(std::string_view actor) {
    if (actor.starts_with("oidc:")) return lower(actor.substr(5));
    if (const auto colon = actor.find(':'); colon != std::string_view::npos)
        actor = actor.substr(colon + 1);
    if (const auto at = actor.find('@'); at != std::string_view::npos) actor = actor.substr(0, at);
    return lower(actor);
}

bool may_approve(const components::Gates& gates,
                 const std::map<std::string, std::vector<std::string>>& teams,
                 std::string_view actor) {
    if (gates.approvers.empty()) return true;
    const std::string person = person_of(actor);
    auto named = [&](const std::string& entry) {
        return entry == actor || person_of(entry) == person ||
               (actor.starts_with("oidc:") && lower(entry) == person);
    };
    for (const auto& a : gates.approvers) {
        if (!a.starts_with("team:")) {
            if (named(a)) return true;
            continue;
        }
        auto team = teams.find(a.substr(5));
        if (team == teams.end()) continue;
        if (std::any_of(team->second.begin(), team->second.end(), named)) return true;
    }
    return false;
}

common::Result<Zones> load_zones(const components::Gates& gates) {
    Zones zones;
    for (const auto& w : gates.freeze) {
        if (zones.contains(w.tz)) continue;
        auto z = common::TimeZone::load(w.tz);
        if (!z) return std::unexpected(z.error());
        zones.emplace(w.tz, std::move(*z));
    }
    return zones;
}

std::optional<ActiveFreeze> active_freeze(const std::vector<components::FreezeWindow>& windows,
                                          const Zones& zones, Millis now) {
    std::optional<ActiveFreeze> out;
    common::Seconds at = now / 1000;
    for (int hops = 0; hops < 64; ++hops) {
        std::optional<common::Seconds> end;
        std::string reason, tz;
        for (const auto& w : windows) {
            auto zone = zones.find(w.tz);
            if (zone == zones.end()) continue;
            auto span = window_at(w, zone->second, at);
            if (span && (!end || span->second > *end))
                end = span->second, reason = describe(w), tz = w.tz;
        }
        if (!end) break;
        if (!out) out = ActiveFreeze{0, reason, tz};
        out->until = *end * 1000;
        at = *end;  // does another window go on from there?
    }
    return out;
}

std::optional<Millis> GateVerdict::next_change() const {
    std::optional<Millis> out;
    for (const auto& u : unmet) {
        if (u.until && (!out || *u.until < *out)) out = u.until;
    }
    return out;
}

Soak soak_of(const versioning::PromotionRequest& request,
             const std::vector<versioning::DeploymentRecord>& source_history, Millis now) {
    Soak s;
    std::optional<Millis> start;
    for (const auto& d : source_history) {
        if (d.status != versioning::deployment_status::succeeded ||
            d.id < request.source_deployment)
            continue;
        if (!start) {
            if (d.id != request.source_deployment) break;  // the source's record is missing
            start = d.finished_at.value_or(d.started_at);
            continue;
        }
        if (!same_images(request, d)) {
            s.ran = std::max<Millis>(0, d.finished_at.value_or(d.started_at) - *start);
            s.replaced_by = d.id;
            return s;
        }
    }
    if (!start) return s;
    s.running = true;
    s.ran = std::max<Millis>(0, now - *start);
    return s;
}

GateVerdict evaluate_gates(const GateFacts& facts) {
    GateVerdict v;
    approvals_gate(facts, v);
    soak_gate(facts, v);
    freeze_gate(facts, v);
    return v;
}

}  // namespace pipeline
