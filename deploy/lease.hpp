#pragma once
// The environment's deploy lease, held for the whole of a command that changes the
// environment (a run holds it from before it chooses its base until its deploy is recorded,
// so a second run waits or exits busy before building anything, and computes its parameters
// from what the first one deployed).
//
// The lease is a row in the store (VersionStore::acquire_lock, "deploy/<env>") with an
// expiry. While held, a thread renews it every quarter of its time to live through a store
// connection of its own (so the command's own store connection is never shared between
// threads); it is released when the holder is destroyed.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "versioning/version_store.hpp"

namespace deploy {

struct LeaseRequest {
    std::string env;
    std::string owner;  // who takes it (host:pid:pid_start:run)
    std::chrono::milliseconds ttl{std::chrono::minutes(10)};
    bool wait = false;  // wait for a held lease instead of ErrorCode::busy
};

struct LeaseServices {
    /// Opens a store connection of the lease's own, for renewing it from its thread.
    std::function<common::Result<std::unique_ptr<versioning::VersionStore>>()> open_store;
    std::function<versioning::Millis()> now;
    std::function<void(std::chrono::milliseconds)> sleep;
    std::function<double()> random;
    std::function<bool()> interrupted;
    /// True when `owner` names a process that is gone (a killed run's lease is then freed
    /// at once instead of after its time to live); may be empty.
    std::function<bool(const std::string& owner)> holder_gone;
    /// Hears "waiting for ..." and "released the lease of a process that is gone".
    std::function<void(const std::string&)> note;
};

/// The name of environment `env`'s lease in the store.
std::string lease_name(const std::string& env);

class EnvironmentLease {
  public:
    /// Takes the lease through `store` (waiting with `request.wait`) and starts renewing it.
    /// Errors: ErrorCode::busy (held by another, no wait), interrupted, external (store).
    static common::Result<std::unique_ptr<EnvironmentLease>> take(versioning::VersionStore& store,
                                                                  const LeaseRequest& request,
                                                                  LeaseServices services);
    ~EnvironmentLease();
    EnvironmentLease(const EnvironmentLease&) = delete;
    EnvironmentLease& operator=(const EnvironmentLease&) = delete;

    /// True once a renewal found the lease held by someone else.
    [[nodiscard]] bool lost() const { return m_lost.load(); }
    [[nodiscard]] const std::string& owner() const { return m_request.owner; }

  private:
    EnvironmentLease(LeaseRequest request, LeaseServices services,
                     std::unique_ptr<versioning::VersionStore> store);
    void renew_until_stopped();

    LeaseRequest m_request;
    LeaseServices m_services;
    std::unique_ptr<versioning::VersionStore> m_store;  // the renewing thread's connection
    std::atomic<bool> m_lost{false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

}  // namespace deploy
