#pragma once
// `--github` for the commands that run in GitHub Actions (docs/github.md): `run --plan`
// posts the plan to the pull request the workflow runs for (one comment per environment,
// edited in place, and a check run `slipway plan (ENV)` on the PR's head); `run`, `deploy`,
// `promote` and `rollback` report their deploy as a GitHub deployment with statuses. The
// settings come from the --github-* options, else from Actions' environment (GITHUB_TOKEN,
// GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_EVENT_PATH). Reporting never changes a command's
// outcome or exit status: what GitHub refuses is a warning on stderr.
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "pipeline/github_report.hpp"
#include "pipeline/project.hpp"
#include "pipeline/pull_plan.hpp"
#include "pipeline/teams.hpp"

namespace cli {

struct GithubOptions {
    bool enabled = false;
    pipeline::GithubFlags flags;
};

/// Adds --github and the --github-* options.
void add_github_flag(CLI::App& sub, GithubOptions& o);

/// Adds --github (asking GitHub who is in an approvers' team) and the --github-* options,
/// for the commands that decide on promotion requests.
void add_github_teams_flag(CLI::App& sub, GithubOptions& o);

/// GitHub's team memberships (pipeline/teams.hpp) with --github, else null (the manifest's
/// teams only).
common::Result<std::shared_ptr<pipeline::TeamDirectory>> teams_of(const GithubOptions& o);

/// The client's settings (--github on); errors as pipeline::github_settings.
common::Result<github::Settings> github_settings_of(const GithubOptions& o);

/// The reporter of a command's deploy, for `project`'s environments.
std::unique_ptr<pipeline::GithubReporter> make_reporter(const github::Settings& s,
                                                        const pipeline::Project& project);

/// Waits (at most a minute) for the reports, then names on `err` what failed.
void finish_reporting(pipeline::GithubReporter& reporter, std::ostream& err);

/// Posts `plan` (one environment's) to the pull request of $GITHUB_EVENT_PATH -- a comment,
/// and a check run (or commit status) on its head -- or, outside a pull_request event, the
/// check run on `commit`. Failures are warnings on `err`.
void post_plan(const github::Settings& s, const pipeline::EnvPlan& plan, const std::string& commit,
               std::ostream& err);

}  // namespace cli
