#include "support/git_https_server.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace support {
namespace {

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Running: a zombie counts as gone (the script's parent shell has exited, and PID 1 may
// take a while to reap it).
bool alive(long pid) {
    const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    const auto paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

}  // namespace

GitHttpsServer::GitHttpsServer(const std::string& project_root,
                               const std::string& codecommit_secret,
                               const std::string& codecommit_region) {
    if (run("command -v openssl && test -x \"$(git --exec-path)/git-http-backend\"").status != 0) {
        m_why_not = "needs the openssl CLI and git http-backend";
        if (in_ci()) ADD_FAILURE() << "under CI=true this is a failure: " << m_why_not;
        return;
    }
    const auto work = m_work.path();
    const std::string auth = codecommit_secret.empty()
                                 ? ""
                                 : "CODECOMMIT_SECRET_KEY=" + shell_quote(codecommit_secret) +
                                       " CODECOMMIT_REGION=" + shell_quote(codecommit_region) + " ";
    auto started =
        run(auth + "python3 " + shell_quote(GIT_HTTPS_SERVER) + " " + shell_quote(project_root) +
            " " + shell_quote(work.string()) + " >" + shell_quote((work / "url").string()) + " 2>" +
            shell_quote((work / "stderr").string()) + " & echo $!");
    m_pid = std::stol(started.out);
    for (int i = 0; i < 600 && alive(m_pid); ++i) {
        const std::string line = read_text(work / "url");
        if (line.ends_with("\n")) {
            m_url = line.substr(0, line.size() - 1);
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    m_why_not = "git_https_server.py did not start: " + read_text(work / "stderr");
    ::kill(static_cast<pid_t>(m_pid), SIGKILL);
    m_pid = 0;
}

GitHttpsServer::~GitHttpsServer() {
    if (m_pid <= 0) return;
    ::kill(static_cast<pid_t>(m_pid), SIGTERM);
    for (int i = 0; i < 100 && alive(m_pid); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (alive(m_pid)) ::kill(static_cast<pid_t>(m_pid), SIGKILL);
}

std::string GitHttpsServer::ca_file() const {
    return (m_work.path() / "ca.pem").string();
}

std::string GitHttpsServer::requests() const {
    return read_text(m_work.path() / "requests.log");
}

}  // namespace support
