#pragma once
// The pipeline's events on this terminal: notes and warnings on stderr, the run's first
// lines and the deploy's preview and stack events on stdout (on stderr when stdout carries
// JSON; a live status line on a terminal that takes cursor control), builds through the build
// console (console.hpp), and a deploy's outcome as it is printed, with the stack's outputs.
#include <iosfwd>
#include <memory>

#include "pipeline/deploys.hpp"
#include "pipeline/observer.hpp"

namespace cli {

class ConsoleObserver final : public pipeline::Observer {
  public:
    /// `quiet`: build output is not echoed; `ask`: confirm before executing a change set;
    /// `text_to_stderr`: stdout is kept for JSON.
    ConsoleObserver(bool quiet, bool ask, bool text_to_stderr = false);
    ~ConsoleObserver() override;

    void note(const std::string& line) override;
    void warning(const std::string& line) override;
    void run_started(const pipeline::RunStarted& run) override;
    void phase_ended(const pipeline::Phase& phase) override;
    components::BuildObserver& builds() override;
    deploy::DeployReporter& deploy() override;

  private:
    bool m_quiet;
    std::ostream& m_out;
    std::unique_ptr<components::BuildObserver> m_builds;
    std::unique_ptr<deploy::DeployReporter> m_deploy;
};

/// Whether to ask before executing a change set: a terminal on both ends, no --yes, no CI.
bool interactive(bool yes);

/// Where people's text goes: stdout, or stderr when stdout carries JSON.
std::ostream& text_stream(bool text_to_stderr);

/// Prints how a deploy ended (warnings, uploads, the result and the stack's outputs; failures
/// on stderr) to `out` and returns its exit status. `overrides_file`: where CodePipeline's
/// overrides went.
int print_deploy(const pipeline::EnvironmentRun& run, const std::string& overrides_file,
                 std::ostream& out);

}  // namespace cli
