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
    std::size_t step = 0;
    while (!m_stop) {
        pollfd p{m_listen, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int fd = ::accept(m_listen, nullptr, nullptr);
        if (fd < 0) continue;
        const ScriptedReply& reply = m_script[std::min(step++, m_script.size() - 1)];
        std::string request = read_request(fd);
        {
            std::lock_guard lock(m_mutex);
            m_requests.push_back(request);
        }
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

}  // namespace support
