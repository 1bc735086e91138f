#include "support/moto.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/git_repo.hpp"

#include <gtest/gtest.h>

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
    struct FailInCi {
        const MotoServer& m;
        ~FailInCi() { m.fail_in_ci(); }
    } fail_in_ci_at_end{*this};
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
    // moto imports every AWS service it models: ~2 s on an idle machine, over 20 s on a
    // loaded one. Give it a minute rather than skip the tests.
    for (int i = 0; i < 1200 && !accepts(m_port); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!accepts(m_port)) {
        ::kill(static_cast<pid_t>(m_pid), SIGKILL);
        m_pid = 0;
        m_why_not = "moto_server did not start within 60 s";
    }
}

// Under CI=true moto is installed (scripts/setup.sh): a test that would skip without it fails.
void MotoServer::fail_in_ci() const {
    if (m_pid <= 0 && in_ci()) ADD_FAILURE() << "under CI=true moto is required: " << m_why_not;
}

MotoServer::~MotoServer() {
    if (m_pid <= 0) return;
    ::kill(static_cast<pid_t>(m_pid), SIGTERM);
    for (int i = 0; i < 100 && ::kill(static_cast<pid_t>(m_pid), 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(static_cast<pid_t>(m_pid), SIGKILL);
}

FaultProxy::FaultProxy(const std::string& upstream, const std::string& rules_json) {
    char dir[] = "/tmp/slipway-proxy-XXXXXX";
    m_dir = ::mkdtemp(dir);
    std::ofstream(m_dir + "/rules.json") << rules_json;
    m_port = free_port();
    const std::string script =
        (std::filesystem::path(MOTO_LAUNCHER).parent_path() / "fault_proxy.py").string();
    auto started = run("python3 " + shell_quote(script) + " " + std::to_string(m_port) + " " +
                       shell_quote(upstream) + " " + shell_quote(m_dir + "/rules.json") + " " +
                       shell_quote(m_dir + "/ready") + " >/dev/null 2>&1 & echo $!");
    m_pid = std::stol(started.out);
    for (int i = 0; i < 200 && !accepts(m_port); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (!accepts(m_port)) {
        ::kill(static_cast<pid_t>(m_pid), SIGKILL);
        m_pid = 0;
    }
}

FaultProxy::~FaultProxy() {
    if (m_pid > 0) ::kill(static_cast<pid_t>(m_pid), SIGKILL);
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
}

std::string FaultProxy::log() const {
    std::ifstream in(m_dir + "/ready.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string ecr_put_image_args(const std::string& repository, const std::string& tag) {
    return "ecr put-image --repository-name " + repository + " --image-tag " + tag +
           " --image-manifest '{\"schemaVersion\":2,\"mediaType\":\"application/"
           "vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\""
           "application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:0\",\"size\":2},"
           "\"layers\":[]}'";
}

}  // namespace support
