// slipway's entry point: the subcommand table, parsing, and the one place where an Error
// becomes a line on stderr and an exit status.
#include <fmt/format.h>

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "cli/command.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "slipway_version.hpp"

namespace {

const cli::Command k_commands[] = {
    {"init", "write a starter slipway.yml for this repository from what is in it", cli::setup_init},
    {"run", "the whole pipeline for an environment: diff, select, build, record, deploy",
     cli::setup_run},
    {"diff", "print the paths changed between two refs, as git diff does", cli::setup_diff},
    {"affected", "list the components a change affects, and why", cli::setup_affected},
    {"graph", "print the component dependency graph (text or DOT)", cli::setup_graph},
    {"validate", "check the manifest and its patterns against the repository", cli::setup_validate},
    {"build", "build the affected (or given) components, in parallel, and record them",
     cli::setup_build},
    {"history", "builds and deployments of one component, newest first", cli::setup_history},
    {"status", "every component's latest build and deployed builds", cli::setup_status},
    {"diffs", "the components a commit changed", cli::setup_diffs},
    {"store", "manage the version store (store init)", cli::setup_store},
    {"deploy", "deploy an environment's stack with a parameter for every component",
     cli::setup_deploy},
    {"promote", "deploy the images of one environment to the next, without rebuilding",
     cli::setup_promote},
    {"rollback", "redeploy an earlier deployment, or one component's earlier build",
     cli::setup_rollback},
    {"reconcile", "record the outcome of pending deployments from their stacks",
     cli::setup_reconcile},
    {"requests", "promotion requests held by gates, with what they ship and who decided",
     cli::setup_requests},
    {"approve", "approve a promotion request (as the actor slipway detects)", cli::setup_approve},
    {"reject", "reject a promotion request, with a reason", cli::setup_reject},
    {"drift", "check whether an environment's stack drifted from its template", cli::setup_drift},
    {"serve", "run as a service: merge webhooks and queue events in, history over HTTP",
     cli::setup_serve},
    // Hidden (no help): the names shell completions offer (cli/cmd_complete.cpp).
    {"__complete", "", cli::setup_complete},
};

// The command named on the command line (the first word that is not an option), or "".
std::string_view command_word(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (!arg.starts_with("-")) return arg;
    }
    return "";
}

// CLI11 reports an unknown command only as "a subcommand is required"; name it instead.
std::string unknown_command(std::string_view word) {
    if (word.empty()) return "";
    for (const auto& command : k_commands) {
        if (word == command.name) return "";
    }
    std::vector<std::string> names;
    for (const auto& command : k_commands) names.emplace_back(command.name);
    return "unknown command '" + std::string(word) + "'" + common::did_you_mean(word, names);
}

// The first option on the command line that neither the command nor slipway knows, as
// "unknown option '--envv' (did you mean '--env'?)"; "" when every option is known. CLI11
// would report a missing required option first ("--env is required"), hiding the typo.
std::string unknown_option(CLI::App& app, std::string_view word, int argc, char** argv) {
    std::vector<const CLI::App*> apps = {&app};
    if (!word.empty()) {
        try {
            apps.push_back(app.get_subcommand(std::string(word)));
        } catch (const CLI::OptionNotFound&) {
            return "";
        }
    }
    for (std::size_t i = 1; i < apps.size(); ++i) {  // nested commands (store init)
        for (const CLI::App* nested : apps[i]->get_subcommands({})) apps.push_back(nested);
    }
    std::vector<std::string> longs;
    std::vector<std::string> shorts;
    for (const CLI::App* at : apps) {
        for (const CLI::Option* o : at->get_options()) {
            for (const auto& n : o->get_lnames()) longs.push_back("--" + n);
            for (const auto& n : o->get_snames()) shorts.push_back("-" + n);
        }
    }
    longs.emplace_back("--help");
    shorts.emplace_back("-h");
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--") break;
        if (arg.starts_with("--")) {
            const std::string name(arg.substr(0, arg.find('=')));
            if (std::find(longs.begin(), longs.end(), name) == longs.end())
                return "unknown option '" + name + "'" + common::did_you_mean(name, longs);
        } else if (arg.size() >= 2 && arg[0] == '-' &&
                   !std::isdigit(static_cast<unsigned char>(arg[1]))) {
            const std::string name(arg.substr(0, 2));
            if (std::find(shorts.begin(), shorts.end(), name) == shorts.end())
                return "unknown option '" + name + "'";
        }
    }
    return "";
}

// CLI11's "The following arguments were not expected: b a" as one plain line, the words in
// the command line's order (CLI11 lists them last first).
std::string unexpected_arguments(const CLI::ParseError& e, int argc, char** argv) {
    std::string_view what = e.what();
    const std::string_view prefix = "The following argument";
    if (!what.starts_with(prefix)) return e.what();
    const auto colon = what.find(": ");
    if (colon == std::string_view::npos) return e.what();
    std::vector<std::string> words;
    std::istringstream in{std::string(what.substr(colon + 2))};
    for (std::string w; in >> w;) words.push_back(w);
    auto position = [&](const std::string& w) {
        for (int i = 1; i < argc; ++i)
            if (w == argv[i]) return i;
        return argc;
    };
    std::stable_sort(words.begin(), words.end(),
                     [&](const auto& a, const auto& b) { return position(a) < position(b); });
    std::string list;
    for (const auto& w : words) list += (list.empty() ? "" : " ") + w;
    return (words.size() == 1 ? "unexpected argument '" : "unexpected arguments '") + list + "'";
}

// "slipway run --help": the help of the (sub)command whose options failed to parse.
std::string help_command(const CLI::App& app) {
    std::string command = "slipway";
    for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
        at = at->get_subcommands().front();
        command += " " + at->get_name();
    }
    return command + " --help";
}

// Ends the process once its output is flushed, without tearing down what the run built
// (large manifests and change sets, libgit2's and oneTBB's global state): as mold does,
// since the operating system reclaims it all at once. Sanitizer builds exit normally so
// that LeakSanitizer still runs.
[[noreturn]] void finish(int status) {
    std::fflush(stdout);
    std::fflush(stderr);
#if defined(__SANITIZE_ADDRESS__)
    std::exit(status);
#else
    ::_exit(status);
#endif
}

// An exception nothing caught -- a broken invariant, or outside text a reader still trusted --
// is one line and exit 70 (internal), never an abort: in main's thread through run(), in any
// other thread through std::terminate. A run left `running` is recovered as a dead process's
// by the next command on the store (its process groups stopped, the run interrupted).
[[noreturn]] void internal_error(const char* what) {
    fmt::print(stderr, "slipway: error: internal: {}\n", what);
    finish(70);
}

[[noreturn]] void on_terminate() {
    try {
        if (auto e = std::current_exception()) std::rethrow_exception(e);
    } catch (const std::exception& e) {
        internal_error(e.what());
    } catch (...) {
        internal_error("an unknown exception");
    }
    internal_error("std::terminate was called");
}

int run_command_line(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) {
    std::set_terminate(on_terminate);
    try {
        return run_command_line(argc, argv);
    } catch (const std::exception& e) {
        internal_error(e.what());
    } catch (...) {
        internal_error("an unknown exception");
    }
}

namespace {

// Tests reach the exception paths through SLIPWAY_TEST_FAULT: "throw" in main's thread,
// "thread-throw" in another thread (nothing else reads it).
void injected_fault() {
    const char* fault = std::getenv("SLIPWAY_TEST_FAULT");
    if (!fault) return;
    if (std::string_view(fault) == "throw") throw std::runtime_error("injected fault (main)");
    if (std::string_view(fault) == "thread-throw")
        std::thread([] { throw std::runtime_error("injected fault (thread)"); }).join();
}

// The commands that read the repository (and the store) and print: a CI job runs them
// cold, often many times.
bool quick_read(std::string_view word) {
    for (std::string_view quick :
         {"diff", "affected", "graph", "validate", "history", "status", "diffs"})
        if (word == quick) return true;
    return false;
}

// A command runs once and exits (_exit: nothing is freed), so freed memory is better kept and
// reused than given back: on this kind of machine each page the kernel hands out costs a
// fault of a few microseconds, and a cold `affected` on 2,000 components touched ~250 pages
// more with glibc's defaults (mmap and munmap of every block over 128 KB as containers grow,
// the heap trimmed and grown again, a second arena for the manifest's thread) -- bench/README
// issue 31. Not for `serve`, which runs for weeks and gives memory back (service/server.cpp),
// nor for the commands that build or deploy (quick_read).
void keep_freed_memory() {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 8 << 20);
    mallopt(M_ARENA_MAX, 1);
}

// A quick read command (not --version or --help) puts its heap on transparent
// huge pages: a cold `affected` on 2,000 components touches 2-5 MB of heap, a first touch of
// a 4 KB page each few microseconds on this kind of machine, where a 2 MB page is one fault
// (bench/README, issue 31). The kernel gives huge pages to ranges advised MADV_HUGEPAGE
// (under its "madvise" policy; "always" gives them unasked) that are 2 MB-aligned and not
// touched yet, while glibc's malloc grows its heap with sbrk and writes a header where each
// growth starts. So: glibc's current top chunk is used up; the program break moves to one
// page short of a 2 MB boundary; a small block makes glibc grow its heap from there (it
// handles a break someone else moved, a "foreign sbrk"), by M_TOP_PAD, writing its headers
// in that one page; and what lies beyond the boundary is advised before anything touches
// it. If any step goes otherwise (a free block served the requests, no memory), nothing is
// advised and malloc works as before; where the kernel gives no huge pages, or a sanitizer's
// allocator is in charge, nothing changes but a few unused addresses.
void heap_on_huge_pages() {
    constexpr std::uintptr_t k_huge_page = std::uintptr_t{2} << 20;
    constexpr std::uintptr_t k_page = 4096;
    // (volatile: blocks allocated and freed unused are otherwise removed by the compiler)
    const std::size_t top = mallinfo2().keepcost;
    void* volatile rest = top > 256 ? std::malloc(top - 128) : nullptr;
    const auto brk_end = reinterpret_cast<std::uintptr_t>(sbrk(0));
    const std::uintptr_t boundary = (brk_end + k_page + k_huge_page - 1) & ~(k_huge_page - 1);
    if (sbrk(static_cast<std::intptr_t>(boundary - k_page - brk_end)) !=
        reinterpret_cast<void*>(-1)) {
        mallopt(M_TOP_PAD, 16 << 20);
        void* volatile first = std::malloc(1024);
        const auto heap_end = reinterpret_cast<std::uintptr_t>(sbrk(0));
        if (heap_end > boundary)
            madvise(reinterpret_cast<void*>(boundary), heap_end - boundary, MADV_HUGEPAGE);
        std::free(first);
    }
    std::free(rest);
}

int run_command_line(int argc, char** argv) {
    injected_fault();
    cli::remember_argv(argc, argv);
    // Named, so that usage lines say "slipway", not argv[0]'s path.
    CLI::App app{"slipway: diff-aware builds and CloudFormation releases for monorepos", "slipway"};
    app.require_subcommand(1);
    bool verbose = false;
    app.add_flag("-v,--verbose", verbose, "log debug detail to stderr");
    app.set_version_flag("--version", fmt::format("slipway {} ({})", slipway_build::k_version,
                                                  slipway_build::k_commit));
    app.fallthrough();

    // Only the command being run sets up its options; the others are there by name, for
    // --help. (Setting up all of them was a measurable share of every start.)
    const std::string_view word = command_word(argc, argv);
    // Only the quick read commands, where a fresh process's start is most of the time: those
    // that build, deploy or serve run for minutes on threads of their own and keep glibc's
    // defaults (one arena for all threads, no block above 32 MB given back, would cost them
    // more than the page faults they save).
    if (quick_read(word)) {
        keep_freed_memory();
        heap_on_huge_pages();
    }
    cli::Handler handler;
    for (const auto& command : k_commands) {
        CLI::App* sub = app.add_subcommand(command.name, command.help);
        if (*command.help == '\0') sub->group("");
        if (word != command.name) continue;
        auto run = command.setup(*sub);
        sub->callback([&handler, run] { handler = run; });
    }
    if (auto unknown = unknown_command(word); !unknown.empty()) {
        fmt::print(stderr, "slipway: error: {}: see 'slipway --help'\n", unknown);
        return 2;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string why = unknown_option(app, word, argc, argv);
        if (why.empty())
            why = dynamic_cast<const CLI::ExtrasError*>(&e) ? unexpected_arguments(e, argc, argv)
                                                            : e.what();
        std::string help = help_command(app);
        if (help == "slipway --help" && !word.empty())
            help = "slipway " + std::string(word) + " --help";
        fmt::print(stderr, "slipway: error: {}: see '{}'\n", why, help);
        return 2;
    }
    common::init_logging(verbose);
    if (!handler) return 2;  // unreachable: parse() ran the named command's callback
    auto result = handler();
    if (!result) {
        fmt::print(stderr, "slipway: error: {}\n", result.error().message);
        finish(common::exit_code(result.error().code));
    }
    finish(*result);
}

}  // namespace
