// See front.hpp. One thread (run()) owns every connection while it waits for a head or is
// drained; a handler thread owns it while it answers, and hands it back through `returned`.
// Only the loop thread counts connections, so the caps need no locks.
#include "service/front.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace service {
namespace {

using Clock = std::chrono::steady_clock;
using common::ErrorCode;

enum class State { head, busy, draining };

struct Conn {
    int fd = -1;
    std::string client;  // the peer's address, without its port
    int port = 0;
    std::string buffer;  // read and not yet part of an answered request
    State state = State::head;
    Clock::time_point since;     // when it began waiting for this head
    Clock::time_point deadline;  // of this head, or of the drain
    std::size_t served = 0;
    bool close = false;  // set by the handler: close after this answer
};

// Where the head in `b` ends (just past its blank line), or npos.
std::size_t head_end(const std::string& b) {
    const auto at = b.find("\r\n\r\n");
    return at == std::string::npos ? at : at + 4;
}

bool is_health_check(const std::string& b) {
    for (const char* prefix : {"GET /healthz ", "GET /healthz?", "HEAD /healthz "})
        if (b.starts_with(prefix)) return true;
    return false;
}

// Waits until `fd` is ready for `events` or `until` passes.
bool wait_for(int fd, short events, Clock::time_point until) {
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 1000)));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

const char* status_text(int status) {
    switch (status) {
        case 408:
            return "Request Timeout";
        case 431:
            return "Request Header Fields Too Large";
        default:
            return "Service Unavailable";
    }
}

// A short answer written without waiting (a refusal or a timeout); best effort.
void answer_now(int fd, int status, const char* reason, const char* extra = "") {
    const std::string body = fmt::format(R"({{"error":{{"code":"{}"}}}})", reason);
    const std::string text = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nConnection: close\r\n{}"
        "Content-Length: {}\r\n\r\n{}",
        status, status_text(status), extra, body.size(), body);
    (void)!::send(fd, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

// The request's bytes for cpp-httplib: first those the front already read, then the socket's
// until the request's deadline. socket() says 0: cpp-httplib 0.11.4 (built without
// CPPHTTPLIB_USE_POLL) answers 500 to any stream whose descriptor is past select()'s
// FD_SETSIZE, and this stream never select()s.
class ConnStream final : public httplib::Stream {
  public:
    ConnStream(Conn& c, Clock::time_point read_until, std::chrono::milliseconds write_timeout)
        : m_c(c), m_read_until(read_until), m_write_timeout(write_timeout) {}

    bool is_readable() const override {
        return m_off < m_c.buffer.size() || wait_for(m_c.fd, POLLIN, m_read_until);
    }
    bool is_writable() const override {
        return wait_for(m_c.fd, POLLOUT, Clock::now() + m_write_timeout);
    }

    ssize_t read(char* ptr, size_t size) override {
        if (m_off < m_c.buffer.size()) {
            const std::size_t n = std::min(size, m_c.buffer.size() - m_off);
            std::memcpy(ptr, m_c.buffer.data() + m_off, n);
            m_off += n;
            return static_cast<ssize_t>(n);
        }
        m_c.buffer.clear();
        m_off = 0;
        for (;;) {
            if (!wait_for(m_c.fd, POLLIN, m_read_until)) return -1;
            char chunk[16384];
            const bool direct = size >= sizeof chunk;
            const auto n = ::recv(m_c.fd, direct ? ptr : chunk, direct ? size : sizeof chunk, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (n <= 0 || direct) return n;
            const std::size_t given = std::min(size, static_cast<std::size_t>(n));
            std::memcpy(ptr, chunk, given);
            m_c.buffer.assign(chunk + given, static_cast<std::size_t>(n) - given);
            return static_cast<ssize_t>(given);
        }
    }

    ssize_t write(const char* ptr, size_t size) override {
        if (!m_head_seen) note_answer_head(std::string_view(ptr, size));
        const auto until = Clock::now() + m_write_timeout;
        for (;;) {
            const auto n = ::send(m_c.fd, ptr, size, MSG_NOSIGNAL);
            if (n >= 0 || (errno != EAGAIN && errno != EINTR)) return n;
            if (!wait_for(m_c.fd, POLLOUT, until)) return -1;
        }
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip = m_c.client;
        port = m_c.port;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage a{};
        socklen_t len = sizeof a;
        ip.clear();
        port = 0;
        if (::getsockname(m_c.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return;
        char text[INET6_ADDRSTRLEN] = {};
        if (a.ss_family == AF_INET) {
            const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
            ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
            port = ntohs(v4.sin_port);
        } else if (a.ss_family == AF_INET6) {
            const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
            ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
            port = ntohs(v6.sin6_port);
        }
        ip = text;
    }
    socket_t socket() const override { return 0; }

    /// The bytes read past this request (a pipelined next request's).
    std::string leftover() const { return m_c.buffer.substr(std::min(m_off, m_c.buffer.size())); }
    /// Whether the answer said "Connection: close" (a handler may ask for it).
    bool answer_closes() const { return m_closes; }

  private:
    // cpp-httplib writes the status line and headers before any body: look for the header.
    void note_answer_head(std::string_view part) {
        m_head.append(part.substr(0, std::min<std::size_t>(part.size(), 16384)));
        const auto end = m_head.find("\r\n\r\n");
        if (end == std::string::npos && m_head.size() < 16384) return;
        m_head_seen = true;
        std::string lower = m_head.substr(0, end);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        m_closes = lower.find("\r\nconnection: close") != std::string::npos;
        m_head.clear();
    }

    Conn& m_c;
    std::size_t m_off = 0;
    Clock::time_point m_read_until;
    std::chrono::milliseconds m_write_timeout;
    std::string m_head;
    bool m_head_seen = false;
    bool m_closes = false;
};

}  // namespace

struct Front::Impl {
    Impl(RoutedServer& s, FrontLimits l) : server(s), limits(l) {}

    RoutedServer& server;
    FrontLimits limits;
    int listen_fd = -1;
    int epoll_fd = -1;
    int wake_fd = -1;
    std::atomic<bool> stopping{false};
    Clock::time_point accept_paused_until{};

    // The loop thread's alone.
    std::unordered_map<int, std::unique_ptr<Conn>> conns;
    std::map<std::string, std::size_t> per_client;

    // Between the loop and the handlers.
    std::mutex mutex;
    std::condition_variable work, health_work;
    std::deque<Conn*> ready, health_ready, returned;
    bool handlers_stop = false;
    std::vector<std::thread> handlers;

    void wake() const {
        const std::uint64_t one = 1;
        (void)!::write(wake_fd, &one, sizeof one);
    }
    void watch(Conn& c) const {
        epoll_event e{};
        e.events = EPOLLIN | EPOLLRDHUP;
        e.data.fd = c.fd;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c.fd, &e);
    }
    void close_conn(int fd) {
        auto it = conns.find(fd);
        if (it == conns.end()) return;
        if (it->second->state != State::busy) ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
        if (auto pc = per_client.find(it->second->client);
            pc != per_client.end() && --pc->second == 0)
            per_client.erase(pc);
        ::close(fd);
        conns.erase(it);
    }

    void accept_all();
    bool make_room();
    void readable(Conn& c);
    void dispatch(Conn& c);
    void take_returned();
    void expire();
    void handle(std::deque<Conn*>& queue, std::condition_variable& cv);
    void serve_one(Conn& c);
};

Front::Front(RoutedServer& server, FrontLimits limits)
    : m(std::make_unique<Impl>(server, limits)) {}

Front::~Front() {
    for (int fd : {m->listen_fd, m->epoll_fd, m->wake_fd})
        if (fd >= 0) ::close(fd);
}

common::Result<int> Front::listen(const std::string& host_text, int port) {
    // Room for the connections the caps allow: the soft limit of open files raised to the hard.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur > 256)
        m->limits.max_connections =
            std::min<std::size_t>(m->limits.max_connections, files.rlim_cur - 256);
    std::string host = host_text;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found) != 0)
        return common::fail(ErrorCode::external, "cannot resolve " + host_text);
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, ::freeaddrinfo);
    std::string why = "no address";
    for (auto* a = found; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        const int yes = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        // The kernel caps the backlog at net.core.somaxconn (4096 on Linux 5.4 and later).
        if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 65535) == 0) {
            m->listen_fd = fd;
            break;
        }
        why = std::strerror(errno);
        ::close(fd);
    }
    if (m->listen_fd < 0) return common::fail(ErrorCode::external, why);
    m->server.serving(m->listen_fd);
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    ::getsockname(m->listen_fd, reinterpret_cast<sockaddr*>(&bound), &len);
    const int actual = bound.ss_family == AF_INET6
                           ? ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port)
                           : ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
    m->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    m->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m->epoll_fd < 0 || m->wake_fd < 0)
        return common::fail(ErrorCode::external, std::string("epoll: ") + std::strerror(errno));
    for (int fd : {m->listen_fd, m->wake_fd}) {
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.fd = fd;
        ::epoll_ctl(m->epoll_fd, EPOLL_CTL_ADD, fd, &e);
    }
    return actual;
}

// Accepts what is waiting. A client address at its cap is answered 503 and closed; at the
// total cap the longest-waiting head makes room, else the newcomer is refused.
void Front::Impl::accept_all() {
    for (;;) {
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if ((errno == EMFILE || errno == ENFILE) && make_room()) continue;
            if (errno == EMFILE || errno == ENFILE) {
                // Nothing to close: stop taking connections for a moment (they wait in the
                // backlog), or the listening socket, ready all the time, would spin the loop.
                ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
                accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
            }
            return;
        }
        auto c = std::make_unique<Conn>();
        c->fd = fd;
        char text[INET6_ADDRSTRLEN] = {};
        if (peer.ss_family == AF_INET6) {
            const auto& v6 = reinterpret_cast<const sockaddr_in6&>(peer);
            ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
            c->port = ntohs(v6.sin6_port);
        } else {
            const auto& v4 = reinterpret_cast<const sockaddr_in&>(peer);
            ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
            c->port = ntohs(v4.sin_port);
        }
        c->client = text;
        const auto known = per_client.find(c->client);
        const bool over = known != per_client.end() && known->second >= limits.max_per_client;
        // make_room() may close (and uncount) a connection of this same client: count after it.
        if (over || (conns.size() >= limits.max_connections && !make_room())) {
            answer_now(fd, 503, "too_many_connections", "Retry-After: 1\r\n");
            ::close(fd);
            continue;
        }
        ++per_client[c->client];
        const int yes = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        c->since = Clock::now();
        c->deadline = c->since + limits.head_timeout;
        watch(*c);
        conns.emplace(fd, std::move(c));
    }
}

// Closes the connection that has waited longest for its head (or is draining); false when
// every connection is being answered.
bool Front::Impl::make_room() {
    Conn* oldest = nullptr;
    for (auto& [fd, c] : conns) {
        if (c->state == State::busy) continue;
        if (c->state == State::draining) return close_conn(fd), true;
        if (!oldest || c->since < oldest->since) oldest = c.get();
    }
    if (!oldest) return false;
    close_conn(oldest->fd);
    return true;
}

// Bytes on a connection waiting for its head (or being drained).
void Front::Impl::readable(Conn& c) {
    char chunk[16384];
    for (;;) {
        const auto n = ::recv(c.fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) return close_conn(c.fd);
        if (c.state == State::draining) continue;
        if (c.buffer.empty() && c.served > 0) {
            // The first byte of a kept-alive connection's next head: its deadline starts.
            c.since = Clock::now();
            c.deadline = c.since + limits.head_timeout;
        }
        const std::size_t from = c.buffer.size() < 3 ? 0 : c.buffer.size() - 3;
        c.buffer.append(chunk, static_cast<std::size_t>(n));
        const auto end = c.buffer.find("\r\n\r\n", from);
        if (end != std::string::npos && end + 4 <= limits.max_head) return dispatch(c);
        if (c.buffer.size() > limits.max_head) {
            answer_now(c.fd, 431, "request_head_too_large");
            return close_conn(c.fd);
        }
    }
}

void Front::Impl::dispatch(Conn& c) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
    c.state = State::busy;
    const bool health = is_health_check(c.buffer);
    {
        std::lock_guard lock(mutex);
        (health ? health_ready : ready).push_back(&c);
    }
    (health ? health_work : work).notify_one();
}

// Connections the handlers are done with: the next head, or a drain before closing.
void Front::Impl::take_returned() {
    std::deque<Conn*> back;
    {
        std::lock_guard lock(mutex);
        back.swap(returned);
    }
    const auto now = Clock::now();
    for (Conn* c : back) {
        if (c->close || stopping) {
            // Shut for writing and read what the client still sends (a body nobody read), so
            // it sees the answer, not a reset; closed at EOF or after 10 s (first to go when
            // connections run out).
            ::shutdown(c->fd, SHUT_WR);
            c->state = State::draining;
            c->deadline = now + std::chrono::seconds(10);
            watch(*c);
            continue;
        }
        ++c->served;
        c->state = State::head;
        c->since = now;
        c->deadline = now + (c->buffer.empty() ? limits.keep_alive : limits.head_timeout);
        if (const auto end = head_end(c->buffer); end != std::string::npos) {
            dispatch(*c);  // a pipelined request, read with the last one
        } else {
            watch(*c);
        }
    }
}

// Heads past their deadline: 408 (when anything of it came) and closed; drains ended.
void Front::Impl::expire() {
    const auto now = Clock::now();
    std::vector<int> late;
    for (auto& [fd, c] : conns)
        if (c->state != State::busy && c->deadline <= now) late.push_back(fd);
    for (int fd : late) {
        Conn& c = *conns.at(fd);
        if (c.state == State::head && !c.buffer.empty()) answer_now(fd, 408, "request_timeout");
        close_conn(fd);
    }
    if (accept_paused_until != Clock::time_point{} && now >= accept_paused_until) {
        accept_paused_until = {};
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.fd = listen_fd;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &e);
    }
}

void Front::Impl::serve_one(Conn& c) {
    ConnStream stream(c, Clock::now() + limits.body_timeout, limits.write_timeout);
    const bool last = c.served + 1 >= limits.keep_alive_requests || stopping;
    bool closed = false;
    bool ok = false;
    try {
        ok = server.process_request(stream, last, closed, nullptr);
    } catch (const std::exception& e) {
        spdlog::error("serve: answering {}: {}", c.client, e.what());
    }
    c.buffer = stream.leftover();
    c.close = !ok || closed || last || stream.answer_closes();
}

void Front::Impl::handle(std::deque<Conn*>& queue, std::condition_variable& cv) {
    for (;;) {
        Conn* c = nullptr;
        {
            std::unique_lock lock(mutex);
            cv.wait(lock, [&] { return handlers_stop || !queue.empty(); });
            if (queue.empty()) return;
            c = queue.front();
            queue.pop_front();
        }
        serve_one(*c);
        {
            std::lock_guard lock(mutex);
            returned.push_back(c);
        }
        wake();
    }
}

void Front::run() {
    auto& s = *m;
    for (std::size_t i = 0; i < std::max<std::size_t>(s.limits.threads, 1); ++i)
        s.handlers.emplace_back([&s] { s.handle(s.ready, s.work); });
    s.handlers.emplace_back([&s] { s.handle(s.health_ready, s.health_work); });
    auto last_sweep = Clock::now();
    epoll_event events[256];
    while (!s.stopping) {
        const int n = ::epoll_wait(s.epoll_fd, events, 256, 100);
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == s.listen_fd) {
                s.accept_all();
            } else if (fd == s.wake_fd) {
                std::uint64_t count = 0;
                (void)!::read(s.wake_fd, &count, sizeof count);
                s.take_returned();
            } else if (auto it = s.conns.find(fd); it != s.conns.end()) {
                s.readable(*it->second);
            }
        }
        if (Clock::now() - last_sweep >= std::chrono::milliseconds(100)) {
            s.expire();
            last_sweep = Clock::now();
        }
    }
    // Stopping: no new connections or heads; the requests being answered finish.
    ::close(s.listen_fd);
    s.listen_fd = -1;
    std::vector<int> idle;
    for (auto& [fd, c] : s.conns)
        if (c->state != State::busy) idle.push_back(fd);
    for (int fd : idle) s.close_conn(fd);
    {
        std::lock_guard lock(s.mutex);
        for (auto* q : {&s.ready, &s.health_ready}) {
            for (Conn* c : *q) s.returned.push_back(c), c->close = true;
            q->clear();
        }
        s.handlers_stop = true;
    }
    s.work.notify_all();
    s.health_work.notify_all();
    for (auto& t : s.handlers) t.join();
    s.handlers.clear();
    std::vector<int> rest;
    for (auto& [fd, c] : s.conns) rest.push_back(fd);
    for (int fd : rest) {
        s.conns.at(fd)->state = State::head;  // no longer a handler's; watched or not, closed
        ::shutdown(fd, SHUT_WR);
        s.close_conn(fd);
    }
}

void Front::stop() {
    m->stopping = true;
    m->wake();
}

}  // namespace service
