#pragma once
// What a command tells the CI system it runs in, from its summary (docs/ci.md):
// - GitHub Actions: a Markdown summary appended to $GITHUB_STEP_SUMMARY (the summary table,
//   commits linked), step outputs appended to $GITHUB_OUTPUT (`affected`, `deployed`,
//   `deployment_id`, in GitHub's `name=value` form, or `name<<DELIMITER` for a value with a
//   line break), and `::error` workflow commands naming what failed (when GITHUB_ACTIONS
//   is true);
// - CodeBuild (CODEBUILD_BUILD_ID set): the same values as SLIPWAY_AFFECTED=... lines in
//   .slipway/outputs.env, which the buildspec sources so that `env: exported-variables`
//   exports them.
// The documents are pure functions of the summary; write_ci_outputs writes the files the
// environment names.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/summary.hpp"

namespace pipeline {

/// name -> value, in this order: affected (comma-separated component names), deployed
/// (true/false), deployment_id (empty when none).
using CiValues = std::vector<std::pair<std::string, std::string>>;

/// The values a command exports: the components it affected (a run: those its selection
/// affected; deploy, promote, rollback: those whose image changed), whether it recorded a
/// succeeded deployment, and the deployment it recorded (succeeded, failed or pending).
CiValues ci_values(const RunSummary& s);

/// GitHub's output-file form: `name=value` lines; a value holding a line break as
/// `name<<DELIMITER`, the value, `DELIMITER` (a delimiter the value does not contain).
std::string github_output(const CiValues& values);

/// Shell assignments, one a line, single-quoted: SLIPWAY_AFFECTED='api,web'.
std::string env_file(const CiValues& values);

/// The web page of a commit: `url_template` (the manifest's commit_url) with "{commit}"
/// replaced by `commit`, else GITHUB_SERVER_URL + "/" + GITHUB_REPOSITORY from `env` +
/// "/commit/<id>"; empty when neither is known.
std::string commit_url(const std::string& url_template,
                       const std::map<std::string, std::string>& env, const std::string& commit);

/// The Markdown summary of a command: a heading with the result, the summary table, the
/// run's facts (commits linked, see commit_url), failed resources and
/// the stack's outputs.
std::string step_summary(const RunSummary& s, const std::string& commit_url_template,
                         const std::map<std::string, std::string>& env);

/// `::error title=...::message` lines: one per failed or timed-out build (exit code, log,
/// the log's last lines), one per failed resource of a failed deploy (or the stack's status
/// when none is known), one for an error that stopped the command.
std::vector<std::string> error_annotations(const RunSummary& s);

/// The variables write_ci_outputs reads.
const std::vector<std::string>& ci_variables();

/// Appends the summary and the outputs to the files $GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT
/// name, and (CODEBUILD_BUILD_ID set) writes <root>/.slipway/outputs.env. Returns the
/// annotations to print (GITHUB_ACTIONS=true) and, in `warnings`, each file that could not
/// be written: the command's outcome stands either way.
std::vector<std::string> write_ci_outputs(const RunSummary& s,
                                          const std::string& commit_url_template,
                                          const std::map<std::string, std::string>& env,
                                          const std::string& root,
                                          std::vector<std::string>& warnings);

}  // namespace pipeline
