// See observer.hpp.
#include "cli/observer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/console.hpp"
#include "common/text.hpp"

namespace cli {
namespace {

// Prints the deploy as it goes: notes and events on `out`, a live status line on a terminal
// that takes cursor control.
class ConsoleReporter final : public deploy::DeployReporter {
  public:
    ConsoleReporter(bool ask, std::ostream& out, int fd)
        : m_ask(ask), m_out(out), m_fd(fd), m_tty(cursor_control(fd)) {}

    void begin(const deploy::DeployPlan& plan) override {
        std::string out = fmt::format("{} {} to {} (stack {}, {} parameters)\n", plan.kind,
                                      plan.commit.substr(0, 12), plan.env, plan.stack,
                                      plan.parameters.values.size());
        for (const auto& i : plan.parameters.images) {
            out += fmt::format("  {:<24} #{:<5} {:<10} {:<13} {}\n", i.component, i.build_number,
                               i.changed ? "changed" : "unchanged",
                               "(" + std::string(deploy::to_string(i.source)) + ")", i.image_uri);
        }
        print(out);
    }

    void note(const std::string& line) override { print(line + "\n"); }

    void preview(const deploy::Preview& p) override {
        std::string out = p.create ? "new stack: resources to create\n" : "resource changes:\n";
        for (const auto& c : p.changes) {
            out += fmt::format("  {:<7} {:<32} {:<36} replacement: {}\n", c.action, c.logical_id,
                               c.resource_type, c.replacement.empty() ? "-" : c.replacement);
        }
        if (p.changes.empty()) out += "  (none listed)\n";
        out += "parameters that change:\n";
        for (const auto& c : p.parameters) {
            const std::string from = c.old_value.empty() ? "(none)" : c.old_value;
            out += c.secret ? fmt::format("  {}: (NoEcho value changes)\n", c.name)
                            : fmt::format("  {}: {} -> {}\n", c.name, from, c.new_value);
        }
        if (p.parameters.empty()) out += "  (none)\n";
        print(out);
    }

    bool confirm(const deploy::Preview&) override {
        if (!m_ask) return true;
        m_out << "execute this change set? [y/N] " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        return answer == "y" || answer == "yes" || answer == "Y";
    }

    void event(const deploy::StackEvent& e) override {
        const std::string time = e.timestamp.size() >= 19 ? e.timestamp.substr(11, 8) : e.timestamp;
        print(fmt::format("  {} {:<32} {:<28} {}\n", time, e.logical_id, e.status, e.reason));
    }

    void waiting(const std::string& status, std::chrono::milliseconds elapsed) override {
        if (!m_tty) return;
        const std::string line = common::fit_columns(
            fmt::format("  ... {} ({})", status, common::format_duration(elapsed.count())),
            terminal_size(m_fd).columns - 1);
        m_out << "\r" << line << "\033[K" << std::flush;
        m_status_shown = true;
    }

  private:
    void print(const std::string& text) {
        if (m_status_shown) m_out << "\r\033[K";
        m_status_shown = false;
        m_out << text << std::flush;
    }

    bool m_ask;
    std::ostream& m_out;
    int m_fd;
    bool m_tty;
    bool m_status_shown = false;
};

}  // namespace

ConsoleObserver::ConsoleObserver(bool quiet, bool ask, bool text_to_stderr)
    : m_quiet(quiet),
      m_out(text_stream(text_to_stderr)),
      m_deploy(std::make_unique<ConsoleReporter>(ask, m_out, text_to_stderr ? 2 : 1)) {}

ConsoleObserver::~ConsoleObserver() = default;

void ConsoleObserver::note(const std::string& line) {
    std::cerr << "slipway: note: " << line << "\n";
}

void ConsoleObserver::warning(const std::string& line) {
    std::cerr << "slipway: warning: " << line << "\n";
}

void ConsoleObserver::run_started(const pipeline::RunStarted& r) {
    std::string out = fmt::format("run {} of {} ({}): head {}, base {} ({})\n", r.run_id, r.env,
                                  r.trigger, r.head.substr(0, 12),
                                  r.base.empty() ? "-" : r.base.substr(0, 12), r.base_reason);
    if (!r.trigger_detail.empty()) out += "  trigger: " + r.trigger_detail + "\n";
    std::string names;
    for (const auto& n : r.to_build) names += (names.empty() ? "" : ", ") + n;
    out += fmt::format("  {} changed paths, {} affected components; to build: {}\n",
                       r.changed_paths, r.affected, names.empty() ? "nothing" : names);
    m_out << out << std::flush;
}

void ConsoleObserver::phase_ended(const pipeline::Phase& phase) {
    spdlog::debug("phase {} took {} ms", phase.name, phase.millis);
    if (phase.name == "build") m_out << "\n" << std::flush;
}

components::BuildObserver& ConsoleObserver::builds() {
    if (!m_builds) m_builds = make_console(m_quiet);
    return *m_builds;
}

deploy::DeployReporter& ConsoleObserver::deploy() {
    return *m_deploy;
}

bool interactive(bool yes) {
    const char* ci = std::getenv("CI");
    return !yes && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !(ci && *ci);
}

std::ostream& text_stream(bool text_to_stderr) {
    return text_to_stderr ? std::cerr : std::cout;
}

namespace {

// One stack's deploy.
int print_stack(const pipeline::DeployRun& run, const std::string& overrides_file,
                std::ostream& o) {
    const auto& plan = run.plan;
    const std::string& stack = plan.label.empty() ? plan.stack : plan.label;
    if (!run.outcome) {
        o << fmt::format(
            "wrote {} ({} parameters); deployment #{} is pending until the stack "
            "holds them\n",
            overrides_file, plan.parameters.values.size(), run.pending_id);
        return 0;
    }
    const auto& out = *run.outcome;
    for (const auto& w : out.warnings) std::cerr << "slipway: warning: " << w << "\n";
    for (const auto& u : out.uploads)
        o << fmt::format("{} {} -> s3://{}/{}\n", u.uploaded ? "uploaded" : "unchanged", u.path,
                         plan.artifact_bucket, u.key);
    switch (out.result) {
        case deploy::DeployResult::up_to_date:
            o << stack << ": stack is up to date (no changes); nothing recorded\n";
            return 0;
        case deploy::DeployResult::planned:
            o << stack << ": plan only; change set deleted\n";
            return 0;
        case deploy::DeployResult::declined:
            o << stack << ": not executed; change set deleted\n";
            return 1;
        case deploy::DeployResult::deployed:
            o << fmt::format("{}: {}; recorded deployment #{} to {}\n", stack, out.final_status,
                             out.deployment_id, plan.env);
            if (!out.outputs.empty()) o << "outputs:\n";
            for (const auto& [name, value] : out.outputs)
                o << fmt::format("  {:<24} {}\n", name, value);
            return 0;
        case deploy::DeployResult::failed:
            break;
    }
    std::cerr << fmt::format("slipway: error: deploying {} to {}: stack ended {}\n", stack,
                             plan.env, out.final_status);
    for (const auto& f : out.failures)
        std::cerr << fmt::format("  {} ({}) {}: {}\n", f.logical_id, f.resource_type, f.status,
                                 f.reason);
    std::cerr << fmt::format("  final stack status: {}; recorded as failed attempt #{}\n",
                             out.final_status, out.deployment_id);
    return 1;
}

}  // namespace

int print_deploy(const pipeline::EnvironmentRun& run, const std::string& overrides_file,
                 std::ostream& o) {
    int exit = 0;
    for (const auto& st : run.stacks) {
        if (st.run) {
            exit = std::max(exit, print_stack(*st.run, overrides_file, o));
        } else if (run.stacks.size() > 1) {
            o << fmt::format("{}: {}{}\n", st.label, st.result,
                             st.error ? ": " + st.error->message
                                      : (st.reason.empty() ? "" : " (" + st.reason + ")"));
            exit = std::max(exit, 1);
        }
    }
    if (run.stacks.size() > 1) {
        o << "stacks:\n";
        for (const auto& st : run.stacks)
            o << fmt::format("  wave {}  {:<40} {}\n", st.wave + 1, st.label, st.result);
    }
    return std::max(exit, run.exit);
}

}  // namespace cli
