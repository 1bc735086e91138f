#pragma once
// The HTTP server's front: what stands between the network and cpp-httplib so that slow
// clients, floods and one greedy address cannot take the service down.
//
// cpp-httplib 0.11.4 (Debian's) listens with a backlog of 5, gives every accepted connection a
// pool thread at once, and reads a request head with a timeout per read but none for the
// whole head: 64 connections that never finish their head hold all 64 threads, a header line
// every few seconds holds them forever, and /healthz waits behind them. So the front:
// - listens on a socket of its own, with the backlog the kernel allows (somaxconn);
// - accepts and reads every request head in one event loop (epoll), without a thread per
//   connection, under one deadline per head (from the accept, or from the end of the last
//   answer on a kept-alive connection); a head past the deadline is answered 408 and closed,
//   one over `max_head` bytes 431;
// - caps the connections of one client address (more: 503 with Retry-After, closed) and in
//   all (more: the connection that has waited longest for its head is closed to make room);
// - hands a complete head to a handler thread, which lets cpp-httplib parse, route and answer
//   it (Server::process_request over a stream that first yields the bytes already read); the
//   rest of the request must arrive within `body_timeout`;
// - keeps a thread of its own for /healthz, so a health check never waits behind busy handlers.
// After an answer a kept-alive connection goes back to the event loop for its next head; one
// that is to close is shut for writing and drained (up to 10 s), so the client reads the
// answer rather than a reset.
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/error.hpp"

namespace service {

struct FrontLimits {
    std::chrono::milliseconds head_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds keep_alive{std::chrono::seconds(5)};  // idle, between requests
    std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
    std::size_t max_head = 32 * 1024;
    std::size_t max_connections = 4096;
    std::size_t max_per_client = 256;
    std::size_t threads = 64;
    std::size_t keep_alive_requests = 100;
};

/// cpp-httplib's server with its request processing reachable by the front.
class RoutedServer : public httplib::Server {
  public:
    using httplib::Server::process_request;
    /// cpp-httplib stops writing a body once its own listening socket is closed (its "shutting
    /// down" check): the front's socket stands in for it, as cpp-httplib never listens here.
    void serving(int listen_fd) { svr_sock_ = listen_fd; }
};

class Front {
  public:
    Front(RoutedServer& server, FrontLimits limits);
    ~Front();
    Front(const Front&) = delete;
    Front& operator=(const Front&) = delete;

    /// Binds and listens on `host`:`port` (0: any free port); the port. ErrorCode::external
    /// when the address cannot be had.
    common::Result<int> listen(const std::string& host, int port);
    /// Serves until stop(): accepts, reads heads, answers. Returns when stopped.
    void run();
    /// Stops accepting, lets the requests being answered finish, closes every connection.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

}  // namespace service
