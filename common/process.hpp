#pragma once
// Processes by pid, as /proc shows them: a pid alone can be reused once its process is gone,
// so every check pairs it with the process's start time (clock ticks since boot, field 22 of
// /proc/PID/stat), which no later process with the same pid shares.
#include <cstdint>

namespace common {

/// The start time of process `pid`, or -1 when there is no such process.
std::int64_t process_start(std::int64_t pid);

/// Whether `pid` still runs and is the process that started at `start`.
bool process_alive(std::int64_t pid, std::int64_t start);

/// Kills (SIGKILL) what is left of process group `pgid`, whose leader started at
/// `leader_start`, unless that pid now names another process. While a group has members its
/// id is never handed out as a new pid, so a group whose leader is gone is ours (unless the
/// id went to a later group whose own leader is gone too, which nothing here can tell);
/// a live process with that pid and another start time means the group ended and the pid
/// was reused, and nothing is signalled. Returns whether a signal was sent to a group.
bool stop_process_group(std::int64_t pgid, std::int64_t leader_start);

}  // namespace common
