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

// How every build process starts: stdin from /dev/null, stdout and stderr into the build's
// output (its log file, or the pipe slipway reads), the build's working directory, default
// signal handling, and a process group of its own. The file actions are made once per
// working directory: the output of the build about to start is put on one descriptor kept
// for it (the slot), and the null device stays open, so no action changes between builds.
class Spawner {
  public:
    Spawner() {
        m_null = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (m_null.fd >= 0) m_slot = Fd(::fcntl(m_null.fd, F_DUPFD_CLOEXEC, 0));
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
    ~Spawner() {
        if (m_actions) posix_spawn_file_actions_destroy(&*m_actions);
        posix_spawnattr_destroy(&m_attr);
    }
    Spawner(const Spawner&) = delete;
    Spawner& operator=(const Spawner&) = delete;

    /// Starts `program` with `argv` and `envp` (null-terminated) writing into `out_fd`;
    /// 0 or an errno value.
    int run(pid_t& pid, int out_fd, const std::string& cwd, const char* program, char* const argv[],
            char* const envp[]) {
        if (m_slot.fd < 0) return m_null.fd < 0 ? ENOENT : EMFILE;
        if (!m_actions || cwd != m_cwd) {
            if (m_actions) posix_spawn_file_actions_destroy(&*m_actions);
            m_actions.emplace();
            posix_spawn_file_actions_init(&*m_actions);
            posix_spawn_file_actions_adddup2(&*m_actions, m_null.fd, 0);
            posix_spawn_file_actions_adddup2(&*m_actions, m_slot.fd, 1);
            posix_spawn_file_actions_adddup2(&*m_actions, m_slot.fd, 2);
            if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&*m_actions, cwd.c_str());
            m_cwd = cwd;
        }
        if (::dup3(out_fd, m_slot.fd, O_CLOEXEC) < 0) return errno;
        const int rc = posix_spawn(&pid, program, &*m_actions, &m_attr, argv, envp);
        (void)::dup3(m_null.fd, m_slot.fd, O_CLOEXEC);  // the slot lets go of the output
        return rc;
    }

  private:
    Fd m_null;  // /dev/null
    Fd m_slot;  // the output of the build being started; /dev/null in between
    std::optional<posix_spawn_file_actions_t> m_actions;
    std::string m_cwd;  // the actions' working directory
    posix_spawnattr_t m_attr;
};

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
std::optional<std::string> find_program(const std::string& word, const BuildEnv& env,
                                        const std::string& cwd) {
    if (word.find('/') != std::string::npos) {
        std::string path = in_dir(cwd, word);
        return executable_file(path) ? std::optional(path) : std::nullopt;
    }
    const std::string_view path_var =
        env.find("PATH").value_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (std::size_t start = 0; start <= path_var.size();) {
        std::size_t end = path_var.find(':', start);
        if (end == std::string::npos) end = path_var.size();
        std::string dir(path_var.substr(start, end - start));
        std::string candidate = in_dir(cwd, (dir.empty() ? "." : dir) + "/" + word);
        if (executable_file(candidate)) return candidate;
        start = end + 1;
    }
    return std::nullopt;
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
        p.log = Fd(open_log(c.log_path));
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
    int spawn(const Command& c, int out_fd, pid_t& pid) {
        if (auto words = plain_words(c.shell_command)) {
            if (auto program = find_program(words->front(), c.env, c.cwd)) {
                // sh exports PWD, the directory it runs in; a program started without it
                // gets the same.
                std::error_code ec;
                const std::string pwd =
                    "PWD=" + (c.cwd.empty() ? std::filesystem::current_path(ec).string() : c.cwd);
                set_argv(*words);
                set_envp(c.env, &pwd);
                if (m_spawner.run(pid, out_fd, c.cwd, program->c_str(), m_argv.data(),
                                  m_envp.data()) == 0)
                    return 0;
            }
        }
        const std::vector<std::string> shell{"/bin/sh", "-c", c.shell_command};
        set_argv(shell);
        set_envp(c.env, nullptr);
        return m_spawner.run(pid, out_fd, c.cwd, "/bin/sh", m_argv.data(), m_envp.data());
    }

    // `args` must outlive the spawn.
    void set_argv(const std::vector<std::string>& args) {
        m_argv.clear();
        for (const auto& a : args) m_argv.push_back(const_cast<char*>(a.c_str()));
        m_argv.push_back(nullptr);
    }

    // The environment as execve takes it; with `pwd`, that in place of any PWD it holds.
    void set_envp(const BuildEnv& env, const std::string* pwd) {
        m_envp.clear();
        env.each([&](const std::string& e) {
            if (!pwd || !e.starts_with("PWD=")) m_envp.push_back(const_cast<char*>(e.c_str()));
        });
        if (pwd) m_envp.push_back(const_cast<char*>(pwd->c_str()));
        m_envp.push_back(nullptr);
    }

    // A build's log file, opened relative to its directory: every build of a run logs into
    // the same one, which is looked up once.
    int open_log(const std::string& path) {
        constexpr int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
        const std::size_t slash = path.rfind('/');
        if (slash == std::string::npos || slash == 0) return ::open(path.c_str(), flags, 0644);
        const std::string_view dir(path.data(), slash);
        if (m_log_dir.fd < 0 || dir != m_log_dir_path) {
            m_log_dir = Fd(::open(std::string(dir).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
            m_log_dir_path = m_log_dir.fd < 0 ? std::string() : std::string(dir);
            if (m_log_dir.fd < 0) return ::open(path.c_str(), flags, 0644);
        }
        return ::openat(m_log_dir.fd, path.c_str() + slash + 1, flags, 0644);
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
    Spawner m_spawner;
    std::vector<char*> m_argv, m_envp;  // spawn()'s, kept for their capacity
    Fd m_log_dir;                       // the directory of the last log opened
    std::string m_log_dir_path;
    std::map<std::size_t, Process> m_procs;
    std::vector<Finished> m_failed;
    std::vector<std::pair<std::size_t, bool>> m_owners;  // of watch()'s fds: (job, is pidfd)
};

}  // namespace

std::unique_ptr<BuildRunner> make_process_runner(std::chrono::milliseconds grace) {
    return std::make_unique<ProcessRunner>(grace);
}

}  // namespace components
