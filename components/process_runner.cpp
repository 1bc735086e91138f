// The process runner: its event loop is the executor's ppoll over every running command's
// output pipe and pidfd (which becomes readable when the process exits), with the nearest
// timeout or grace period as deadline; collect() reads what is ready, reaps what exited and
// enforces the deadlines. Output nobody reads line by line (Command::echo unset) goes
// straight from the command into its log file, with no pipe. Each command runs as `/bin/sh -c` (or,
// when it is a plain program invocation, as that program directly) in a process group of its own,
// so a timeout or a cancellation signals the whole group (TERM, then KILL after the grace period),
// and once the command exits whatever it left running in its group is killed: a build leaves no
// orphans behind.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "components/build_runner.hpp"
#include "components/shell_words.hpp"

namespace components {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t k_max_line = 64 * 1024;

// glibc 2.36's <sys/pidfd.h> declares pidfd_open without C linkage; use the system call.
int open_pidfd(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        reset();
        fd = std::exchange(o.fd, -1);
        return *this;
    }
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

struct Process {
    pid_t pid = -1;
    Fd out;    // read end of the output pipe (-1 once at EOF)
    Fd pidfd;  // readable when the process has exited
    Fd log;
    std::string partial;  // output after the last newline
    std::optional<Clock::time_point> deadline;
    std::optional<Clock::time_point> kill_at;  // when TERM was sent: KILL after the grace
    std::optional<ExitKind> stopped_as;        // timed_out or cancelled, once signalled
};

// The file actions and attributes every build process starts with: stdin from /dev/null,
// stdout and stderr into the output pipe, the build's working directory, default signal
// handling, and a process group of its own.
class SpawnSetup {
  public:
    SpawnSetup(const Command& c, int out_fd) {
        posix_spawn_file_actions_init(&m_actions);
        posix_spawn_file_actions_addopen(&m_actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&m_actions, out_fd, 1);
        posix_spawn_file_actions_adddup2(&m_actions, out_fd, 2);
        if (!c.cwd.empty()) posix_spawn_file_actions_addchdir_np(&m_actions, c.cwd.c_str());
        posix_spawnattr_init(&m_attr);
        sigset_t none, defaults;
        sigemptyset(&none);
        sigemptyset(&defaults);
        for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT}) sigaddset(&defaults, s);
        posix_spawnattr_setsigmask(&m_attr, &none);
        posix_spawnattr_setsigdefault(&m_attr, &defaults);
        posix_spawnattr_setpgroup(&m_attr, 0);
        posix_spawnattr_setflags(
            &m_attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&m_actions);
        posix_spawnattr_destroy(&m_attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;

    int run(pid_t& pid, const std::string& program, const std::vector<std::string>& args,
            const std::vector<std::string>& env) {
        std::vector<char*> argv, envp;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        return posix_spawn(&pid, program.c_str(), &m_actions, &m_attr, argv.data(), envp.data());
    }

  private:
    posix_spawn_file_actions_t m_actions;
    posix_spawnattr_t m_attr;
};

std::string env_value(const std::vector<std::string>& env, std::string_view name,
                      std::string fallback) {
    for (const auto& e : env) {
        if (e.size() > name.size() && e.starts_with(name) && e[name.size()] == '=')
            return e.substr(name.size() + 1);
    }
    return fallback;
}

bool executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

std::string in_dir(const std::string& cwd, const std::string& path) {
    if (path.starts_with('/') || cwd.empty()) return path;
    return cwd + "/" + path;
}

// The program sh would run for `word`: a path (relative to the build's directory), or the
// first executable file of that name on the build environment's PATH (dash's default PATH
// when it has none; an empty entry is the current directory).
std::optional<std::string> find_program(const std::string& word,
                                        const std::vector<std::string>& env,
                                        const std::string& cwd) {
    if (word.find('/') != std::string::npos) {
        std::string path = in_dir(cwd, word);
        return executable_file(path) ? std::optional(path) : std::nullopt;
    }
    const std::string path_var =
        env_value(env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (std::size_t start = 0; start <= path_var.size();) {
        std::size_t end = path_var.find(':', start);
        if (end == std::string::npos) end = path_var.size();
        std::string dir = path_var.substr(start, end - start);
        std::string candidate = in_dir(cwd, (dir.empty() ? "." : dir) + "/" + word);
        if (executable_file(candidate)) return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

// sh exports PWD, the directory it runs in; a program started without it gets the same.
std::vector<std::string> with_pwd(const std::vector<std::string>& env, const std::string& cwd) {
    std::vector<std::string> out;
    out.reserve(env.size() + 1);
    for (const auto& e : env) {
        if (!e.starts_with("PWD=")) out.push_back(e);
    }
    std::error_code ec;
    out.push_back("PWD=" + (cwd.empty() ? std::filesystem::current_path(ec).string() : cwd));
    return out;
}

class ProcessRunner final : public BuildRunner {
  public:
    explicit ProcessRunner(std::chrono::milliseconds grace) : m_grace(grace) {}

    ~ProcessRunner() override {
        for (auto& [job, p] : m_procs) {
            ::kill(-p.pid, SIGKILL);
            ::waitpid(p.pid, nullptr, 0);
        }
    }

    // The group's leader start time is read only when the store needs it (a build still
    // running when its start is written), so short builds never pay for /proc.
    common::Result<void> start(std::size_t job, const Command& c, RunnerEvents& events) override {
        Process p;
        p.log = Fd(::open(c.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (p.log.fd < 0) {
            m_failed.push_back({job, ExitKind::spawn_failed, errno});
            return {};
        }
        Fd write_end;  // the output pipe's, when the output is echoed
        if (c.echo) {
            int pipe_fds[2];
            if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
                m_failed.push_back({job, ExitKind::spawn_failed, errno});
                return {};
            }
            p.out = Fd(pipe_fds[0]);
            write_end = Fd(pipe_fds[1]);
            ::fcntl(p.out.fd, F_SETFL, O_NONBLOCK);
        }
        const int rc = spawn(c, c.echo ? write_end.fd : p.log.fd, p.pid);
        if (rc != 0) {
            const std::string why =
                "slipway: cannot start /bin/sh: " + std::string(std::strerror(rc)) + "\n";
            (void)!::write(p.log.fd, why.data(), why.size());
            m_failed.push_back({job, ExitKind::spawn_failed, rc});
            return {};
        }
        p.pidfd = Fd(open_pidfd(p.pid));
        if (c.timeout.count() > 0) p.deadline = Clock::now() + c.timeout;
        events.started(job, {p.pid, 0, ""});
        m_procs.emplace(job, std::move(p));
        return {};
    }

    Deadline watch(std::vector<Watched>& fds) override {
        m_owners.clear();
        for (auto& [job, p] : m_procs) {
            if (p.out.fd >= 0) fds.push_back({p.out.fd, false}), m_owners.emplace_back(job, false);
            fds.push_back({p.pidfd.fd, false}), m_owners.emplace_back(job, true);
        }
        if (!m_failed.empty()) return Clock::now();
        auto nearest = Clock::time_point::max();
        for (const auto& [job, p] : m_procs) {
            if (p.deadline && !p.stopped_as) nearest = std::min(nearest, *p.deadline);
            if (p.kill_at) nearest = std::min(nearest, *p.kill_at);
        }
        if (nearest == Clock::time_point::max()) return std::nullopt;
        return nearest;
    }

    common::Result<void> collect(std::span<const Watched> fds, RunnerEvents& events) override {
        for (const Finished& f : std::exchange(m_failed, {})) events.finished(f);
        enforce_deadlines();
        for (std::size_t k = 0; k < fds.size() && k < m_owners.size(); ++k) {
            if (!fds[k].ready) continue;
            auto it = m_procs.find(m_owners[k].first);
            if (it == m_procs.end()) continue;
            if (!m_owners[k].second) {
                drain(it->first, it->second, events);
            } else if (auto f = reap(it->first, it->second, events)) {
                m_procs.erase(it);
                events.finished(*f);
            }
        }
        return {};
    }

    void cancel_all() override {
        for (auto& [job, p] : m_procs) stop(p, ExitKind::cancelled);
    }

    [[nodiscard]] std::size_t running() const override { return m_procs.size() + m_failed.size(); }

  private:
    // A plain command (see shell_words.hpp) whose program is found on the build's PATH is
    // executed directly, with PWD set as sh would set it; anything else, and a direct start
    // that fails, runs under /bin/sh -c, which then reports what is wrong its own way.
    static int spawn(const Command& c, int out_fd, pid_t& pid) {
        SpawnSetup setup(c, out_fd);
        if (auto words = plain_words(c.shell_command)) {
            if (auto program = find_program(words->front(), c.env, c.cwd)) {
                std::vector<std::string> env = with_pwd(c.env, c.cwd);
                if (setup.run(pid, *program, *words, env) == 0) return 0;
            }
        }
        return setup.run(pid, "/bin/sh", {"/bin/sh", "-c", c.shell_command}, c.env);
    }

    void stop(Process& p, ExitKind why) {
        if (p.stopped_as) return;
        p.stopped_as = why;
        ::kill(-p.pid, SIGTERM);
        p.kill_at = Clock::now() + m_grace;
    }

    void enforce_deadlines() {
        const auto now = Clock::now();
        for (auto& [job, p] : m_procs) {
            if (p.deadline && now >= *p.deadline) stop(p, ExitKind::timed_out);
            if (p.kill_at && now >= *p.kill_at) {
                ::kill(-p.pid, SIGKILL);
                p.kill_at.reset();
            }
        }
    }

    // Reads what the pipe holds: into the log, and as whole lines to the events.
    void drain(std::size_t job, Process& p, RunnerEvents& events) {
        char buf[16384];
        for (;;) {
            const ssize_t n = ::read(p.out.fd, buf, sizeof buf);
            if (n > 0) {
                (void)!::write(p.log.fd, buf, static_cast<std::size_t>(n));
                split_lines(job, p, std::string_view(buf, static_cast<std::size_t>(n)), events);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) p.out.reset();
            return;
        }
    }

    static void split_lines(std::size_t job, Process& p, std::string_view chunk,
                            RunnerEvents& events) {
        p.partial.append(chunk);
        std::size_t start = 0;
        for (std::size_t nl; (nl = p.partial.find('\n', start)) != std::string::npos;
             start = nl + 1) {
            events.line(job, std::string_view(p.partial).substr(start, nl - start));
        }
        p.partial.erase(0, start);
        if (p.partial.size() > k_max_line) events.line(job, p.partial), p.partial.clear();
    }

    // The process exited: collect its status, end its group, take the rest of its output.
    std::optional<Finished> reap(std::size_t job, Process& p, RunnerEvents& events) {
        int status = 0;
        if (::waitpid(p.pid, &status, WNOHANG) != p.pid) return std::nullopt;
        ::kill(-p.pid, SIGKILL);  // whatever the command left running in its group
        if (p.out.fd >= 0) drain(job, p, events);
        if (!p.partial.empty()) events.line(job, p.partial);
        Finished f{job, ExitKind::exited, 0};
        if (WIFEXITED(status)) f.code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) f.kind = ExitKind::signaled, f.code = WTERMSIG(status);
        if (p.stopped_as) f.kind = *p.stopped_as;
        return f;
    }

    std::chrono::milliseconds m_grace;
    std::map<std::size_t, Process> m_procs;
    std::vector<Finished> m_failed;
    std::vector<std::pair<std::size_t, bool>> m_owners;  // of watch()'s fds: (job, is pidfd)
};

}  // namespace

std::unique_ptr<BuildRunner> make_process_runner(std::chrono::milliseconds grace) {
    return std::make_unique<ProcessRunner>(grace);
}

}  // namespace components
