#pragma once
// Build progress on the terminal. Off a TTY (CI, CodeBuild) or with TERM=dumb: every output
// line as it comes, prefixed with "[component]", and one line per start and end, no escape
// sequences. On a TTY: finished builds scroll up with their result while a status board at
// the bottom shows the totals (done, running, queued) and each running build (name, build
// number, elapsed time, last output line), every line cut to the terminal's width so that
// redrawing leaves no stale rows. NO_COLOR turns colours off. A failed build prints its last
// 40 log lines and the log's path either way.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "components/builder.hpp"

namespace cli {

/// The observer for this terminal: status board when stderr takes cursor control, else
/// prefixed lines.
std::unique_ptr<components::BuildObserver> make_console(bool quiet);

/// Whether `fd` is a terminal that takes cursor control: a TTY, TERM set and not "dumb".
bool cursor_control(int fd);

/// The terminal's size of `fd` (TIOCGWINSZ), else $COLUMNS by $LINES, else 80 by 24.
struct TerminalSize {
    std::size_t columns = 80;
    std::size_t rows = 24;
};
TerminalSize terminal_size(int fd);

/// One running build on the board.
struct BoardRow {
    std::string name;
    std::int64_t number = 0;
    std::int64_t millis = 0;  // running for
    std::string last;         // its last output line
};

struct BoardTotals {
    std::size_t planned = 0;
    std::size_t done = 0;
    std::size_t failed = 0;  // of done
};

/// The board's lines for a terminal of `size`: the totals, then one line per running build
/// (at most rows - 2 of them, then "... and N more"); each line under `size.columns` columns.
std::vector<std::string> board_lines(const std::vector<BoardRow>& running, const BoardTotals& t,
                                     TerminalSize size);

}  // namespace cli
