#pragma once
// Running build commands. The Builder talks to a CommandRunner; ProcessRunner runs real
// processes, each in its own process group, and tests may swap in a fake.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace components {

struct Command {
    std::string shell_command;     // means: /bin/sh -c shell_command
    std::vector<std::string> env;  // the whole environment, "NAME=value"
    std::string cwd;
    std::string log_path;                  // stdout and stderr go here (and to the sink)
    std::chrono::milliseconds timeout{0};  // 0: none
};

enum class ExitKind { exited, signaled, timed_out, cancelled, spawn_failed };

struct Finished {
    std::size_t job = 0;
    ExitKind kind = ExitKind::exited;
    int code = 0;  // exit status, or the signal number for `signaled`
};

/// What a wait saw first: a command's end, an interrupt, or the caller's deadline.
enum class WaitKind { finished, interrupted, deadline };

struct Waited {
    WaitKind kind = WaitKind::finished;
    Finished build;  // for WaitKind::finished
};

/// How long a wait may last: until this time, or (nullopt) until something happens.
using Deadline = std::optional<std::chrono::steady_clock::time_point>;

/// Receives the output of running commands, line by line, and a periodic tick.
class OutputSink {
  public:
    virtual ~OutputSink() = default;
    virtual void line(std::size_t job, std::string_view text) = 0;
    /// How often tick() wants to run while commands run; zero for never.
    [[nodiscard]] virtual std::chrono::milliseconds tick_interval() const { return {}; }
    virtual void tick() {}
};

class CommandRunner {
  public:
    virtual ~CommandRunner() = default;
    /// Starts a command for `job`. A command that cannot start ends at once as spawn_failed.
    virtual common::Result<void> start(std::size_t job, const Command& command) = 0;
    /// Waits until a started command ends, an interrupt arrives or `until` passes.
    virtual common::Result<Waited> wait_one(Deadline until) = 0;
    /// Asks every running command to stop (TERM, then KILL after the grace period); they
    /// then end as cancelled through wait_one.
    virtual void cancel_all() = 0;
    [[nodiscard]] virtual std::size_t running() const = 0;
};

/// Runs commands as processes. `interrupt_fd` (may be -1) is polled: one byte on it is an
/// interrupt. `grace` is how long a TERM-ed process group gets before KILL.
std::unique_ptr<CommandRunner> make_process_runner(OutputSink& sink, int interrupt_fd,
                                                   std::chrono::milliseconds grace);

}  // namespace components
