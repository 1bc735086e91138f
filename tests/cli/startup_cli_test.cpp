// What every start of slipway loads (bench/startup.py measures how long it takes): not the
// service's HTTP library with its OpenSSL, zlib and Brotli (only slipway-serve links them;
// `slipway serve` replaces itself with it), not Kerberos (libgit2's GSSAPI is opened on
// first use), and neither oneTBB nor the shared libstdc++ (the parallel module opens them
// where parallel work starts: components/parallel_module.hpp). And `serve` still works
// through the hand-over, or says what is missing; a build without the module says so.
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

TEST(StartupCli, SlipwayLinksNeitherOneTbbNorTheSharedLibstdcxx) {
    const std::string needed = needed_libraries(support::slipway_binary());
    EXPECT_EQ(needed.find("libtbb"), std::string::npos) << needed;
#if defined(SLIPWAY_STATIC_LIBSTDCXX)
    // Everything left is the C library's: libc, libm and the loader.
    for (const char* library : {"libstdc++", "libgcc_s"})
        EXPECT_EQ(needed.find(library), std::string::npos) << library << " in\n" << needed;
#endif
}

// The objects the dynamic loader opened for `slipway ARGS` in `dir` (LD_DEBUG=files).
std::string loaded_objects(const std::string& args, const std::filesystem::path& dir) {
    return support::run("cd " + shell_quote(dir.string()) + " && LD_DEBUG=files " +
                        shell_quote(support::slipway_binary()) + " " + args +
                        " 2>&1 >/dev/null | grep 'file=' || true")
        .out;
}

TEST(StartupCli, OneTbbIsOpenedWhereParallelWorkStarts) {
    support::GitRepo repo;
    repo.write("slipway.yml",
               "components:\n  lib: {paths: [lib/], kind: library, build: 'true'}\n"
               "  app: {paths: [app/], depends_on: [lib], kind: library, build: 'true'}\n");
    repo.write("lib/x", "x\n");
    repo.write("app/x", "x\n");
    repo.commit("init");
    const std::string version = loaded_objects("--version", repo.path());
    EXPECT_EQ(version.find("libtbb"), std::string::npos) << version;
    EXPECT_EQ(version.find("libslipway-parallel"), std::string::npos) << version;
    const std::string affected = loaded_objects("affected --base HEAD", repo.path());
    EXPECT_EQ(affected.find("libtbb"), std::string::npos) << affected;
    // A build schedules on the module's flow graph: the module and oneTBB are opened then.
    const std::string build = loaded_objects("build --all --no-reuse", repo.path());
    EXPECT_NE(build.find("libslipway-parallel.so"), std::string::npos) << build;
    EXPECT_NE(build.find("libtbb.so"), std::string::npos) << build;
}

TEST(StartupCli, WithoutTheParallelModuleAffectedWorksAndABuildSaysWhatIsMissing) {
    support::GitRepo repo;
    repo.write("slipway.yml",
               "components:\n  app: {paths: [app/], kind: library, build: 'true'}\n");
    repo.write("app/x", "x\n");
    repo.commit("init");
    // 8,200 changed paths: affected's selection runs in three chunks, on one thread here.
    for (int i = 0; i < 8200; ++i) repo.write("app/f" + std::to_string(i), "y\n");
    repo.commit("many");
    support::TempDir dir;
    const std::string alone = (dir.path() / "slipway").string();
    std::filesystem::copy_file(support::slipway_binary(), alone);
    const std::string in_repo = " --repo " + shell_quote(repo.path().string());
    const auto installed = slipway("affected --base HEAD~1" + in_repo);
    const auto copied = support::run(shell_quote(alone) + " affected --base HEAD~1" + in_repo);
    ASSERT_EQ(installed.status, 0) << installed.err;
    EXPECT_EQ(copied.status, 0) << copied.err;
    EXPECT_EQ(copied.out, installed.out);
    const auto build = support::run(shell_quote(alone) + " build --all --no-reuse" + in_repo);
    expect_one_line_error(build, 70, "slipway's parallel module is needed to build");
    EXPECT_NE(build.err.find("libslipway-parallel.so"), std::string::npos) << build.err;
}

// Installed, slipway-serve is in libexec/slipway/, not beside slipway in bin/: it finds the
// module from there too (serve's jobs build). The layout of the package, in a temporary root.
TEST(StartupCli, SlipwayServeInstalledInLibexecOpensTheParallelModuleToBuild) {
    support::GitRepo repo;
    repo.write("slipway.yml",
               "components:\n  app: {paths: [app/], kind: library, build: 'true'}\n");
    repo.write("app/x", "x\n");
    repo.commit("init");
    support::TempDir root;
    const auto serve = root.path() / SLIPWAY_LIBEXEC_DIR / "slipway" / "slipway-serve";
    const auto module = root.path() / SLIPWAY_PARALLEL_DIR / "libslipway-parallel.so";
    std::filesystem::create_directories(serve.parent_path());
    std::filesystem::create_directories(module.parent_path());
    std::filesystem::copy_file(serve_binary(), serve);
    std::filesystem::copy_file(std::filesystem::path(support::slipway_binary()).parent_path() /
                                   ".." / SLIPWAY_PARALLEL_DIR / "libslipway-parallel.so",
                               module);
    const auto build =
        support::run(shell_quote(serve.string()) + " build --all --no-reuse --repo " +
                     shell_quote(repo.path().string()) + " 2>&1");
    EXPECT_EQ(build.status, 0) << build.out;
    EXPECT_NE(build.out.find("succeeded"), std::string::npos) << build.out;
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
