#include "common/interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace common {
namespace {

int g_pipe[2] = {-1, -1};
std::atomic<bool> g_interrupted{false};

void on_signal(int) {
    g_interrupted.store(true);
    const char byte = 1;
    (void)!::write(g_pipe[1], &byte, 1);
}

}  // namespace

int install_interrupt_pipe() {
    if (g_pipe[0] >= 0) return g_pipe[0];
    if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return g_pipe[0];
}

bool interrupted() {
    return g_interrupted.load();
}

}  // namespace common
