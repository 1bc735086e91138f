#include "components/shell_words.hpp"

#include <algorithm>
#include <array>

namespace components {
namespace {

// Characters that mean nothing to a POSIX shell anywhere in a word. '~' (tilde expansion at
// a word's start), '#' (a comment there) and '=' (an assignment in the first word) are left
// out or checked below; everything else -- quotes, '$', '`', '\\', globs, '&;|<>(){}[]!' --
// is not plain.
bool plain_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("-_./,:+=@%").find(c) != std::string_view::npos;
}

// dash's builtins and reserved words: these behave differently from a program of the same
// name (echo, printf, test, kill) or are not programs at all (cd, exit, if).
constexpr auto k_shell_words = std::to_array<std::string_view>(
    {".",        ":",        "[",      "alias",   "bg",    "break", "case",   "cd",   "chdir",
     "command",  "continue", "do",     "done",    "echo",  "elif",  "else",   "esac", "eval",
     "exec",     "exit",     "export", "false",   "fc",    "fg",    "fi",     "for",  "getopts",
     "hash",     "if",       "in",     "jobs",    "kill",  "local", "printf", "pwd",  "read",
     "readonly", "return",   "set",    "shift",   "test",  "then",  "times",  "trap", "true",
     "type",     "ulimit",   "umask",  "unalias", "unset", "until", "wait",   "while"});

bool shell_word(std::string_view w) {
    return std::ranges::find(k_shell_words, w) != k_shell_words.end();
}

}  // namespace

std::optional<std::vector<std::string>> plain_words(std::string_view command) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < command.size()) {
        if (command[i] == ' ' || command[i] == '\t') {
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < command.size() && command[i] != ' ' && command[i] != '\t') {
            if (!plain_char(command[i])) return std::nullopt;
            ++i;
        }
        words.emplace_back(command.substr(start, i - start));
    }
    if (words.empty() || shell_word(words[0])) return std::nullopt;
    if (words[0].find('=') != std::string::npos) return std::nullopt;  // NAME=value cmd
    return words;
}

}  // namespace components
