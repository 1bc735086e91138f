#include "deploy/lease.hpp"

#include <fmt/format.h>

#include <ctime>

#include "deploy/events.hpp"

namespace deploy {
namespace {

std::string utc(versioning::Millis at) {
    const std::time_t t = static_cast<std::time_t>(at / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%FT%TZ", &tm);
    return buf;
}

}  // namespace

std::string lease_name(const std::string& env) {
    return "deploy/" + env;
}

common::Result<std::unique_ptr<EnvironmentLease>> EnvironmentLease::take(
    versioning::VersionStore& store, const LeaseRequest& request, LeaseServices services) {
    const std::string name = lease_name(request.env);
    bool told = false;
    for (int attempt = 0;; ++attempt) {
        auto held = store.acquire_lock(name, request.owner, services.now(), request.ttl.count());
        if (!held) return std::unexpected(held.error().with_context("taking the deploy lease"));
        if (held->owner == request.owner) break;
        if (services.holder_gone && services.holder_gone(held->owner)) {
            if (services.note)
                services.note(fmt::format(
                    "{}: the lease of a process that is gone ({}) is released", name, held->owner));
            if (auto ok = store.release_lock(name, held->owner); !ok)
                return std::unexpected(ok.error());
            continue;
        }
        const std::string who =
            fmt::format("environment '{}' is being deployed by {} (lease until {})", request.env,
                        held->owner, utc(held->expires_at));
        if (!request.wait)
            return common::fail(common::ErrorCode::busy, who + "; use --wait to queue");
        if (!told && services.note) services.note(who + "; waiting");
        told = true;
        if (services.interrupted && services.interrupted())
            return common::fail(common::ErrorCode::interrupted, "interrupted");
        services.sleep(poll_delay(std::min(attempt + 5, 20), services.random()));
    }
    auto own = services.open_store();
    if (!own) {
        (void)store.release_lock(name, request.owner);
        return std::unexpected(own.error());
    }
    return std::unique_ptr<EnvironmentLease>(
        new EnvironmentLease(request, std::move(services), std::move(*own)));
}

EnvironmentLease::EnvironmentLease(LeaseRequest request, LeaseServices services,
                                   std::unique_ptr<versioning::VersionStore> store)
    : m_request(std::move(request)), m_services(std::move(services)), m_store(std::move(store)) {
    m_thread = std::thread([this] { renew_until_stopped(); });
}

EnvironmentLease::~EnvironmentLease() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
    (void)m_store->release_lock(lease_name(m_request.env), m_request.owner);
}

// Renews every quarter of the time to live; a renewal that finds another holder marks the
// lease lost (the holder's commands check lost() before they deploy). A store error is
// tried again at the next turn: the lease still has three quarters of its time.
void EnvironmentLease::renew_until_stopped() {
    const auto period = m_request.ttl / 4;
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, period, [this] { return m_stop; })) {
        lock.unlock();
        auto held = m_store->acquire_lock(lease_name(m_request.env), m_request.owner,
                                          m_services.now(), m_request.ttl.count());
        if (held && held->owner != m_request.owner) m_lost = true;
        lock.lock();
    }
}

}  // namespace deploy
