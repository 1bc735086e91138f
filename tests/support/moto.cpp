#include "support/moto.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/git_repo.hpp"

namespace support {
namespace {

// A plain TCP connect: an HTTP probe would use up one of moto's unauthenticated actions.
bool accepts(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

MotoServer::MotoServer(const std::map<std::string, std::string>& env, bool single_threaded) {
    if (run("command -v moto_server").status != 0) {
        m_why_not = "moto_server is not installed (pip install 'moto[server]')";
        return;
    }
    m_port = free_port();
    std::string command = "env";
    for (const auto& [k, v] : env) command += " " + k + "=" + shell_quote(v);
    command += " python3 " + shell_quote(MOTO_LAUNCHER) + " " + std::to_string(m_port) +
               (single_threaded ? " --single-threaded" : "");
    command += " >/dev/null 2>&1 & echo $!";
    auto started = run(command);
    m_pid = std::stol(started.out);
    for (int i = 0; i < 200 && !accepts(m_port); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!accepts(m_port)) {
        ::kill(static_cast<pid_t>(m_pid), SIGKILL);
        m_pid = 0;
        m_why_not = "moto_server did not start";
    }
}

MotoServer::~MotoServer() {
    if (m_pid <= 0) return;
    ::kill(static_cast<pid_t>(m_pid), SIGTERM);
    for (int i = 0; i < 100 && ::kill(static_cast<pid_t>(m_pid), 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(static_cast<pid_t>(m_pid), SIGKILL);
}

}  // namespace support
