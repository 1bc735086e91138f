#include "support/git_repo.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string_view>

namespace support {
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

CommandResult run(const std::string& command, const std::string& input) {
    TempDir io;
    const fs::path in = io.path() / "in", out = io.path() / "out", err = io.path() / "err";
    std::ofstream(in, std::ios::binary) << input;
    const std::string full = "( " + command + " ) <" + shell_quote(in) + " >" + shell_quote(out) +
                             " 2>" + shell_quote(err);
    int raw = std::system(full.c_str());
    CommandResult r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci && std::string_view(ci) == "true";
}

bool have_tools(const std::string& names) {
    std::istringstream words(names);
    bool all = true;
    for (std::string name; words >> name;) {
        if (run("command -v " + shell_quote(name)).status == 0) continue;
        all = false;
        if (in_ci())
            ADD_FAILURE() << name << " is not installed: under CI=true that fails the test "
                          << "(scripts/setup.sh installs it)";
    }
    return all;
}

TempDir::TempDir() {
    static std::mt19937_64 rng(std::random_device{}());
    const fs::path base = fs::temp_directory_path();
    do {
        m_path = base / ("slipway-test-" + std::to_string(rng()));
    } while (!fs::create_directory(m_path));
}

TempDir::~TempDir() {
    std::error_code ignored;
    fs::remove_all(m_path, ignored);
}

GitRepo::GitRepo() {
    git("init -q -b main");
    git("config user.email test@slipway.invalid");
    git("config user.name slipway-test");
    git("config commit.gpgsign false");
}

std::string GitRepo::git(const std::string& args, const std::string& input) const {
    auto r = run("git -C " + shell_quote(path()) + " " + args, input);
    if (r.status != 0) ADD_FAILURE() << "git " << args << " failed: " << r.err;
    return r.out;
}

void GitRepo::write(const std::string& relative, const std::string& content,
                    bool executable) const {
    const fs::path p = path() / relative;
    fs::create_directories(p.parent_path());
    std::error_code ignored;
    if (fs::is_symlink(p)) fs::remove(p, ignored);
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    fs::permissions(p, executable ? fs::perms(0755) : fs::perms(0644));
}

void GitRepo::remove(const std::string& relative) const {
    fs::remove_all(path() / relative);
}

void GitRepo::symlink(const std::string& target, const std::string& relative) const {
    const fs::path p = path() / relative;
    fs::create_directories(p.parent_path());
    std::error_code ignored;
    fs::remove(p, ignored);
    fs::create_symlink(target, p);
}

std::string GitRepo::commit(const std::string& message) const {
    git("add -A");
    git("commit -q --allow-empty -m " + shell_quote(message));
    auto id = git("rev-parse HEAD");
    return id.substr(0, id.find('\n'));
}

std::string slipway_binary() {
    // SLIPWAY_TEST_BINARY runs the tests against another build (an older one, to watch a new
    // test fail before its fix).
    if (const char* other = std::getenv("SLIPWAY_TEST_BINARY"); other && *other) return other;
    return SLIPWAY_BINARY;
}

}  // namespace support
