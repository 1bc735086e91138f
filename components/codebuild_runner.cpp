// The CodeBuild runner. The executor's side only queues requests (start, cancel) and hands
// over events; one thread of the runner's own makes every AWS call, so no executor or TBB
// thread ever waits on the network. Its loop:
//
//  - StartBuild each queued build with sourceVersion = the commit, the build's SLIPWAY_*
//    variables (plus SLIPWAY_BUILD_COMMAND) as environmentVariablesOverride and an
//    idempotency token (run:component:attempt), so a retried request never starts a second
//    build. "Cannot have more than N active builds" and throttling are waited out: the build
//    stays queued and is tried again after a backoff. An interrupted run's build that is
//    still running (Command::remote_id) is followed instead of started.
//  - Every poll interval, BatchGetBuilds for up to 100 builds a call. The interval starts at
//    poll_min and backs off (x2, +-20% jitter) to poll_max while no build changes phase; a
//    change brings it back. Newly ended phases and their contexts become log lines.
//  - Logs are followed with GetLogEvents (startFromHead, then nextForwardToken) into the
//    build's log file and the console, within a shared budget of calls per second (least
//    recently read build first); a build that ended has the rest of its stream read before
//    its end is reported, so a log is complete and in order when the build is.
//  - The final status maps to the executor's kinds: SUCCEEDED -> exit 0, FAILED -> the exit
//    status in the BUILD phase's context (else 1), FAULT -> failed, TIMED_OUT -> timed out,
//    STOPPED -> cancelled. SLIPWAY_IMAGE_DIGEST among exportedEnvironmentVariables is the
//    image's digest. Cancelling (Ctrl-C, --fail-fast) and a build's own timeout StopBuild.
//  - If CodeBuild cannot be reached for max_failed_polls polls in a row, the runner gives
//    up: its builds end as lost (their records stay running, for a later run to await) and
//    the run fails.
#include "components/codebuild_runner.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include "components/codebuild_api.hpp"

namespace components {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t k_batch = 100;  // BatchGetBuilds takes at most 100 ids

struct Event {
    enum Kind { started, line, finished, failed } kind = line;
    std::size_t job = 0;
    std::string text;  // the line, the build ARN, or the runner's error
    Finished done{};
};

// One build as the loop knows it.
struct Remote {
    std::size_t job = 0;
    Command command;
    std::string id;  // CodeBuild's build id, once started
    std::string arn;
    std::string log_group, log_stream, log_token;
    std::size_t phases_told = 0;
    int log_fd = -1;
    std::optional<Clock::time_point> deadline;
    std::optional<ExitKind> stopped_as;  // why we asked CodeBuild to stop it
    bool stop_sent = false;
    Clock::time_point logs_read_at{};
    Clock::time_point retry_at{};  // queued: the next StartBuild attempt
    milliseconds backoff{0};
};

// The exit status a FAILED build's BUILD phase names ("... Reason: exit status 2"), else 1.
int exit_status_of(const CodeBuildBuild& b) {
    static const std::regex status("exit status ([0-9]+)");
    for (const auto& p : b.phases) {
        for (const auto& c : p.contexts) {
            std::smatch m;
            if (std::regex_search(c, m, status)) return std::stoi(m[1].str());
        }
    }
    return 1;
}

Finished finished_of(const Remote& r, const CodeBuildBuild& b) {
    Finished f{r.job, ExitKind::exited, 0, {}};
    if (b.status == "SUCCEEDED") f.code = 0;
    if (b.status == "FAILED") f.code = exit_status_of(b);
    if (b.status == "FAULT") f.kind = ExitKind::spawn_failed;
    if (b.status == "TIMED_OUT") f.kind = ExitKind::timed_out;
    if (b.status == "STOPPED") f.kind = r.stopped_as.value_or(ExitKind::cancelled);
    if (auto d = b.exported.find("SLIPWAY_IMAGE_DIGEST"); d != b.exported.end())
        f.image_digest = d->second;
    return f;
}

// The variables CodeBuild gets: the build's own SLIPWAY_* (not the local checkout's path)
// and the command to run.
std::vector<std::pair<std::string, std::string>> remote_env(const Command& c) {
    std::vector<std::pair<std::string, std::string>> out;
    c.env.each([&](const std::string& e) {
        const auto eq = e.find('=');
        if (!e.starts_with("SLIPWAY_") || eq == std::string::npos) return;
        if (e.starts_with("SLIPWAY_REPO_ROOT=")) return;
        out.emplace_back(e.substr(0, eq), e.substr(eq + 1));
    });
    out.emplace_back("SLIPWAY_BUILD_COMMAND", c.shell_command);
    return out;
}

class CodeBuildRunner final : public BuildRunner {
  public:
    CodeBuildRunner(std::shared_ptr<aws::Client> client, CodeBuildRunnerOptions options)
        : m_client(std::move(client)),
          m_api(*m_client),
          m_o(std::move(options)),
          m_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
          m_interval(m_o.poll_min),
          m_log_tokens(m_o.log_calls_per_second),
          m_thread([this] { loop(); }) {}

    ~CodeBuildRunner() override {
        {
            std::lock_guard lock(m_mutex);
            m_quit = true;
        }
        m_wake.notify_one();
        m_thread.join();
        for (auto& [job, r] : m_active) close_log(r);
        ::close(m_fd);
        std::string calls;
        for (const auto& [name, n] : m_api.calls()) calls += fmt::format(" {} {}", name, n);
        spdlog::debug("codebuild: API calls:{}", calls.empty() ? " none" : calls);
    }

    common::Result<void> start(std::size_t job, const Command& c, RunnerEvents&) override {
        ++m_running;
        {
            std::lock_guard lock(m_mutex);
            m_incoming.push_back({job, c});
        }
        m_wake.notify_one();
        return {};
    }

    void cancel_all() override {
        {
            std::lock_guard lock(m_mutex);
            m_cancel = true;
        }
        m_wake.notify_one();
    }

    [[nodiscard]] std::size_t running() const override { return m_running; }

    Deadline watch(std::vector<Watched>& fds) override {
        fds.push_back({m_fd, false});
        return std::nullopt;
    }

    common::Result<void> collect(std::span<const Watched> fds, RunnerEvents& events) override {
        if (fds.empty() || !fds[0].ready) return {};
        std::uint64_t count = 0;
        (void)!::read(m_fd, &count, sizeof count);
        std::vector<Event> batch;
        {
            std::lock_guard lock(m_mutex);
            batch.swap(m_events);
        }
        std::optional<common::Error> failure;
        for (auto& e : batch) {
            switch (e.kind) {
                case Event::started:
                    events.started(e.job, {0, 0, e.text});
                    break;
                case Event::line:
                    events.line(e.job, e.text);
                    break;
                case Event::finished:
                    --m_running;
                    events.finished(e.done);
                    break;
                case Event::failed:  // reported once every build's end is
                    failure = common::Error{common::ErrorCode::external, e.text};
                    break;
            }
        }
        if (failure) return std::unexpected(*failure);
        return {};
    }

  private:
    // --- the loop (the runner's thread) -------------------------------------------------
    void loop() {
        for (;;) {
            std::vector<std::pair<std::size_t, Command>> incoming;
            bool cancel = false;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait_until(lock, next_wake(), [&] {
                    return m_quit || !m_incoming.empty() || (m_cancel && !m_cancelled);
                });
                if (m_quit) return;
                incoming.swap(m_incoming);
                cancel = m_cancel && !m_cancelled;
                if (cancel) m_cancelled = true;
            }
            for (auto& [job, c] : incoming) accept(job, std::move(c));
            if (cancel) cancel_everything();
            start_queued();
            if (!m_active.empty() && Clock::now() >= m_next_poll) poll();
        }
    }

    [[nodiscard]] Clock::time_point next_wake() const {
        auto at = m_active.empty() ? Clock::now() + std::chrono::hours(1) : m_next_poll;
        for (const auto& r : m_queued) at = std::min(at, r.retry_at);
        return at;
    }

    void accept(std::size_t job, Command c) {
        Remote r;
        r.job = job;
        r.log_fd = ::open(c.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (c.timeout.count() > 0) r.deadline = Clock::now() + c.timeout;
        r.command = std::move(c);
        if (m_cancelled) return end(r, {job, ExitKind::cancelled, 0, {}});
        if (!r.command.remote_id.empty()) {  // an interrupted run's build: follow it
            r.arn = r.command.remote_id;
            r.id = build_id_of(r.arn);
            say(r, "[codebuild] following build " + r.arn + " (started by an interrupted run)");
            return activate(std::move(r));
        }
        m_queued.push_back(std::move(r));
    }

    // StartBuild for every queued build whose turn it is; a full account waits.
    void start_queued() {
        const auto now = Clock::now();
        for (auto it = m_queued.begin(); it != m_queued.end();) {
            if (it->retry_at > now) {
                ++it;
                continue;
            }
            auto started = m_api.start_build(start_request(it->command));
            if (!started && is_capacity_error(started.error())) {
                it->backoff = std::clamp(it->backoff * 2, m_o.poll_min, m_o.poll_max);
                it->retry_at = now + jittered(it->backoff);
                spdlog::debug("codebuild: {}; retrying in {} ms", started.error().message,
                              it->backoff.count());
                ++it;
                continue;
            }
            Remote r = std::move(*it);
            it = m_queued.erase(it);
            if (!started) {
                say(r, "slipway: " + started.error().message);
                end(r, {r.job, ExitKind::spawn_failed, 0, {}});
                continue;
            }
            r.id = started->id;
            r.arn = started->arn;
            say(r, "[codebuild] started build " + r.arn);
            activate(std::move(r));
        }
    }

    void activate(Remote r) {
        emit({Event::started, r.job, r.arn, {}});
        m_interval = m_o.poll_min;  // a new build: look soon
        const auto soon = Clock::now() + m_interval;
        m_next_poll = m_active.empty() ? soon : std::min(m_next_poll, soon);
        m_active.emplace(r.job, std::move(r));
    }

    [[nodiscard]] CodeBuildStart start_request(const Command& c) const {
        CodeBuildStart s{
            m_o.target.project,      m_o.commit,       remote_env(c),         c.start_token,
            m_o.target.compute_type, m_o.target.image, m_o.target.privileged, 0};
        if (c.timeout.count() > 0) {  // CodeBuild takes 5 to 2160 whole minutes
            const auto minutes = (c.timeout.count() + 59'999) / 60'000;
            s.timeout_minutes = static_cast<int>(std::clamp<long long>(minutes, 5, 2160));
        }
        return s;
    }

    void cancel_everything() {
        for (auto& r : m_queued) end(r, {r.job, ExitKind::cancelled, 0, {}});
        m_queued.clear();
        for (auto& [job, r] : m_active) stop(r, ExitKind::cancelled);
    }

    void stop(Remote& r, ExitKind why) {
        if (r.stop_sent) return;
        if (!r.stopped_as) r.stopped_as = why;
        auto stopped = m_api.stop_build(r.id);
        if (!stopped) {
            say(r, "slipway: " + stopped.error().message);
            return;  // tried again at the next poll
        }
        r.stop_sent = true;
        m_next_poll = Clock::now() + m_o.poll_min;
    }

    // --- polling ------------------------------------------------------------------------
    void poll() {
        std::vector<std::string> ids;
        for (auto& [job, r] : m_active) ids.push_back(r.id);
        bool changed = false, failed = false;
        for (std::size_t at = 0; at < ids.size(); at += k_batch) {
            std::vector<std::string> chunk(
                ids.begin() + static_cast<std::ptrdiff_t>(at),
                ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), at + k_batch)));
            auto builds = m_api.batch_get_builds(chunk);
            if (!builds) {
                spdlog::debug("codebuild: {}", builds.error().message);
                failed = true;
                continue;
            }
            for (const auto& b : *builds) changed |= update(b);
        }
        m_failed_polls = failed ? m_failed_polls + 1 : 0;
        if (m_failed_polls >= m_o.max_failed_polls) return give_up();
        for (auto& [job, r] : m_active) {
            if (r.deadline && Clock::now() >= *r.deadline) stop(r, ExitKind::timed_out);
            if (!r.stop_sent && r.stopped_as) stop(r, *r.stopped_as);
        }
        follow_logs();
        m_interval = changed ? m_o.poll_min : std::min(m_interval * 2, m_o.poll_max);
        if (failed) m_interval = std::min(m_interval * 2, m_o.poll_max);
        m_next_poll = Clock::now() + jittered(m_interval);
    }

    // One build as BatchGetBuilds shows it; true when something changed.
    bool update(const CodeBuildBuild& b) {
        auto it = std::find_if(m_active.begin(), m_active.end(),
                               [&](const auto& e) { return e.second.id == b.id; });
        if (it == m_active.end()) return false;
        Remote& r = it->second;
        const std::size_t told = r.phases_told;
        if (r.log_stream.empty() && !b.log_stream.empty())
            r.log_group = b.log_group, r.log_stream = b.log_stream;
        tell_phases(r, b);
        if (!b.complete && b.status == "IN_PROGRESS") return r.phases_told != told;
        read_logs(r, true);
        say(r, "[codebuild] build " + b.status);
        Finished f = finished_of(r, b);
        end(r, f);
        m_active.erase(it);
        return true;
    }

    // Phases that ended since the last look, with their contexts.
    void tell_phases(Remote& r, const CodeBuildBuild& b) {
        for (; r.phases_told < b.phases.size(); ++r.phases_told) {
            const CodeBuildPhase& p = b.phases[r.phases_told];
            if (p.status.empty()) break;  // still running
            say(r, fmt::format("[codebuild] {} {} ({} s)", p.type, p.status, p.seconds));
            for (const auto& c : p.contexts) say(r, "[codebuild]   " + c);
        }
    }

    // Running builds' logs, least recently read first, while the call budget lasts.
    void follow_logs() {
        const auto now = Clock::now();
        const double elapsed = std::chrono::duration<double>(now - m_tokens_at).count();
        m_tokens_at = now;
        m_log_tokens =
            std::min(m_o.log_calls_per_second, m_log_tokens + elapsed * m_o.log_calls_per_second);
        std::vector<Remote*> order;
        for (auto& [job, r] : m_active) {
            if (!r.log_stream.empty()) order.push_back(&r);
        }
        std::ranges::sort(order, {}, [](const Remote* r) { return r->logs_read_at; });
        for (Remote* r : order) {
            if (m_log_tokens < 1.0) break;
            m_log_tokens -= 1.0;
            read_logs(*r, false);
        }
    }

    // New log events into the log file and the console; `to_the_end` reads page after page
    // until the stream has nothing newer.
    void read_logs(Remote& r, bool to_the_end) {
        if (r.log_stream.empty()) return;
        r.logs_read_at = Clock::now();
        for (int pages = 0; pages < 1000; ++pages) {
            auto page = m_api.get_log_events(r.log_group, r.log_stream, r.log_token);
            if (!page) {
                spdlog::debug("codebuild: {}", page.error().message);
                return;
            }
            for (auto& m : page->messages) {
                while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) m.pop_back();
                say(r, m);
            }
            const bool more = page->next_token != r.log_token && !page->messages.empty();
            r.log_token = page->next_token;
            if (!to_the_end || !more) return;
        }
    }

    // CodeBuild is out of reach: nothing more will be known of these builds here.
    void give_up() {
        emit({Event::failed,
              0,
              fmt::format("codebuild: no answer from CodeBuild for {} polls in a row; its "
                          "builds go on, and the next run awaits them",
                          m_failed_polls),
              {}});
        for (auto& [job, r] : m_active) {
            Finished f{job, ExitKind::cancelled, 0, {}};
            f.lost = true;
            end(r, f);
        }
        m_active.clear();
        m_failed_polls = 0;
    }

    // --- reporting ----------------------------------------------------------------------
    void say(Remote& r, std::string text) {
        if (r.log_fd >= 0) {
            const std::string line = text + "\n";
            (void)!::write(r.log_fd, line.data(), line.size());
        }
        emit({Event::line, r.job, std::move(text), {}});
    }

    void end(Remote& r, Finished f) {
        close_log(r);
        f.job = r.job;
        emit({Event::finished, r.job, {}, std::move(f)});
    }

    static void close_log(Remote& r) {
        if (r.log_fd >= 0) ::close(r.log_fd);
        r.log_fd = -1;
    }

    void emit(Event e) {
        std::lock_guard lock(m_mutex);
        m_events.push_back(std::move(e));
        if (m_events.size() == 1) {
            const std::uint64_t one = 1;
            (void)!::write(m_fd, &one, sizeof one);
        }
    }

    milliseconds jittered(milliseconds base) {
        std::uniform_real_distribution<double> spread(0.8, 1.2);
        return milliseconds(
            static_cast<long long>(static_cast<double>(base.count()) * spread(m_random)));
    }

    std::shared_ptr<aws::Client> m_client;
    CodeBuildApi m_api;
    CodeBuildRunnerOptions m_o;
    int m_fd;
    std::size_t m_running = 0;  // executor side

    std::mutex m_mutex;  // guards the members up to m_events
    std::condition_variable m_wake;
    std::vector<std::pair<std::size_t, Command>> m_incoming;
    bool m_cancel = false;
    bool m_quit = false;
    std::vector<Event> m_events;

    // The loop's own.
    bool m_cancelled = false;
    std::deque<Remote> m_queued;
    std::map<std::size_t, Remote> m_active;
    Clock::time_point m_next_poll{};
    milliseconds m_interval;
    int m_failed_polls = 0;
    double m_log_tokens;
    Clock::time_point m_tokens_at = Clock::now();
    std::mt19937 m_random{std::random_device{}()};
    std::thread m_thread;  // last: starts once everything above exists
};

}  // namespace

std::unique_ptr<BuildRunner> make_codebuild_runner(std::shared_ptr<aws::Client> client,
                                                   CodeBuildRunnerOptions options) {
    return std::make_unique<CodeBuildRunner>(std::move(client), std::move(options));
}

void poll_timing_from_env(CodeBuildRunnerOptions& options) {
    const char* text = std::getenv("SLIPWAY_CODEBUILD_POLL_MS");
    if (!text || !*text) return;
    char* end = nullptr;
    const long min = std::strtol(text, &end, 10);
    long max = min * 8;
    if (*end == ',') max = std::strtol(end + 1, &end, 10);
    if (*end != '\0' || min <= 0 || max < min) return;
    options.poll_min = milliseconds(min);
    options.poll_max = milliseconds(max);
}

std::size_t stop_remote_builds(aws::Client& client,
                               const std::vector<versioning::BuildRecord>& builds,
                               versioning::VersionStore& store, versioning::Millis now) {
    CodeBuildApi api(client);
    std::size_t stopped = 0;
    for (const auto& b : builds) {
        auto done = api.stop_build(build_id_of(b.handle.remote_id));
        if (!done && done.error().message.find("InvalidInputException") == std::string::npos) {
            spdlog::debug("cannot stop {}'s build #{} ({}): {}", b.component, b.build_number,
                          b.handle.remote_id, done.error().message);
            continue;
        }
        versioning::BuildEnd end{versioning::BuildStatus::cancelled, std::nullopt, now, 0};
        if (auto ok = store.finish_build(b.component, b.build_number, end); !ok) {
            spdlog::debug("cannot record {}'s build #{} as stopped: {}", b.component,
                          b.build_number, ok.error().message);
            continue;
        }
        ++stopped;
    }
    return stopped;
}

}  // namespace components
