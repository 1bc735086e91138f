#pragma once
// A run's summary on the terminal and in CI systems: the table printed at the end of a run,
// the report files a run writes, and what GitHub Actions and CodeBuild are told. The summary
// itself and its documents (JSON, JUnit XML, CI outputs) are the pipeline's
// (pipeline/summary.hpp, pipeline/junit.hpp, pipeline/ci_outputs.hpp).
#include <iosfwd>
#include <string>

#include "common/error.hpp"
#include "pipeline/project.hpp"
#include "pipeline/summary.hpp"

namespace cli {

/// The table printed at the end of a run.
std::string summary_table(const pipeline::RunSummary& s);
/// Writes `text` to `file` ("-": stdout). Errors: input (cannot write the file).
common::Result<void> write_document(const std::string& file, const std::string& text);

/// Writes the JSON report to `json_file` and JUnit to `junit_file` (empty: not written; "-":
/// stdout).
common::Result<void> write_reports(const pipeline::RunSummary& s, const std::string& json_file,
                                   const std::string& junit_file);

/// Tells the CI system this runs in how the command ended (pipeline/ci_outputs.hpp): its
/// files written, annotations printed to `out`, a file that cannot be written a warning.
void report_to_ci(const pipeline::RunSummary& s, const pipeline::Project& p, std::ostream& out);

}  // namespace cli
