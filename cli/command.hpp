#pragma once
// The subcommand table: each command adds its options to its own CLI11 sub-app and
// returns the handler that runs it once the command line is parsed.
#include <CLI/CLI.hpp>

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "deploy/stack_plan.hpp"

namespace cli {

/// Runs a parsed command; returns the exit status, or an error to print.
using Handler = std::function<common::Result<int>()>;

struct Command {
    const char* name;
    const char* help;
    Handler (*setup)(CLI::App& sub);
};

/// Adds --repo DIR and (when `manifest` is given) --manifest FILE, as every command has them.
void add_project_options(CLI::App& sub, std::string& repo, std::string* manifest);

/// Adds --store URL.
void add_store_option(CLI::App& sub, std::string& store);

/// Adds --wave N and --region R (where an environment of several regions or accounts
/// deploys).
void add_target_options(CLI::App& sub, deploy::TargetFilter& targets);

/// Adds --github-api-url, --github-token-file, --github-repository, --github-app-id and
/// --github-app-key-file (pipeline::GithubFlags).
void add_github_options(CLI::App& sub, std::string& api_url, std::string& token_file,
                        std::string& repository, std::string& app_id, std::string& app_key_file,
                        const char* repository_help =
                            "the GitHub repository (default GITHUB_REPOSITORY)");

/// A help footer: "Examples:" and one indented command a line.
std::string examples(std::initializer_list<const char*> commands);

/// Writes bytes to stdout as they are (NULs included).
void write_out(std::string_view text);

/// Hands a command's large results (a manifest, its graph and patterns, a selection) to the
/// end of the process instead of freeing them one allocation at a time: main ends with
/// _exit (cli/main.cpp), and the operating system takes the pages back at once. Sanitizer
/// builds exit normally, so these are destroyed then and leak checks still see the rest.
template <typename T>
void keep_until_exit(T&& value) {
    static std::vector<std::shared_ptr<void>> kept;
    kept.push_back(std::make_shared<std::decay_t<T>>(std::forward<T>(value)));
}

/// Keeps main's argv for a command that hands the whole command line to another program
/// (`serve` in the slipway program, cli/serve_exec.cpp). A no-op where serve is built in.
void remember_argv(int argc, char** argv);

Handler setup_diff(CLI::App& sub);
Handler setup_affected(CLI::App& sub);
Handler setup_graph(CLI::App& sub);
Handler setup_validate(CLI::App& sub);
Handler setup_build(CLI::App& sub);
Handler setup_history(CLI::App& sub);
Handler setup_status(CLI::App& sub);
Handler setup_diffs(CLI::App& sub);
Handler setup_store(CLI::App& sub);
Handler setup_deploy(CLI::App& sub);
Handler setup_promote(CLI::App& sub);
Handler setup_rollback(CLI::App& sub);
Handler setup_reconcile(CLI::App& sub);
Handler setup_serve(CLI::App& sub);
Handler setup_run(CLI::App& sub);
Handler setup_init(CLI::App& sub);
Handler setup_complete(CLI::App& sub);
Handler setup_approve(CLI::App& sub);
Handler setup_reject(CLI::App& sub);
Handler setup_requests(CLI::App& sub);
Handler setup_drift(CLI::App& sub);

}  // namespace cli
