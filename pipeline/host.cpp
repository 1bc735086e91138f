// See host.hpp.
#include "pipeline/host.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/process.hpp"

namespace pipeline {

versioning::Millis now_millis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {

std::tm utc(versioning::Millis at) {
    std::time_t seconds = static_cast<std::time_t>(at / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return tm;
}

}  // namespace

std::string iso_time(versioning::Millis at) {
    char buf[32];
    auto tm = utc(at);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string compact_time(versioning::Millis at) {
    char buf[32];
    auto tm = utc(at);
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
    return buf;
}

std::string host_name() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

std::int64_t process_start(std::int64_t pid) {
    return common::process_start(pid);
}

bool process_alive(std::int64_t pid, std::int64_t start) {
    return common::process_alive(pid, start);
}

std::map<std::string, std::string> environment_values(const std::vector<std::string>& names) {
    std::map<std::string, std::string> out;
    for (const auto& name : names) {
        if (const char* v = std::getenv(name.c_str()); v && *v) out[name] = v;
    }
    return out;
}

std::string lease_owner(const std::string& run_id) {
    return fmt::format("{}:{}:{}:{}", host_name(), ::getpid(), process_start(::getpid()), run_id);
}

bool lease_owner_gone(const std::string& owner) {
    std::vector<std::string> parts;
    for (std::size_t s = 0, e; s <= owner.size(); s = e + 1) {
        e = owner.find(':', s);
        if (e == std::string::npos) e = owner.size();
        parts.push_back(owner.substr(s, e - s));
    }
    if (parts.size() != 4 || parts[0] != host_name()) return false;
    try {
        return !process_alive(std::stoll(parts[1]), std::stoll(parts[2]));
    } catch (const std::exception&) {
        return false;
    }
}

common::Result<std::size_t> recover_runs(versioning::VersionStore& store, versioning::Millis now) {
    return store.recover_interrupted(
        host_name(), now, process_alive, [](const versioning::BuildRecord& b) {
            common::stop_process_group(b.handle.pgid, b.handle.pgid_start);
        });
}

std::string new_run_id(versioning::Millis at) {
    std::random_device random;
    return fmt::format("{}-{:06x}", compact_time(at), random() & 0xffffff);
}

std::string slipway_dir(const std::string& root, const std::string& sub) {
    const auto top = std::filesystem::path(root) / ".slipway";
    const auto dir = sub.empty() ? top : top / sub;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::exists(top / ".gitignore")) std::ofstream(top / ".gitignore") << "*\n";
    return dir.string();
}

}  // namespace pipeline
