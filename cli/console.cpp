// See console.hpp.
#include "cli/console.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>

#include "common/text.hpp"
#include "pipeline/summary.hpp"

namespace cli {
namespace {

using common::format_duration;
using components::BuildOutcome;
using versioning::BuildStatus;
using Clock = std::chrono::steady_clock;

constexpr std::size_t k_failure_tail = 40;

bool use_color(int fd) {
    const char* no_color = std::getenv("NO_COLOR");
    return (no_color == nullptr || *no_color == '\0') && cursor_control(fd);
}

std::size_t from_env(const char* name, std::size_t fallback) {
    const char* text = std::getenv(name);
    const long value = text ? std::strtol(text, nullptr, 10) : 0;
    return value > 0 ? static_cast<std::size_t>(value) : fallback;
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
            return fmt::format("{} #{}{} (same inputs, {})", paint(status, b.status, color),
                               b.build_number,
                               b.reused_from.empty() ? "" : " from " + b.reused_from, b.image_uri);
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
    explicit PrefixedConsole(bool quiet) : m_quiet(quiet), m_color(use_color(2)) {}
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
    [[nodiscard]] bool wants_lines() const override { return !m_quiet; }
    // What was said since the executor last waited goes out in one write.
    void flush() override {
        if (m_held.empty()) return;
        std::fwrite(m_held.data(), 1, m_held.size(), stderr);
        std::fflush(stderr);
        m_held.clear();
    }
    ~PrefixedConsole() override { flush(); }

  private:
    void say(const std::string& text) { m_held += text; }
    bool m_quiet;
    bool m_color;
    std::string m_held;  // said, not yet written
    std::map<std::size_t, std::string> m_names;
};

// On a TTY: a status board under the scrolling results.
class StatusBoard final : public components::BuildObserver {
  public:
    StatusBoard() : m_color(use_color(2)) {}
    ~StatusBoard() override { erase(); }
    void planned(std::size_t builds) override { m_totals.planned = builds; }
    void started(std::size_t job, const BuildOutcome& b) override {
        m_running[job] = {b.component, b.build_number, Clock::now(), ""};
        redraw("");
    }
    void finished(std::size_t job, const BuildOutcome& b) override {
        m_running.erase(job);
        ++m_totals.done;
        if (b.status == BuildStatus::failed || b.status == BuildStatus::timed_out)
            ++m_totals.failed;
        redraw(fmt::format("{:<24} {}\n", b.component, result_line(b, m_color)) + failure_tail(b));
    }
    void line(std::size_t job, std::string_view text) override {
        if (auto it = m_running.find(job); it != m_running.end())
            it->second.last = std::string(text.substr(0, 400));
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
        std::vector<BoardRow> rows;
        for (const auto& [job, r] : m_running) {
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - r.since);
            rows.push_back({r.name, r.number, ms.count(), r.last});
        }
        // Nothing running, no board: what is printed after the builds stays untouched.
        std::string board;
        if (!rows.empty()) {
            for (const auto& l : board_lines(rows, m_totals, terminal_size(2))) board += l + "\n";
        }
        std::fputs(board.c_str(), stderr);
        m_drawn = static_cast<std::size_t>(std::count(board.begin(), board.end(), '\n'));
        std::fflush(stderr);
    }
    bool m_color;
    std::map<std::size_t, Running> m_running;
    BoardTotals m_totals;
    std::size_t m_drawn = 0;
};

}  // namespace

std::unique_ptr<components::BuildObserver> make_console(bool quiet) {
    if (!quiet && cursor_control(2)) return std::make_unique<StatusBoard>();
    return std::make_unique<PrefixedConsole>(quiet);
}

bool cursor_control(int fd) {
    const char* term = std::getenv("TERM");
    return ::isatty(fd) && term && *term && std::string_view(term) != "dumb";
}

TerminalSize terminal_size(int fd) {
    struct winsize w {};
    if (::ioctl(fd, TIOCGWINSZ, &w) == 0 && w.ws_col > 0 && w.ws_row > 0)
        return {w.ws_col, w.ws_row};
    return {from_env("COLUMNS", 80), from_env("LINES", 24)};
}

std::vector<std::string> board_lines(const std::vector<BoardRow>& running, const BoardTotals& t,
                                     TerminalSize size) {
    // A line as wide as the terminal may wrap on some terminals: keep one column free.
    const std::size_t width = size.columns > 1 ? size.columns - 1 : 1;
    const std::size_t queued = t.planned - std::min(t.planned, t.done + running.size());
    std::string totals = fmt::format("  {}/{} done, {} running, {} queued", t.done, t.planned,
                                     running.size(), queued);
    if (t.failed) totals += fmt::format(", {} failed", t.failed);
    std::vector<std::string> out = {common::fit_columns(totals, width)};
    // Taller than the screen, the board could not be erased: at most rows - 1 lines.
    const std::size_t max_lines = size.rows > 3 ? size.rows - 1 : 2;
    const std::size_t shown = running.size() + 1 <= max_lines ? running.size() : max_lines - 2;
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& r = running[i];
        out.push_back(common::fit_columns(
            fmt::format("  {:<22} #{:<5} {:>7}  {}", r.name, r.number, format_duration(r.millis),
                        common::fit_columns(r.last, width)),
            width));
    }
    if (shown < running.size())
        out.push_back(common::fit_columns(
            fmt::format("  ... and {} more running", running.size() - shown), width));
    return out;
}

}  // namespace cli
