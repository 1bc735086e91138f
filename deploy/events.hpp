#pragma once
// Following a stack operation through its events, as pure functions: which events of a
// DescribeStackEvents page belong to our operation and are new, when the operation ended,
// and how long to wait before the next poll.
//
// Ours: where AWS stamps events with the ClientRequestToken of the operation (real
// CloudFormation does), the events carrying our token. Where no event carries a token
// (moto), the events newer than the stack-level CREATE_IN_PROGRESS / UPDATE_IN_PROGRESS that
// started the operation (the stack was in a stable state when we executed, so the newest
// such start is ours). On later polls, everything newer than the last event seen.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deploy/cloudformation.hpp"

namespace deploy {

struct EventCursor {
    std::string last_seen;  // newest event id of ours seen so far
    bool started = false;   // our operation's first event was found
};

/// The new events of our operation in `page` (newest first, as AWS returns them), returned
/// oldest first; advances `cursor`.
std::vector<StackEvent> take_new_events(const std::vector<StackEvent>& page,
                                        const std::string& stack, const std::string& token,
                                        EventCursor& cursor);

/// The stack's final status if `events` hold the stack-level event that ends the operation.
std::optional<std::string> final_status(const std::vector<StackEvent>& events,
                                        const std::string& stack);

/// When the event happened, from its ISO 8601 timestamp ("2026-11-22T03:12:45.123Z"), in
/// milliseconds since the epoch; nullopt when the timestamp cannot be read.
std::optional<std::int64_t> event_time(const StackEvent& event);

/// The wait before poll number `attempt` (0, 1, ...): 200 ms growing by 1.5× to 10 s, with
/// jitter (between half and all of it; `random` in [0, 1)).
std::chrono::milliseconds poll_delay(int attempt, double random);

}  // namespace deploy
