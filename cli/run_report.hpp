#pragma once
// A run's summary on the terminal and in CI systems: the table printed at the end of a run,
// JUnit XML (CI systems show it as a test report), and the report files a run writes. The
// summary itself, and its JSON, are the pipeline's (pipeline/summary.hpp).
#include <string>

#include "common/error.hpp"
#include "pipeline/summary.hpp"

namespace cli {

/// The table printed at the end of a run.
std::string summary_table(const pipeline::RunSummary& s);
/// JUnit XML: one test case per build of the run and one for the deploy.
std::string junit_xml(const pipeline::RunSummary& s);

/// Writes the JSON report to `json_file` and JUnit to `junit_file` (empty: not written; "-":
/// stdout).
common::Result<void> write_reports(const pipeline::RunSummary& s, const std::string& json_file,
                                   const std::string& junit_file);

}  // namespace cli
