#pragma once
// Following a stack operation through its events, as pure functions: which events of a
// DescribeStackEvents page belong to our operation and are new, when the operation ended,
// and how long to wait before the next poll.
//
// Ours: the deploy reads the stack's newest event before it executes its change set (the
// mark). The stack was stable then and our change set still valid, so the next operation on
// the stack is ours (another one would have made our change set obsolete, and ours cannot
// start while another runs). Of the events after the mark, ours start at the stack-level
// CREATE_IN_PROGRESS / UPDATE_IN_PROGRESS; an event stamped with another ClientRequestToken is
// never ours, and once ours carry our token (real CloudFormation stamps every event of an
// operation with it; moto stamps none), an unstamped one is not ours either. Pages read right
// after ExecuteChangeSet may not show ours yet: they show only what is older than the mark,
// or lagging events of the operation before, and yield nothing.
//
// Without a mark (a caller that read no event before), the newest stack-level start of the
// first page that shows one is taken for ours -- which can be the previous operation's: the
// deploy always sets the mark.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deploy/cloudformation.hpp"

namespace deploy {

struct EventCursor {
    std::string last_seen;  // newest event id seen so far (the mark, to begin with)
    bool started = false;   // our operation's first event was found
    bool marked = false;    // last_seen was read before our operation was executed
    bool stamped = false;   // our events carry our token
};

/// A cursor whose mark is `newest` (the newest event id before executing; empty when the
/// stack had none).
EventCursor cursor_after(const std::string& newest);

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
/// The same for any such timestamp (a stack's LastUpdatedTime).
std::optional<std::int64_t> iso_millis(const std::string& timestamp);

/// The wait before poll number `attempt` (0, 1, ...): 200 ms growing by 1.5× to 10 s, with
/// jitter (between half and all of it; `random` in [0, 1)).
std::chrono::milliseconds poll_delay(int attempt, double random);

}  // namespace deploy
