// Test helper: one replica of the service's queue. For ROUNDS rounds it stores delivery
// d-<round> (every process the same ids: each is to be stored by one of them), enqueues a job
// (environments e0..e<ENVS-1>; heads shared with the other processes, so some are dropped),
// then claims a job; a claimed job is held for a moment under a marker file
// MARKS/<env> made with O_EXCL -- a second holder of the environment finds the marker and
// prints "overlap" -- and finished. It prints one line per event:
//   delivered <delivery> <1: stored, 0: there already> | enqueued <id> <env> <status> |
//   claimed <id> <env> | overlap <env> <id> | interrupted <id> (a dead replica's job taken back)
// Several of these run at once in the queue's concurrency test.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "versioning/version_store.hpp"

namespace {

versioning::Millis now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int fail(const common::Error& e) {
    std::fprintf(stderr, "%s\n", e.message.c_str());
    return 1;
}

// Holds job `j` under its environment's marker for a moment; false when the marker was
// there already (another process runs a job of the environment).
bool hold(const std::string& marks, const versioning::JobRecord& j) {
    const std::string marker = marks + "/" + j.env;
    const int fd = ::open(marker.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0) return false;
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    ::unlink(marker.c_str());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: store_queuer URL WORKER ROUNDS ENVS MARKS\n");
        return 2;
    }
    auto store = versioning::open_store(argv[1], "/");
    if (!store) return fail(store.error());
    const std::string owner = std::string("worker-") + argv[2];
    const int rounds = std::atoi(argv[3]);
    const int envs = std::atoi(argv[4]);
    for (int i = 0; i < rounds; ++i) {
        const versioning::DeliveryRecord delivery{"github",
                                                  "d-" + std::to_string(i),
                                                  now_ms(),
                                                  "push",
                                                  "refs/heads/dev",
                                                  "c",
                                                  owner,
                                                  "queued",
                                                  "",
                                                  0};
        auto stored = (*store)->record_delivery(delivery);
        if (!stored) return fail(stored.error());
        std::printf("delivered %s %d\n", delivery.id.c_str(), *stored ? 1 : 0);
        versioning::JobRecord job;
        job.env = "e" + std::to_string(i % envs);
        job.branch = "dev";
        job.head = "c" + std::to_string(i / 2);
        job.trigger = "test:" + owner;
        job.created_at = now_ms();
        auto queued = (*store)->enqueue_job(job);
        if (!queued) return fail(queued.error());
        std::printf("enqueued %lld %s %s\n", static_cast<long long>(queued->id),
                    queued->env.c_str(), std::string(to_string(queued->status)).c_str());
        std::vector<versioning::JobRecord> interrupted;
        auto claimed = (*store)->claim_job(owner, now_ms(), 60000, interrupted);
        if (!claimed) return fail(claimed.error());
        for (const auto& j : interrupted)
            std::printf("interrupted %lld\n", static_cast<long long>(j.id));
        if (!*claimed) continue;
        const auto& j = **claimed;
        std::printf("claimed %lld %s\n", static_cast<long long>(j.id), j.env.c_str());
        if (!hold(argv[5], j))
            std::printf("overlap %s %lld\n", j.env.c_str(), static_cast<long long>(j.id));
        auto done = (*store)->finish_job(j.id, owner, versioning::JobStatus::succeeded, now_ms(),
                                         "run-" + std::to_string(j.id), "");
        if (!done) return fail(done.error());
    }
    return 0;
}
