// This process and machine as the pipeline sees them: time formats, run ids, whether a
// process (of a run or a lease) is still there, checked with real child processes, and the
// .slipway folder, checked with the git CLI's own `git status`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "pipeline/host.hpp"
#include "support/git_repo.hpp"

namespace {

namespace fs = std::filesystem;

// ---- times ------------------------------------------------------------------------------

TEST(HostTime, IsoTimeIsUtcToTheSecond) {
    EXPECT_EQ(pipeline::iso_time(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(pipeline::iso_time(1'795'000'000'000), "2026-11-18T11:06:40Z");
    EXPECT_EQ(pipeline::iso_time(1'795'000'000'999), "2026-11-18T11:06:40Z");  // not rounded up
    EXPECT_EQ(pipeline::iso_time(951'782'400'000), "2000-02-29T00:00:00Z");    // a leap day
    EXPECT_EQ(pipeline::iso_time(1'798'761'599'000), "2026-12-31T23:59:59Z");
}

TEST(HostTime, IsoTimeIgnoresTheLocalTimeZone) {
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    ::setenv("TZ", "Asia/Kolkata", 1);
    ::tzset();
    const auto iso = pipeline::iso_time(1'795'000'000'000);
    const auto compact = pipeline::compact_time(1'795'000'000'000);
    old ? ::setenv("TZ", saved.c_str(), 1) : ::unsetenv("TZ");
    ::tzset();
    EXPECT_EQ(iso, "2026-11-18T11:06:40Z");
    EXPECT_EQ(compact, "20261118T110640");
}

TEST(HostTime, CompactTimeHasNoSeparators) {
    EXPECT_EQ(pipeline::compact_time(0), "19700101T000000");
    EXPECT_EQ(pipeline::compact_time(1'795'000'000'000), "20261118T110640");
    EXPECT_EQ(pipeline::compact_time(1'798'761'599'999), "20261231T235959");
}

TEST(HostTime, NowIsTheSystemClockInMilliseconds) {
    const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const auto now = pipeline::now_millis();
    const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    EXPECT_LE(before, now);
    EXPECT_LE(now, after);
}

// ---- run ids ----------------------------------------------------------------------------

TEST(NewRunId, IsTheCompactTimeAndSixHexDigits) {
    const auto id = pipeline::new_run_id(1'795'000'000'000);
    EXPECT_TRUE(std::regex_match(id, std::regex("20261118T110640-[0-9a-f]{6}"))) << id;
}

TEST(NewRunId, IdsOfTheSameSecondDiffer) {
    // 24 random bits: 60 ids collide with a chance of about 1 in 10,000.
    std::set<std::string> ids;
    for (int i = 0; i < 60; ++i) ids.insert(pipeline::new_run_id(1'795'000'000'000));
    EXPECT_GE(ids.size(), 59u);
}

TEST(NewRunId, SortsByTime) {
    EXPECT_LT(pipeline::new_run_id(1'795'000'000'000), pipeline::new_run_id(1'795'000'001'000));
    EXPECT_LT(pipeline::new_run_id(999'999'999'000), pipeline::new_run_id(1'000'000'000'000));
}

// ---- processes --------------------------------------------------------------------------

// A child that waits until it is killed.
pid_t waiting_child() {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::pause();
        ::_exit(0);
    }
    return pid;
}

// Kills `pid` and waits until it has exited, without reaping it (it stays a zombie).
void kill_and_leave_zombie(pid_t pid) {
    ::kill(pid, SIGKILL);
    siginfo_t info{};
    ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
}

TEST(ProcessAlive, ThisProcessIsAlive) {
    const auto start = pipeline::process_start(::getpid());
    EXPECT_GT(start, 0);
    EXPECT_TRUE(pipeline::process_alive(::getpid(), start));
}

TEST(ProcessAlive, AReusedPidWithAnotherStartTimeIsNotTheProcess) {
    const auto start = pipeline::process_start(::getpid());
    EXPECT_FALSE(pipeline::process_alive(::getpid(), start + 1));
    EXPECT_FALSE(pipeline::process_alive(::getpid(), start - 1));
}

TEST(ProcessAlive, AChildThatExitedIsGone) {
    const pid_t pid = waiting_child();
    ASSERT_GT(pid, 0);
    const auto start = pipeline::process_start(pid);
    EXPECT_GT(start, 0);
    EXPECT_TRUE(pipeline::process_alive(pid, start));
    kill_and_leave_zombie(pid);
    EXPECT_FALSE(pipeline::process_alive(pid, start)) << "a zombie is gone";
    ::waitpid(pid, nullptr, 0);
    EXPECT_FALSE(pipeline::process_alive(pid, start)) << "a reaped child is gone";
    EXPECT_EQ(pipeline::process_start(pid), -1);
}

TEST(ProcessAlive, NoPidIsNeverAlive) {
    EXPECT_FALSE(pipeline::process_alive(0, 0));
    EXPECT_FALSE(pipeline::process_alive(-1, -1));
    EXPECT_EQ(pipeline::process_start(-5), -1);
}

// ---- leases -----------------------------------------------------------------------------

TEST(LeaseOwner, NamesThisHostProcessAndRun) {
    const auto owner = pipeline::lease_owner("20261118T070640-abcdef");
    EXPECT_EQ(owner, pipeline::host_name() + ":" + std::to_string(::getpid()) + ":" +
                         std::to_string(pipeline::process_start(::getpid())) +
                         ":20261118T070640-abcdef");
    EXPECT_FALSE(pipeline::lease_owner_gone(owner));
}

TEST(LeaseOwner, AnOwnerWhoseProcessExitedIsGone) {
    const pid_t pid = waiting_child();
    ASSERT_GT(pid, 0);
    const std::string owner = pipeline::host_name() + ":" + std::to_string(pid) + ":" +
                              std::to_string(pipeline::process_start(pid)) + ":run-1";
    EXPECT_FALSE(pipeline::lease_owner_gone(owner)) << owner;
    kill_and_leave_zombie(pid);
    EXPECT_TRUE(pipeline::lease_owner_gone(owner)) << owner << " (a zombie)";
    ::waitpid(pid, nullptr, 0);
    EXPECT_TRUE(pipeline::lease_owner_gone(owner)) << owner << " (reaped)";
}

TEST(LeaseOwner, AReusedPidMeansTheOwnerIsGone) {
    const auto start = pipeline::process_start(::getpid());
    const std::string owner = pipeline::host_name() + ":" + std::to_string(::getpid()) + ":" +
                              std::to_string(start + 7) + ":run-1";
    EXPECT_TRUE(pipeline::lease_owner_gone(owner));
}

TEST(LeaseOwner, AnotherHostsOwnerOrAMalformedOneIsNeverGone) {
    // Nobody here can tell whether a process of another host still runs.
    EXPECT_FALSE(pipeline::lease_owner_gone("another-host-" + pipeline::host_name() + ":1:1:run"));
    for (const std::string& bad :
         {std::string(""), std::string("run-1"), pipeline::host_name() + ":x:y:run",
          pipeline::host_name() + ":1:2", pipeline::host_name() + ":1:2:run:extra",
          pipeline::host_name() + "::1:run"}) {
        EXPECT_FALSE(pipeline::lease_owner_gone(bad)) << bad;
    }
}

// ---- environment ------------------------------------------------------------------------

TEST(EnvironmentValues, LeavesOutUnsetAndEmptyVariables) {
    ::setenv("SLIPWAY_TEST_SET", "value with = and spaces", 1);
    ::setenv("SLIPWAY_TEST_EMPTY", "", 1);
    ::unsetenv("SLIPWAY_TEST_UNSET");
    const auto values = pipeline::environment_values(
        {"SLIPWAY_TEST_SET", "SLIPWAY_TEST_EMPTY", "SLIPWAY_TEST_UNSET"});
    ::unsetenv("SLIPWAY_TEST_SET");
    ::unsetenv("SLIPWAY_TEST_EMPTY");
    EXPECT_EQ(
        values,
        (std::map<std::string, std::string>{{"SLIPWAY_TEST_SET", "value with = and spaces"}}));
    EXPECT_TRUE(pipeline::environment_values({}).empty());
}

// ---- .slipway ---------------------------------------------------------------------------

TEST(SlipwayDir, CreatesTheFolderAndGitStatusStaysClean) {
    support::GitRepo repo;
    repo.write("a.txt", "a\n");
    repo.commit("init");
    const auto logs = pipeline::slipway_dir(repo.path().string(), "logs/run-1");
    EXPECT_EQ(fs::path(logs), repo.path() / ".slipway" / "logs" / "run-1");
    EXPECT_TRUE(fs::is_directory(logs));
    std::ofstream(fs::path(logs) / "api.log") << "log\n";
    std::ofstream(repo.path() / ".slipway" / "state.db") << "db";
    EXPECT_EQ(repo.git("status --porcelain --untracked-files=all"), "");
    EXPECT_EQ(repo.git("status --porcelain --ignored=no"), "");
    // `git add -A` takes nothing of it either.
    repo.git("add -A");
    EXPECT_EQ(repo.git("diff --cached --name-only"), "");
}

TEST(SlipwayDir, TheTopFolderAloneAndAgainChangeNothing) {
    support::GitRepo repo;
    repo.write("a.txt", "a\n");
    repo.commit("init");
    const auto top = pipeline::slipway_dir(repo.path().string(), "");
    EXPECT_EQ(fs::path(top), repo.path() / ".slipway");
    const auto ignore = repo.path() / ".slipway" / ".gitignore";
    ASSERT_TRUE(fs::exists(ignore));
    // A team that edited the ignore file keeps its edit.
    std::ofstream(ignore) << "*\n!keep.txt\n";
    pipeline::slipway_dir(repo.path().string(), "cache");
    std::ifstream in(ignore);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "*\n!keep.txt\n");
    EXPECT_EQ(repo.git("status --porcelain --untracked-files=all"), "");
}

}  // namespace
