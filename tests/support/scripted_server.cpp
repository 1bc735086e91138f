#include "support/scripted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace support {
namespace {

std::string read_request(int fd) {
    std::string data;
    char buf[4096];
    for (;;) {
        auto header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) {
            std::size_t length = 0;
            auto at = data.find("Content-Length:");
            if (at == std::string::npos) at = data.find("content-length:");
            if (at != std::string::npos && at < header_end)
                length = std::strtoul(data.c_str() + at + 15, nullptr, 10);
            if (data.size() >= header_end + 4 + length) return data;
        }
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return data;
        data.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

ScriptedServer::ScriptedServer(ActionScripts scripts)
    : ScriptedServer(std::vector<ScriptedReply>{}) {
    std::lock_guard lock(m_mutex);
    m_by_action = std::move(scripts);
}

ScriptedServer::ScriptedServer(std::vector<ScriptedReply> script) : m_script(std::move(script)) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(m_listen, 16);
    socklen_t len = sizeof addr;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
}

ScriptedServer::~ScriptedServer() {
    m_stop = true;
    ::shutdown(m_listen, SHUT_RDWR);
    ::close(m_listen);
    m_thread.join();
}

std::vector<std::string> ScriptedServer::requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
}

void ScriptedServer::serve() {
    while (!m_stop) {
        pollfd p{m_listen, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int fd = ::accept(m_listen, nullptr, nullptr);
        if (fd < 0) continue;
        std::string request = read_request(fd);
        ScriptedReply reply = next_reply(request);
        if (!reply.drop) {
            std::string out =
                "HTTP/1.1 " + std::to_string(reply.status) +
                " X\r\nConnection: close\r\nContent-Length: " + std::to_string(reply.body.size()) +
                "\r\n";
            for (const auto& [k, v] : reply.headers) out += k + ": " + v + "\r\n";
            out += "\r\n" + reply.body;
            (void)!::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        }
        ::close(fd);
    }
}

// A form field of a Query request's body ("" when absent; values here are not escaped).
static std::string form_field(const std::string& request, const std::string& name) {
    const auto body = request.find("\r\n\r\n");
    if (body == std::string::npos) return "";
    const std::string form = "&" + request.substr(body + 4);
    const auto at = form.find("&" + name + "=");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 2;
    return form.substr(start, form.find('&', start) - start);
}

ScriptedReply ScriptedServer::next_reply(const std::string& request) {
    std::lock_guard lock(m_mutex);
    m_requests.push_back(request);
    if (m_by_action.empty()) return m_script[std::min(m_step++, m_script.size() - 1)];
    if (auto token = form_field(request, "ClientRequestToken"); !token.empty()) m_token = token;
    const std::string action = form_field(request, "Action");
    auto script = m_by_action.find(action);
    if (script == m_by_action.end() || script->second.empty())
        return {false,
                400,
                {},
                "<ErrorResponse><Error><Code>InvalidAction</Code><Message>" + action +
                    " is not scripted</Message></Error></ErrorResponse>"};
    std::size_t& step = m_steps[action];
    ScriptedReply reply = script->second[std::min(step++, script->second.size() - 1)];
    for (std::size_t at; (at = reply.body.find("{{ClientRequestToken}}")) != std::string::npos;)
        reply.body.replace(at, 22, m_token);
    return reply;
}

}  // namespace support
