// `slipway serve` in the slipway program: the service lives in a second program,
// slipway-serve, and this one replaces itself with it (execv: same process id, arguments,
// environment and open descriptors, so systemd, a container's PID 1 or a test sees one
// process). Only `serve` needs cpp-httplib, whose shared library brings a second OpenSSL,
// zlib and Brotli and initialises OpenSSL before main; kept out of this program, every other
// command starts without them (bench/startup.py).
//
// slipway-serve is looked for next to this program (a build tree) and then at its installed
// place relative to it (SLIPWAY_SERVE_RELATIVE: ../libexec/slipway/slipway-serve for
// /usr/bin/slipway), so a relocated installation still finds it.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/command.hpp"

namespace cli {
namespace {

namespace fs = std::filesystem;

// Where slipway-serve may be, for this program at `self` (/proc/self/exe).
std::vector<fs::path> serve_candidates(const fs::path& self) {
    if (self.empty()) return {};
    const fs::path dir = self.parent_path();
    return {dir / "slipway-serve", (dir / SLIPWAY_SERVE_RELATIVE).lexically_normal()};
}

// The command line of this process, as main received it (CLI11 keeps no copy of argv).
std::vector<char*>& saved_argv() {
    static std::vector<char*> argv;
    return argv;
}

}  // namespace

void remember_argv(int argc, char** argv) {
    saved_argv().assign(argv, argv + argc);
    saved_argv().push_back(nullptr);
}

Handler setup_serve(CLI::App& sub) {
    std::string looked;
    int error = ENOENT;
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    for (const auto& candidate : serve_candidates(ec ? fs::path() : self)) {
        // A copy of this program under that name would hand over to itself for ever.
        if (fs::equivalent(candidate, self, ec)) {
            looked += (looked.empty() ? "" : ", ") + candidate.string() + " (this program)";
            error = ENOEXEC;
            continue;
        }
        if (::access(candidate.c_str(), X_OK) == 0) {
            ::execv(candidate.c_str(), saved_argv().data());
            error = errno;  // exec failed: report it below
        } else if (errno != ENOENT) {
            error = errno;  // there, but not executable (or not reachable)
        }
        looked += (looked.empty() ? "" : ", ") + candidate.string();
    }
    // Only reached when no slipway-serve could be started: the options are not this
    // program's, so they are accepted and the error names what is missing.
    sub.allow_extras();
    sub.fallthrough(false);
    const std::string message = "serve: cannot start the service program slipway-serve (" +
                                std::string(std::strerror(error)) + "; looked for " +
                                (looked.empty() ? "it next to /proc/self/exe" : looked) +
                                "): is slipway installed completely?";
    return [message]() -> common::Result<int> {
        return common::fail(common::ErrorCode::external, message);
    };
}

}  // namespace cli
