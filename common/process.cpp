// See process.hpp. /proc/PID/stat is outside text: the process may exit (and be reaped)
// between the open and the read, which then fails with ESRCH, and what is read is parsed
// without trusting it. Every failure is "no such process" (-1), never an exception.
#include "common/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace common {
namespace {

// The text of /proc/PID/stat, or nullopt when the process is gone (or never was).
std::optional<std::string> read_stat(std::int64_t pid) {
    if (pid <= 0) return std::nullopt;
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string text;
    char buf[1024];
    for (;;) {
        const auto n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return std::nullopt;  // ESRCH: it exited after the open
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

// The fields after the ")" that closes the command name (which may hold spaces and ")"):
// field 3 (state) first.
std::optional<std::string_view> after_name(const std::string& stat) {
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
    return std::string_view(stat).substr(close + 2);
}

}  // namespace

std::int64_t process_start(std::int64_t pid) {
    const auto stat = read_stat(pid);
    if (!stat) return -1;
    auto rest = after_name(*stat);
    if (!rest) return -1;
    // Field 22 (starttime), counting from field 3.
    std::string_view fields = *rest;
    for (int i = 3; i <= 22; ++i) {
        const auto space = fields.find(' ');
        const std::string_view field = fields.substr(0, space);
        if (i == 22) {
            std::int64_t start = -1;
            const auto [end, ec] =
                std::from_chars(field.data(), field.data() + field.size(), start);
            return ec == std::errc{} && end == field.data() + field.size() && start >= 0 ? start
                                                                                         : -1;
        }
        if (space == std::string_view::npos) return -1;
        fields.remove_prefix(space + 1);
    }
    return -1;
}

bool process_alive(std::int64_t pid, std::int64_t start) {
    if (pid <= 0 || process_start(pid) != start) return false;
    // A killed process nobody has reaped yet (state Z) is gone as far as its work goes.
    const auto stat = read_stat(pid);
    if (!stat) return false;
    const auto rest = after_name(*stat);
    return !rest || rest->front() != 'Z';
}

bool stop_process_group(std::int64_t pgid, std::int64_t leader_start) {
    if (pgid <= 1) return false;
    const std::int64_t now = process_start(pgid);
    if (now >= 0 && now != leader_start) return false;  // the pid names another process now
    return ::kill(-static_cast<pid_t>(pgid), SIGKILL) == 0;
}

}  // namespace common
