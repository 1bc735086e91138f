#pragma once
// Where builds run. The executor (builder.cpp) hands each build to a BuildRunner: the local
// one runs processes (process_runner.cpp), the CodeBuild one builds on AWS CodeBuild
// (codebuild_runner.cpp), and tests may swap in a fake. A runner is an event loop that
// never blocks its caller: start() only submits, and what follows -- the build runs, a line
// of output, the build ended -- is reported to RunnerEvents from collect(), which the
// executor calls on its own thread when ppoll finds one of the runner's descriptors ready or
// the runner's deadline passed. The local runner's loop is exactly that (its pidfds and
// pipes sit in the executor's ppoll); the CodeBuild runner's loop is a thread of its own that
// waits on the network and hands its events over through one descriptor.
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "versioning/records.hpp"

namespace components {

/// A build's whole environment, "NAME=value" each: the part every build of a run has (made
/// once per run and shared) followed by the build's own variables, which the shared part
/// never names. A runner reads it in that order; nothing is copied per build.
class BuildEnv {
  public:
    BuildEnv() = default;
    BuildEnv(std::shared_ptr<const std::vector<std::string>> shared, std::vector<std::string> own)
        : m_shared(std::move(shared)), m_own(std::move(own)) {}

    /// Calls `each(entry)` for every entry, the shared part first.
    template <typename F>
    void each(F&& each) const {
        if (m_shared) {
            for (const std::string& e : *m_shared) each(e);
        }
        for (const std::string& e : m_own) each(e);
    }
    /// Every entry, in order (a copy).
    [[nodiscard]] std::vector<std::string> all() const {
        std::vector<std::string> out;
        each([&](const std::string& e) { out.push_back(e); });
        return out;
    }
    /// The value of `name`, if set.
    [[nodiscard]] std::optional<std::string_view> find(std::string_view name) const {
        std::optional<std::string_view> found;
        each([&](const std::string& e) {
            if (!found && e.size() > name.size() && e.starts_with(name) && e[name.size()] == '=')
                found = std::string_view(e).substr(name.size() + 1);
        });
        return found;
    }

  private:
    std::shared_ptr<const std::vector<std::string>> m_shared;
    std::vector<std::string> m_own;
};

struct Command {
    std::string shell_command;  // means: /bin/sh -c shell_command
    BuildEnv env;               // the whole environment
    std::string cwd;
    std::string log_path;  // stdout and stderr go here (and to the events)
    /// Whether the output also reaches the events line by line. When nobody reads it (a
    /// quiet console, the service) a local build writes straight into its log file: no
    /// pipe, and none of its bytes pass through slipway.
    bool echo = true;
    std::chrono::milliseconds timeout{0};  // 0: none
    std::string component{};               // whose build this is
    std::string remote_id{};    // a remote build already running to follow, not start again
    std::string start_token{};  // remote: the same for every attempt to start this build
};

enum class ExitKind { exited, signaled, timed_out, cancelled, spawn_failed };

struct Finished {
    std::size_t job = 0;
    ExitKind kind = ExitKind::exited;
    int code = 0;                // exit status, or the signal number for `signaled`
    std::string image_digest{};  // as the build reported it (remote builds may)
    bool lost = false;  // the runner lost track of it (it may still run): its end is unknown
};

/// What a runner reports, always on the executor's thread.
class RunnerEvents {
  public:
    virtual ~RunnerEvents() = default;
    /// The build runs now, at `where` (a remote build: once its id is known).
    virtual void started(std::size_t job, const versioning::BuildHandle& where) = 0;
    /// One line of the build's output (already in its log file); only for a command whose
    /// `echo` is set.
    virtual void line(std::size_t job, std::string_view text) = 0;
    /// The build ended; the runner forgets it.
    virtual void finished(const Finished& f) = 0;
};

/// How long a wait may last: until this time, or (nullopt) until something happens.
using Deadline = std::optional<std::chrono::steady_clock::time_point>;

/// A descriptor the executor polls for a runner; `ready` once it is readable (or closed).
struct Watched {
    int fd = -1;
    bool ready = false;
};

class BuildRunner {
  public:
    virtual ~BuildRunner() = default;
    /// Starts `command` as build `job` (a remote runner follows `command.remote_id` instead
    /// of starting a build when it is set). Returns without waiting for the build; a build
    /// that cannot start ends as spawn_failed (reported by collect). Fails only when the
    /// runner itself cannot go on.
    virtual common::Result<void> start(std::size_t job, const Command& command,
                                       RunnerEvents& events) = 0;
    /// Asks every running build to stop (a process group: TERM, then KILL after the grace;
    /// a remote build: StopBuild); each then ends as cancelled.
    virtual void cancel_all() = 0;
    /// Builds started and not yet reported finished.
    [[nodiscard]] virtual std::size_t running() const = 0;
    /// Appends the descriptors the executor must poll for this runner; returns when
    /// collect() must run even if none becomes ready (a timeout, a grace period).
    virtual Deadline watch(std::vector<Watched>& fds) = 0;
    /// Does what `fds` (this runner's entries of the last watch, with their readiness) and
    /// the clock call for, reporting to `events`. Never blocks. An error is the runner's own
    /// failure (the run then stops).
    virtual common::Result<void> collect(std::span<const Watched> fds, RunnerEvents& events) = 0;
};

/// Runs builds as local processes, each in a process group of its own. `grace` is how long
/// a TERM-ed group gets before KILL.
std::unique_ptr<BuildRunner> make_process_runner(std::chrono::milliseconds grace);

}  // namespace components
