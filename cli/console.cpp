#include "cli/console.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>

#include "pipeline/summary.hpp"

namespace cli {
namespace {

using components::BuildOutcome;
using versioning::BuildStatus;
using Clock = std::chrono::steady_clock;

constexpr std::size_t k_failure_tail = 40;

bool use_color() {
    return std::getenv("NO_COLOR") == nullptr || *std::getenv("NO_COLOR") == '\0';
}

std::string paint(const std::string& text, BuildStatus status, bool color) {
    if (!color) return text;
    const char* code = status == BuildStatus::succeeded || status == BuildStatus::reused    ? "32"
                       : status == BuildStatus::skipped || status == BuildStatus::cancelled ? "33"
                                                                                            : "31";
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

std::string result_line(const BuildOutcome& b, bool color) {
    const std::string status(versioning::to_string(b.status));
    const std::string took = format_duration(b.finished_at - b.started_at);
    switch (b.status) {
        case BuildStatus::succeeded:
            return fmt::format("{} in {} (build #{}, {})", paint(status, b.status, color), took,
                               b.build_number, b.image_uri);
        case BuildStatus::reused:
            return fmt::format("{} build #{} (same inputs, {})", paint(status, b.status, color),
                               b.build_number, b.image_uri);
        case BuildStatus::failed:
            return fmt::format("{} with exit code {} after {} (build #{})",
                               paint(status, b.status, color), b.exit_code.value_or(-1), took,
                               b.build_number);
        case BuildStatus::timed_out:
        case BuildStatus::cancelled:
            return b.build_number
                       ? fmt::format("{} after {} (build #{})", paint(status, b.status, color),
                                     took, b.build_number)
                       : paint(status, b.status, color) + " before it started";
        default:
            return paint(status, b.status, color);
    }
}

std::string failure_tail(const BuildOutcome& b) {
    if (b.log_path.empty() || b.build_number == 0 ||
        (b.status != BuildStatus::failed && b.status != BuildStatus::timed_out)) {
        return "";
    }
    std::string out = fmt::format("  last {} lines of {}:\n", k_failure_tail, b.log_path);
    std::string tail = pipeline::tail_lines(b.log_path, k_failure_tail);
    for (std::size_t s = 0, e; s < tail.size(); s = e + 1) {
        e = tail.find('\n', s);
        if (e == std::string::npos) e = tail.size();
        out += "  | " + tail.substr(s, e - s) + "\n";
    }
    return out;
}

// Off a TTY: prefixed lines.
class PrefixedConsole final : public components::BuildObserver {
  public:
    explicit PrefixedConsole(bool quiet) : m_quiet(quiet), m_color(use_color() && ::isatty(2)) {}
    void started(std::size_t job, const BuildOutcome& b) override {
        m_names[job] = b.component;
        say(fmt::format("[{}] started build #{} ({})\n", b.component, b.build_number, b.image_uri));
    }
    void finished(std::size_t job, const BuildOutcome& b) override {
        m_names[job] = b.component;
        say(fmt::format("[{}] {}\n", b.component, result_line(b, m_color)) + failure_tail(b));
    }
    void line(std::size_t job, std::string_view text) override {
        if (!m_quiet) say(fmt::format("[{}] {}\n", m_names[job], text));
    }

  private:
    void say(const std::string& text) {
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
    }
    bool m_quiet;
    bool m_color;
    std::map<std::size_t, std::string> m_names;
};

// On a TTY: a status board under the scrolling results.
class StatusBoard final : public components::BuildObserver {
  public:
    StatusBoard() : m_color(use_color()) {}
    ~StatusBoard() override { erase(); }
    void started(std::size_t job, const BuildOutcome& b) override {
        m_running[job] = {b.component, b.build_number, Clock::now(), ""};
        redraw("");
    }
    void finished(std::size_t job, const BuildOutcome& b) override {
        m_running.erase(job);
        redraw(fmt::format("{:<24} {}\n", b.component, result_line(b, m_color)) + failure_tail(b));
    }
    void line(std::size_t job, std::string_view text) override {
        if (auto it = m_running.find(job); it != m_running.end())
            it->second.last = std::string(text.substr(0, 200));
    }
    [[nodiscard]] std::chrono::milliseconds tick_interval() const override {
        return std::chrono::milliseconds(200);
    }
    void tick() override { redraw(""); }

  private:
    struct Running {
        std::string name;
        std::int64_t number;
        Clock::time_point since;
        std::string last;
    };
    void erase() {
        if (m_drawn > 0) std::fprintf(stderr, "\x1b[%zuA\x1b[J", m_drawn);
        m_drawn = 0;
    }
    void redraw(const std::string& scrolled) {
        erase();
        std::fputs(scrolled.c_str(), stderr);
        for (const auto& [job, r] : m_running) {
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - r.since)
                    .count();
            std::string text = fmt::format("  {:<22} #{:<5} {:>7}  {}", r.name, r.number,
                                           format_duration(ms), r.last);
            if (text.size() > 118) text.resize(118);
            std::fprintf(stderr, "%s\n", text.c_str());
        }
        m_drawn = m_running.size();
        std::fflush(stderr);
    }
    bool m_color;
    std::map<std::size_t, Running> m_running;
    std::size_t m_drawn = 0;
};

}  // namespace

std::unique_ptr<components::BuildObserver> make_console(bool quiet) {
    if (!quiet && ::isatty(2)) return std::make_unique<StatusBoard>();
    return std::make_unique<PrefixedConsole>(quiet);
}

std::string format_duration(std::int64_t millis) {
    if (millis < 60000) return fmt::format("{:.1f}s", static_cast<double>(millis) / 1000.0);
    return fmt::format("{}m{:02}s", millis / 60000, (millis / 1000) % 60);
}

}  // namespace cli
