#include "cli/runtime.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace cli {

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
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Field 22 (starttime) counts from after the ")" that closes the command name.
    auto close = stat.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22) return std::stoll(field);
    }
    return -1;
}

bool process_alive(std::int64_t pid, std::int64_t start) {
    if (pid <= 0 || process_start(pid) != start) return false;
    // A killed process nobody has reaped yet (state Z) is gone as far as its work goes.
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'Z';
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

std::string store_url(const std::string& flag, const components::Manifest* manifest) {
    if (!flag.empty()) return flag;
    if (const char* env = std::getenv("SLIPWAY_STORE"); env && *env) return env;
    if (manifest && !manifest->store.empty()) return manifest->store;
    return "sqlite:.slipway/state.db";
}

common::Result<std::unique_ptr<versioning::VersionStore>> open_store_at(const std::string& url,
                                                                        const std::string& root,
                                                                        bool must_exist) {
    if (must_exist && url.starts_with("sqlite:")) {
        std::filesystem::path path = url.substr(7);
        if (path.is_relative()) path = std::filesystem::path(root) / path;
        if (!std::filesystem::exists(path)) return std::unique_ptr<versioning::VersionStore>();
    }
    if (url.starts_with("sqlite:")) {
        std::filesystem::path path = url.substr(7);
        if (path.is_relative()) path = std::filesystem::path(root) / path;
        if (path.parent_path() == std::filesystem::path(root) / ".slipway") slipway_dir(root, "");
    }
    return versioning::open_store(url, root);
}

}  // namespace cli
