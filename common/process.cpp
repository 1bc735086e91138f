#include "common/process.hpp"

#include <signal.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace common {
namespace {

std::string read_stat(std::int64_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::int64_t process_start(std::int64_t pid) {
    const std::string stat = read_stat(pid);
    // Field 22 (starttime) counts from after the ")" that closes the command name.
    auto close = stat.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22) return std::stoll(field);
    }
    return -1;
}

bool process_alive(std::int64_t pid, std::int64_t start) {
    if (pid <= 0 || process_start(pid) != start) return false;
    // A killed process nobody has reaped yet (state Z) is gone as far as its work goes.
    const std::string stat = read_stat(pid);
    const auto close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'Z';
}

bool stop_process_group(std::int64_t pgid, std::int64_t leader_start) {
    if (pgid <= 1) return false;
    const std::int64_t now = process_start(pgid);
    if (now >= 0 && now != leader_start) return false;  // the pid names another process now
    return ::kill(-static_cast<pid_t>(pgid), SIGKILL) == 0;
}

}  // namespace common
