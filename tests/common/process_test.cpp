// Processes by pid and start time, with real processes: a group is stopped only when its
// id still names it (or nothing), never when the pid now names another process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/process.hpp"

namespace {

// A `sleep` in a process group of its own; reaped by the test.
pid_t start_group() {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);
        ::execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // either side may get there first
    return pid;
}

bool exited(pid_t pid) {
    for (int i = 0; i < 100; ++i) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

TEST(Process, StartTimeTellsAProcessApart) {
    EXPECT_GT(common::process_start(::getpid()), 0);
    EXPECT_TRUE(common::process_alive(::getpid(), common::process_start(::getpid())));
    EXPECT_FALSE(common::process_alive(::getpid(), common::process_start(::getpid()) + 1));
    EXPECT_EQ(common::process_start(0x7ffffff0), -1);
}

TEST(Process, AGroupIsStoppedOnlyWhileItsIdStillNamesIt) {
    const pid_t pid = start_group();
    const auto start = common::process_start(pid);
    ASSERT_GT(start, 0);
    // The same pid with another start time: a reused pid, never signalled.
    EXPECT_FALSE(common::stop_process_group(pid, start + 1));
    EXPECT_EQ(::kill(pid, 0), 0);
    EXPECT_TRUE(common::stop_process_group(pid, start));
    EXPECT_TRUE(exited(pid));
    EXPECT_FALSE(common::stop_process_group(pid, start));  // gone: nothing to signal
    EXPECT_FALSE(common::stop_process_group(0, 0));
}

}  // namespace
