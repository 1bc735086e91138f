#pragma once
// What the pipeline reports while it works, as events to an observer: notes for people,
// the run's first facts, phases as they end, and the builds' and the deploy's own progress
// through their libraries' observer interfaces. The CLI renders them on a terminal; the
// service stores them; tests collect them.
#include <string>

#include "components/builder.hpp"
#include "deploy/deployer.hpp"
#include "pipeline/summary.hpp"

namespace pipeline {

/// A run's first facts, once its base and selection are known.
struct RunStarted {
    std::string run_id;
    std::string env;
    std::string trigger;
    std::string trigger_detail;
    std::string head;
    std::string base;  // empty: none
    std::string base_reason;
    std::size_t changed_paths = 0;
    std::size_t affected = 0;
    std::vector<std::string> to_build;  // plan order
};

class Observer {
  public:
    virtual ~Observer() = default;
    /// A line for people about what goes on (waiting for a lease, a reconciled deployment).
    virtual void note(const std::string& line) = 0;
    virtual void warning(const std::string& line) = 0;
    virtual void run_started(const RunStarted& run) = 0;
    virtual void phase_ended(const Phase& phase) = 0;
    /// Where build progress goes (started, output lines, finished).
    virtual components::BuildObserver& builds() = 0;
    /// Where the deploy reports (preview, confirmation, stack events).
    virtual deploy::DeployReporter& deploy() = 0;
};

}  // namespace pipeline
