#pragma once
// Computing one environment's plan of a pull request (pull_plan.hpp's EnvPlan) with the
// pipeline's own plan: plan_run + execute_run with `plan` set, so nothing is recorded and no
// build number is taken, and the CloudFormation change set is created, described and
// deleted. The preview (parameter and resource changes) is caught on its way to the
// observer. Used by `slipway serve` for pull_request events and by `slipway run --plan
// --github` in GitHub Actions.
#include <atomic>
#include <mutex>
#include <optional>
#include <string>

#include "pipeline/observer.hpp"
#include "pipeline/project.hpp"
#include "pipeline/pull_plan.hpp"
#include "pipeline/run.hpp"
#include "pipeline/services.hpp"

namespace pipeline {

/// An observer that passes everything on to `inner` and keeps the deploy's preview. Once
/// the deploy began (a change set is about to exist) `began` is set: a plan is not cancelled
/// past that point, so its change set is always deleted.
class PreviewCatcher final : public Observer, deploy::DeployReporter {
  public:
    explicit PreviewCatcher(Observer& inner) : m_inner(inner) {}
    void note(const std::string& line) override { m_inner.note(line); }
    void warning(const std::string& line) override { m_inner.warning(line); }
    void run_started(const RunStarted& r) override { m_inner.run_started(r); }
    void phase_ended(const Phase& p) override { m_inner.phase_ended(p); }
    components::BuildObserver& builds() override { return m_inner.builds(); }
    deploy::DeployReporter& deploy() override { return *this; }
    void begin(const deploy::DeployPlan& plan) override {
        began = true;
        m_inner.deploy().begin(plan);
    }
    // Each stack of the environment previews its change set (from its own thread): the plan
    // shows them all.
    void preview(const deploy::Preview& p) override {
        {
            std::lock_guard lock(m_mutex);
            if (!preview_seen) {
                preview_seen = p;
            } else {
                preview_seen->create = preview_seen->create || p.create;
                preview_seen->changes.insert(preview_seen->changes.end(), p.changes.begin(),
                                             p.changes.end());
                preview_seen->parameters.insert(preview_seen->parameters.end(),
                                                p.parameters.begin(), p.parameters.end());
            }
        }
        m_inner.deploy().preview(p);
    }
    bool confirm(const deploy::Preview& p) override { return m_inner.deploy().confirm(p); }
    void event(const deploy::StackEvent& e) override { m_inner.deploy().event(e); }
    void waiting(const std::string& status, std::chrono::milliseconds elapsed) override {
        m_inner.deploy().waiting(status, elapsed);
    }

    std::optional<deploy::Preview> preview_seen;
    std::atomic<bool> began{false};

  private:
    Observer& m_inner;
    std::mutex m_mutex;
};

/// The EnvPlan of a plan's outcome (`plan` as plan_run made it, before execute_run took it;
/// `preview` as the catcher caught it).
EnvPlan env_plan_of(const std::string& env, const std::string& stack, const RunOutcome& outcome,
                    const std::optional<deploy::Preview>& preview);

/// The EnvPlan of an error that stopped planning: failed for bad input (with the file:line
/// it names, relative to `root`), conflict for a merge that fails, error otherwise.
EnvPlan env_plan_failed(const std::string& env, const std::string& stack, const common::Error& e,
                        const std::string& root);

/// Plans `env` of project `p` (its head being the PR's merge) as described above; waits
/// for a busy environment. Planning stops early (result "superseded") when `cancelled` turns
/// true before the change set exists.
EnvPlan plan_environment(const Project& p, const std::string& env, const Trigger& trigger,
                         Services& s, Observer& o, const std::atomic<bool>& cancelled);

}  // namespace pipeline
