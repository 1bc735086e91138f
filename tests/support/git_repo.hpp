#pragma once
// Test fixtures: a real git repository in a temp directory, driven with the git CLI, and
// a way to run commands (git itself, or the slipway binary) and capture what they print.
#include <filesystem>
#include <string>

namespace support {

struct CommandResult {
    int status = 0;  // exit status
    std::string out;
    std::string err;
};

/// Runs `command` with sh -c and captures stdout and stderr (stdin: `input`).
CommandResult run(const std::string& command, const std::string& input = "");

/// Whether this runs under CI (CI=true): there every tool a test needs is installed by
/// scripts/setup.sh, so a missing one is a failure, never a skip.
bool in_ci();

/// Whether every program in `names` (space-separated) is on PATH. Under CI=true a missing one
/// also fails the current test (ADD_FAILURE), so the skip that follows cannot pass as green.
bool have_tools(const std::string& names);

/// Quotes a string for sh.
std::string shell_quote(const std::string& text);

/// A fresh temporary directory, removed with everything in it on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

/// A git repository (branch `main`, an identity configured) in a temp directory.
class GitRepo {
  public:
    GitRepo();
    [[nodiscard]] const std::filesystem::path& path() const { return m_dir.path(); }

    /// Runs `git <args>` in the repository; a failure fails the test (ADD_FAILURE).
    std::string git(const std::string& args, const std::string& input = "") const;

    /// Writes a file (creating folders); `mode` 0755 makes it executable.
    void write(const std::string& relative, const std::string& content,
               bool executable = false) const;
    void remove(const std::string& relative) const;
    void symlink(const std::string& target, const std::string& relative) const;

    /// `git add -A && git commit` and returns the new commit id.
    std::string commit(const std::string& message) const;

  private:
    TempDir m_dir;
};

/// The path of the slipway binary under test.
std::string slipway_binary();

}  // namespace support
