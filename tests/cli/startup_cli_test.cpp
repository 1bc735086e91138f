// What every start of slipway loads (bench/startup.py measures how long it takes): not the
// service's HTTP library with its OpenSSL, zlib and Brotli (only slipway-serve links them;
// `slipway serve` replaces itself with it), and not Kerberos (libgit2's GSSAPI is opened on
// first use). And `serve` still works through the hand-over, or says what is missing.
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli_fixture.hpp"

namespace {

using cli_test::expect_one_line_error;
using cli_test::slipway;
using support::shell_quote;

// The NEEDED entries of an ELF file's dynamic section, as readelf prints them.
std::string needed_libraries(const std::string& binary) {
    return support::run("readelf -d " + shell_quote(binary) + " | grep NEEDED").out;
}

std::string serve_binary() {
    return (std::filesystem::path(support::slipway_binary()).parent_path() / "slipway-serve")
        .string();
}

TEST(StartupCli, SlipwayLoadsNeitherTheServiceLibrariesNorKerberos) {
    const std::string needed = needed_libraries(support::slipway_binary());
    ASSERT_NE(needed.find("libc.so"), std::string::npos) << needed;
    for (const char* library : {"httplib", "libssl", "libcrypto", "libbrotli", "libz.so",
                                "libgssapi", "libkrb5", "libcurl"})
        EXPECT_EQ(needed.find(library), std::string::npos) << library << " in\n" << needed;
    // slipway-serve is the program that has them.
    EXPECT_NE(needed_libraries(serve_binary()).find("httplib"), std::string::npos);
}

TEST(StartupCli, ServeHandsTheCommandLineToSlipwayServeInTheSameProcess) {
    support::GitRepo repo;
    repo.write("slipway.yml", "components:\n  app: {paths: [app/], kind: library}\n");
    repo.write("app/x", "x\n");
    repo.commit("init");
    support::TempDir dir;
    const std::string log = (dir.path() / "serve.log").string();
    // The shell's $! is the pid slipway started with; the service must answer under it.
    const auto r = support::run(
        shell_quote(support::slipway_binary()) + " serve --listen 127.0.0.1:0 --repo " +
        shell_quote(repo.path()) + " --state-dir " + shell_quote((dir.path() / "state").string()) +
        " 2>" + shell_quote(log) +
        " & pid=$!; for i in $(seq 100); do "
        "grep -q 'listening on' " +
        shell_quote(log) +
        " && break; sleep 0.1; done; "
        "readlink /proc/$pid/exe; kill -TERM $pid; wait $pid; echo exit=$?");
    std::ifstream in(log);
    const std::string err{std::istreambuf_iterator<char>(in), {}};
    EXPECT_NE(err.find("slipway serve: listening on http://127.0.0.1:"), std::string::npos) << err;
    EXPECT_NE(r.out.find("/slipway-serve\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("exit=0"), std::string::npos) << r.out << err;
}

TEST(StartupCli, ServeWithoutSlipwayServeSaysWhatIsMissing) {
    support::TempDir dir;
    const std::string alone = (dir.path() / "slipway").string();
    std::filesystem::copy_file(support::slipway_binary(), alone);
    const auto r = support::run(shell_quote(alone) + " serve --listen 127.0.0.1:0");
    expect_one_line_error(r, 4, "cannot start the service program slipway-serve");
    EXPECT_NE(r.err.find((dir.path() / "slipway-serve").string()), std::string::npos) << r.err;
    // Every other command is unaffected.
    EXPECT_EQ(support::run(shell_quote(alone) + " --version").status, 0);
    // This program itself under that name is not handed over to (it would exec for ever).
    std::filesystem::create_hard_link(alone, dir.path() / "slipway-serve");
    const auto self = support::run("timeout 10 " + shell_quote(alone) + " serve");
    expect_one_line_error(self, 4, "slipway-serve (this program)");
}

// An exception that escapes -- in main's thread or in another -- is one line and exit 70
// (issue 25: "terminate called after throwing an instance of ..." and SIGABRT), in both
// programs. SLIPWAY_TEST_FAULT throws where a broken reader of outside text would.
TEST(StartupCli, AnEscapingExceptionIsOneLineAndExit70NotAnAbort) {
    for (const std::string& program : {support::slipway_binary(), serve_binary()}) {
        for (const std::string fault : {"throw", "thread-throw"}) {
            const auto r = support::run("SLIPWAY_TEST_FAULT=" + fault + " " + shell_quote(program) +
                                        " validate");
            SCOPED_TRACE(program + " " + fault);
            expect_one_line_error(r, 70, "internal: injected fault");
        }
    }
}

}  // namespace
