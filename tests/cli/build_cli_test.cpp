// `slipway build` with real processes, and the store queries over what it recorded.
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "cli_fixture.hpp"

namespace {

using cli_test::expect_one_line_error;
using cli_test::slipway;
using support::shell_quote;

const char* k_manifest = R"(image: {repository: reg.example/app}
components:
  lib: {paths: [lib/], kind: library, build: "echo lib > out-lib.txt"}
  app: {paths: [app/], depends_on: [lib], parameter: AppImage, build: "test -f out-lib.txt && env | grep ^SLIPWAY_ | sort > out-app.env"}
  fails: {paths: [fails/], parameter: F, build: "echo about to fail; for i in $(seq 1 50); do echo line $i; done; exit 3"}
  after-fail: {paths: [af/], depends_on: [fails], parameter: AF, build: "touch out-af"}
  slow: {paths: [slow/], parameter: S, build: "sleep 0.2; echo slow done"}
  hangs: {paths: [hangs/], parameter: H, build: "sleep 611 & sleep 612", timeout: 1s}
  chatty: {paths: [chatty/], parameter: C, build: "seq 1 20000"}
  long1: {paths: [long1/], parameter: L1, build: "echo running; sleep 621 & sleep 622"}
  long2: {paths: [long2/], parameter: L2, build: "echo running; sleep 623"}
  orphan: {paths: [orphan/], parameter: O, build: "echo running; sleep 631 & sleep 632"}
  leaves: {paths: [leaves/], parameter: LV, build: "sleep 641 & echo left one behind"}
)";

class BuildCli : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("slipway.yml", k_manifest);
        for (const char* dir : {"lib", "app", "fails", "af", "slow", "hangs", "chatty", "long1",
                                "long2", "orphan", "leaves"}) {
            repo.write(std::string(dir) + "/src.txt", std::string(dir) + "\n");
        }
        repo.write(".gitignore", "out-*\n");
        repo.commit("init");
    }
    std::string in_repo() const { return "--repo " + shell_quote(repo.path()); }
    std::string read(const std::string& relative) const {
        std::ifstream in(repo.path() / relative);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    static int count_processes(const std::string& pattern) {
        return std::stoi(support::run("pgrep -c -f " + shell_quote(pattern) + " || true").out);
    }
    support::GitRepo repo;
};

TEST_F(BuildCli, BuildsInDependencyOrderWithSlipwayVariables) {
    auto r = slipway("build " + in_repo() + " --only lib,app -j2");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string env = read("out-app.env");
    EXPECT_NE(env.find("SLIPWAY_BUILD_NUMBER=1\n"), std::string::npos) << env;
    EXPECT_NE(env.find("SLIPWAY_COMPONENT=app\n"), std::string::npos);
    EXPECT_NE(env.find("SLIPWAY_IMAGE_URI=reg.example/app:app-1\n"), std::string::npos);
    EXPECT_NE(env.find("SLIPWAY_REPO_ROOT=" + repo.path().string() + "\n"), std::string::npos);
    EXPECT_NE(r.out.find("app                      succeeded   #1"), std::string::npos) << r.out;
    // Same inputs: reused, no new number; --no-reuse builds #2.
    EXPECT_NE(slipway("build " + in_repo() + " --only app").out.find("reused      #1"),
              std::string::npos);
    EXPECT_NE(slipway("build " + in_repo() + " --only app --no-reuse").out.find("succeeded   #2"),
              std::string::npos);
    auto history = slipway("history app --json " + in_repo());
    EXPECT_EQ(history.status, 0) << history.err;
    EXPECT_NE(history.out.find(R"("build_number":2)"), std::string::npos) << history.out;
    EXPECT_NE(history.out.find(R"("status":"reused")"), std::string::npos);
}

TEST_F(BuildCli, AFailurePrintsItsLogTailAndSkipsDependents) {
    auto r = slipway("build " + in_repo() + " --only fails,after-fail,slow -j2");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("[fails] failed with exit code 3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("last 40 lines of " + repo.path().string() + "/.slipway/logs/"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("  | line 11\n"), std::string::npos);
    EXPECT_EQ(r.err.find("  | line 10\n"), std::string::npos);
    EXPECT_NE(r.err.find("[slow] slow done"), std::string::npos);
    EXPECT_NE(r.out.find("after-fail               skipped"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("slow                     succeeded"), std::string::npos);
}

TEST_F(BuildCli, ATimeoutKillsTheWholeProcessGroup) {
    auto r = slipway("build " + in_repo() + " --only hangs");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("hangs                    timed-out"), std::string::npos)
        << r.out << r.err;
    EXPECT_EQ(count_processes("sleep 61[12]"), 0);
}

TEST_F(BuildCli, LotsOfOutputIsLoggedAndPrefixed) {
    auto r = slipway("build " + in_repo() + " --only chatty --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("[chatty] 20000\n"), std::string::npos);
    auto log = r.out.substr(r.out.find(R"("log_path":")") + 12);
    log = log.substr(0, log.find('"'));
    std::ifstream in(log);
    std::size_t lines = 0;
    for (std::string l; std::getline(in, l);) ++lines;
    EXPECT_EQ(lines, 20000u);
}

// --quiet: nobody reads the output line by line, so it goes from the command straight into
// its log file (no pipe through slipway). All of it is there, stdout and stderr in order; a
// failure still shows its log's tail; and a process left running in the background with the
// log open does not hold the build up (its end is the command's exit, not the output's).
TEST_F(BuildCli, QuietBuildsWriteStraightIntoTheirLogs) {
    auto r = slipway("build " + in_repo() + " --only chatty,fails,slow,leaves -j4 -q --json");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.err.find("[chatty] 20000\n"), std::string::npos) << "echoed despite -q";
    auto log_of = [&](const std::string& component) {  // keys are sorted: log_path follows
        auto at = r.out.find(R"("component":")" + component + '"');
        EXPECT_NE(at, std::string::npos) << r.out;
        auto path = r.out.substr(r.out.find(R"("log_path":")", at) + 12);
        std::ifstream in(path.substr(0, path.find('"')));
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    };
    const std::string chatty = log_of("chatty");
    EXPECT_EQ(std::count(chatty.begin(), chatty.end(), '\n'), 20000) << chatty.size();
    EXPECT_TRUE(chatty.ends_with("19999\n20000\n"));
    EXPECT_EQ(log_of("slow"), "slow done\n");
    EXPECT_NE(r.err.find("  | line 50\n"), std::string::npos) << r.err;  // the failure's tail
    EXPECT_NE(log_of("fails").find("about to fail\nline 1\n"), std::string::npos);
    EXPECT_EQ(log_of("leaves"), "left one behind\n");
    EXPECT_EQ(count_processes("sleep 64[1]"), 0);  // its group was ended with it
}

TEST_F(BuildCli, DryRunChangesNothing) {
    auto r = slipway("build " + in_repo() + " --all --dry-run");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("app                      #1     reg.example/app:app-1 after lib"),
              std::string::npos)
        << r.out;
    EXPECT_FALSE(std::filesystem::exists(repo.path() / ".slipway" / "state.db"));
    EXPECT_FALSE(std::filesystem::exists(repo.path() / "out-lib.txt"));
    ASSERT_EQ(slipway("build " + in_repo() + " --only lib").status, 0);
    auto again = slipway("build " + in_repo() + " --only lib,slow --dry-run");
    // Whose build it was (this host) and that the image, not in ECR, is taken on trust.
    EXPECT_NE(again.out.find("lib                      #2     reg.example/app:lib-2  (would reuse "
                             "#1 from "),
              std::string::npos)
        << again.out;
    EXPECT_NE(again.out.find(": same inputs, not an ECR image: taken on trust)\n"),
              std::string::npos)
        << again.out;
}

TEST_F(BuildCli, BaseModeBuildsWhatChangedAndRecordsTheDiffs) {
    repo.write("slow/src.txt", "changed\n");
    repo.write("README.txt", "unowned\n");
    repo.commit("change slow");
    auto r = slipway("build " + in_repo() + " --base HEAD~1");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("slow "), std::string::npos);
    EXPECT_EQ(r.out.find("app "), std::string::npos);
    auto diffs = slipway("diffs HEAD --json " + in_repo());
    EXPECT_NE(diffs.out.find(R"("components":[{"name":"slow","paths":["slow/src.txt"]}])"),
              std::string::npos)
        << diffs.out;
    auto status = slipway("status --json " + in_repo());
    EXPECT_NE(status.out.find(R"("name":"slow")"), std::string::npos);
    EXPECT_EQ(slipway("build " + in_repo() + " --base HEAD").out, "nothing to build\n");
}

TEST_F(BuildCli, InputErrors) {
    expect_one_line_error(slipway("build " + in_repo() + " --only ap"), 2,
                          "unknown component 'ap' (did you mean 'app'?)");
    expect_one_line_error(slipway("build " + in_repo()), 2,
                          "give one of --base REF, --all or --only a,b");
    expect_one_line_error(slipway("build " + in_repo() + " --all --store bogus:x"), 2,
                          "unknown kind 'bogus'");
    // Read commands need a store that exists (issue 26); then the name is checked.
    expect_one_line_error(slipway("history ap " + in_repo()), 2,
                          "the version store sqlite:.slipway/state.db does not exist");
    ASSERT_EQ(slipway("store init " + in_repo()).status, 0);
    expect_one_line_error(slipway("history ap " + in_repo()), 2,
                          "unknown component 'ap' (did you mean 'app'?)");
}

TEST_F(BuildCli, OnATerminalAStatusBoardReplacesPrefixedLines) {
    if (!support::have_tools("script")) GTEST_SKIP() << "util-linux script is not installed";
    auto r = support::run(
        "cd " + shell_quote(repo.path()) + " && script -qec " +
        shell_quote(shell_quote(support::slipway_binary()) + " build --only slow,fails") +
        " /dev/null");
    EXPECT_NE(r.out.find("\x1b["), std::string::npos) << r.out;  // cursor moves and colours
    EXPECT_NE(r.out.find("slow                     \x1b[32msucceeded"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("[slow] "), std::string::npos);
    auto plain = support::run(
        "cd " + shell_quote(repo.path()) + " && NO_COLOR=1 script -qec " +
        shell_quote(shell_quote(support::slipway_binary()) + " build --only slow --no-reuse") +
        " /dev/null");
    EXPECT_EQ(plain.out.find("\x1b[32m"), std::string::npos) << plain.out;
}

TEST_F(BuildCli, TheStoreCanBeChosenByEnvironment) {
    support::TempDir elsewhere;
    const std::string url = "sqlite:" + (elsewhere.path() / "shared.db").string();
    ASSERT_EQ(support::run("SLIPWAY_STORE=" + shell_quote(url) + " " +
                           shell_quote(support::slipway_binary()) + " build " + in_repo() +
                           " --only slow")
                  .status,
              0);
    EXPECT_TRUE(std::filesystem::exists(elsewhere.path() / "shared.db"));
    EXPECT_FALSE(std::filesystem::exists(repo.path() / ".slipway" / "state.db"));
    EXPECT_NE(slipway("history slow --store " + shell_quote(url) + " " + in_repo()).out.find("#1"),
              std::string::npos);
}

// SIGTERM while builds run: they are stopped (TERM to their process groups), recorded as
// cancelled, and nothing they started is left behind.
TEST_F(BuildCli, SigtermCancelsRunningBuildsWithoutOrphans) {
    const std::string script = "cd " + shell_quote(repo.path()) + "; " +
                               shell_quote(support::slipway_binary()) +
                               " build --only long1,long2 -j1 >out 2>err & pid=$!; "
                               "for i in $(seq 1 100); do grep -qs running "
                               ".slipway/logs/*/long1.log && break; sleep 0.1; done; "
                               "kill -TERM $pid; wait $pid; echo status=$?; cat out";
    auto r = support::run(script);
    ASSERT_NE(r.out.find("status=130"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("long1                    cancelled   #1"), std::string::npos) << r.out;
    // long2 never started; it was queued with its number (reserved ahead with long1's).
    EXPECT_NE(r.out.find("long2                    cancelled   #1"), std::string::npos) << r.out;
    EXPECT_EQ(count_processes("sleep 62[12]"), 0);
    for (const char* c : {"long1", "long2"}) {
        auto history = slipway(std::string("history ") + c + " --json " + in_repo());
        EXPECT_NE(history.out.find(R"("status":"cancelled")"), std::string::npos) << history.out;
        EXPECT_EQ(slipway("build " + in_repo() + " --only " + c + " --dry-run").out.substr(0, 32),
                  std::string(c) + "                    #2     ");
    }
}

// slipway killed outright: its build stays queued or running (whichever was written last)
// until the next run sees that the process is gone and marks it interrupted; its number is
// never handed out again.
TEST_F(BuildCli, AKilledRunIsMarkedInterruptedLater) {
    const std::string script = shell_quote(support::slipway_binary()) + " build " + in_repo() +
                               " --only long2 >/dev/null 2>&1 & pid=$!; "
                               "for i in $(seq 1 100); do grep -qs running " +
                               shell_quote(repo.path()) +
                               "/.slipway/logs/*/long2.log && break; sleep 0.1; done; "
                               "kill -KILL $pid; wait $pid; pkill -f 'sleep 623'; true";
    support::run(script);
    const auto before = slipway("history long2 --json " + in_repo()).out;
    EXPECT_TRUE(before.find(R"("status":"running")") != std::string::npos ||
                before.find(R"("status":"queued")") != std::string::npos)
        << before;
    ASSERT_EQ(slipway("build " + in_repo() + " --only slow").status, 0);
    auto history = slipway("history long2 --json " + in_repo());
    EXPECT_NE(history.out.find(R"("build_number":1)"), std::string::npos);
    EXPECT_NE(history.out.find(R"("status":"interrupted")"), std::string::npos) << history.out;
    EXPECT_NE(slipway("build " + in_repo() + " --only long2 --dry-run")
                  .out.find("long2                    #2"),
              std::string::npos);
}

// slipway killed outright leaves its build's process group running; the next run stops that
// group (its leader's start time recorded with it tells it from a reused pid) as it marks
// the killed run interrupted, so no orphan finishes later and overwrites anything.
TEST_F(BuildCli, TheNextRunStopsWhatAKilledRunLeftRunning) {
    ASSERT_EQ(slipway("build " + in_repo() + " --only slow").status, 0);  // the store exists
    const std::string script = shell_quote(support::slipway_binary()) + " build " + in_repo() +
                               " --only orphan >/dev/null 2>&1 & pid=$!; "
                               "for i in $(seq 1 100); do " +
                               shell_quote(support::slipway_binary()) + " history orphan --json " +
                               in_repo() +
                               " | grep -q '\"status\":\"running\"' && break; sleep 0.1; done; "
                               "kill -KILL $pid; wait $pid; true";
    auto killed = support::run(script);
    // The orphaned group: sh and both sleeps.
    ASSERT_EQ(count_processes("sleep 63[12]"), 3) << killed.out << killed.err;
    ASSERT_EQ(slipway("build " + in_repo() + " --only slow").status, 0);
    EXPECT_EQ(count_processes("sleep 63[12]"), 0);
    auto history = slipway("history orphan --json " + in_repo());
    EXPECT_NE(history.out.find(R"("status":"interrupted")"), std::string::npos) << history.out;
    support::run("pkill -f 'sleep 63[12]'; true");
}

}  // namespace

// A plain command runs without the shell (shell_words.hpp); what it sees must be what it
// would see under `sh -c`, and whatever the direct start cannot do falls back to the shell.
class PlainCommands : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("slipway.yml", R"(image: {repository: reg.example/app}
components:
  direct: {paths: [d/], parameter: D, build: "env"}
  shell: {paths: [s/], parameter: S, build: "env | sort"}
  missing: {paths: [m/], parameter: M, build: "no-such-program-for-slipway arg"}
  noshebang: {paths: [n/], parameter: N, build: "./tools/no-shebang.sh from-script"}
)");
        for (const char* dir : {"d", "s", "m", "n"}) repo.write(std::string(dir) + "/x", "x\n");
        repo.write("tools/no-shebang.sh", "echo ran \"$1\" in \"$PWD\" > out-tool.txt\n", true);
        repo.write(".gitignore", "out-*\n");
        repo.commit("init");
    }
    std::string log_of(const std::string& out, const std::string& component) const {
        auto at = out.find(R"("component":")" + component + "\"");
        auto log = out.substr(out.find(R"("log_path":")", at) + 12);
        std::ifstream in(log.substr(0, log.find('"')));
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    // The environment a build saw, sorted, without the lines that name the component.
    static std::set<std::string> environment(const std::string& text) {
        std::set<std::string> out;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) {
            if (!line.starts_with("SLIPWAY_COMPONENT=") && !line.starts_with("SLIPWAY_IMAGE_URI="))
                out.insert(line);
        }
        return out;
    }
    support::GitRepo repo;
};

TEST_F(PlainCommands, RunAsTheyWouldUnderTheShell) {
    auto r = slipway("build --repo " + shell_quote(repo.path()) + " --all --json");
    EXPECT_EQ(r.status, 1) << r.err;  // `missing` fails, as under sh
    const auto direct = environment(log_of(r.out, "direct"));
    EXPECT_EQ(direct, environment(log_of(r.out, "shell")));
    EXPECT_TRUE(direct.contains("PWD=" + repo.path().string()));
    // Not found: sh reports it, with sh's exit code.
    EXPECT_NE(r.out.find(R"("component":"missing","duration_ms")"), std::string::npos);
    EXPECT_NE(log_of(r.out, "missing").find("not found"), std::string::npos);
    EXPECT_NE(r.out.find(R"("exit_code":127)"), std::string::npos) << r.out;
    // An executable script without #! cannot be exec'd; sh runs it as a script.
    std::ifstream tool(repo.path() / "out-tool.txt");
    std::string line;
    std::getline(tool, line);
    EXPECT_EQ(line, "ran from-script in " + repo.path().string());
}
