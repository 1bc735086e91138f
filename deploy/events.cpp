#include "deploy/events.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "deploy/stack_state.hpp"

namespace deploy {
namespace {

bool is_start(const StackEvent& e, const std::string& stack) {
    return e.logical_id == stack &&
           (e.status == "CREATE_IN_PROGRESS" || e.status == "UPDATE_IN_PROGRESS" ||
            e.status == "IMPORT_IN_PROGRESS");  // not DELETE: a failed create deletes itself
}

}  // namespace

EventCursor cursor_after(const std::string& newest) {
    EventCursor c;
    c.last_seen = newest;
    c.marked = true;
    return c;
}

namespace {

// Without a mark: the events of the page since its newest stack-level start (see events.hpp).
std::vector<StackEvent> take_unmarked(const std::vector<StackEvent>& page, const std::string& stack,
                                      const std::string& token, EventCursor& cursor) {
    const bool tokens = std::any_of(page.begin(), page.end(), [](const StackEvent& e) {
        return !e.client_request_token.empty();
    });
    std::vector<StackEvent> ours;  // newest first
    for (const auto& e : page) {
        if (!cursor.last_seen.empty() && e.id == cursor.last_seen) break;
        if (tokens && !token.empty()) {
            if (e.client_request_token == token) ours.push_back(e);
            continue;
        }
        ours.push_back(e);
        if (!cursor.started && is_start(e, stack)) break;
    }
    if (!cursor.started) {
        const bool found = tokens && !token.empty() ? !ours.empty()
                                                    : !ours.empty() && is_start(ours.back(), stack);
        if (!found) return {};
        cursor.started = true;
    }
    if (!ours.empty()) cursor.last_seen = ours.front().id;
    std::reverse(ours.begin(), ours.end());
    return ours;
}

}  // namespace

std::vector<StackEvent> take_new_events(const std::vector<StackEvent>& page,
                                        const std::string& stack, const std::string& token,
                                        EventCursor& cursor) {
    if (!cursor.marked) return take_unmarked(page, stack, token, cursor);
    std::vector<const StackEvent*> fresh;  // newest first
    for (const auto& e : page) {
        if (!cursor.last_seen.empty() && e.id == cursor.last_seen) break;
        fresh.push_back(&e);
    }
    if (!fresh.empty()) cursor.last_seen = fresh.front()->id;
    std::vector<StackEvent> ours;  // oldest first
    for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
        const StackEvent& e = **it;
        const bool has_token = !e.client_request_token.empty();
        if (has_token && e.client_request_token != token) continue;  // another operation's
        if (!cursor.started) {
            if (!is_start(e, stack)) continue;  // what came before ours began
            cursor.started = true;
            cursor.stamped = has_token;
        } else if (cursor.stamped && !has_token) {
            continue;
        }
        ours.push_back(e);
    }
    return ours;
}

std::optional<std::string> final_status(const std::vector<StackEvent>& events,
                                        const std::string& stack) {
    for (const auto& e : events) {
        // A first create that fails goes on to delete the stack (OnStackFailure=DELETE), so
        // its CREATE_FAILED is not the end.
        if (e.logical_id == stack && is_terminal_stack_status(e.status) &&
            e.status != "CREATE_FAILED")
            return e.status;
    }
    return std::nullopt;
}

std::optional<std::int64_t> event_time(const StackEvent& event) {
    return iso_millis(event.timestamp);
}

std::optional<std::int64_t> iso_millis(const std::string& timestamp) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
    const char* text = timestamp.c_str();
    if (std::sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
                    &used) != 6)
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    std::int64_t millis = static_cast<std::int64_t>(timegm(&tm)) * 1000;
    const char* rest = text + used;
    if (*rest == '.') {  // fractions of a second: the first three digits are milliseconds
        int scale = 100;
        for (++rest; std::isdigit(static_cast<unsigned char>(*rest)); ++rest, scale /= 10)
            if (scale > 0) millis += (*rest - '0') * scale;
    }
    return millis;
}

std::chrono::milliseconds poll_delay(int attempt, double random) {
    const double full = std::min(10000.0, 200.0 * std::pow(1.5, std::max(0, attempt)));
    return std::chrono::milliseconds(static_cast<long>(full / 2 + random * full / 2));
}

}  // namespace deploy
