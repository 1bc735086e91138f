#pragma once
// A run's summary as JUnit XML, which CI systems show as a test report (CodeBuild's report
// group, GitHub's test-report actions): one test case per build of the run
// (`slipway.build/<component>`; a failure carries the exit code and the log's last lines, a
// skipped or cancelled build is skipped) and one for the deploy (`slipway.deploy`).
#include <string>

#include "pipeline/summary.hpp"

namespace pipeline {

/// JUnit XML: one test case per build of the run and one for the deploy.
std::string junit_xml(const RunSummary& s);

}  // namespace pipeline
