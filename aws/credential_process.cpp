#include "aws/credential_process.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace aws {
namespace {

using common::ErrorCode;
using common::fail;

constexpr std::size_t k_max_output = 1 << 20;

// Owns a file descriptor.
class Fd {
  public:
    explicit Fd(int fd = -1) : m_fd(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return m_fd; }
    void reset() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

  private:
    int m_fd;
};

// Owns posix_spawn's file actions.
class FileActions {
  public:
    FileActions() { posix_spawn_file_actions_init(&m_actions); }
    ~FileActions() { posix_spawn_file_actions_destroy(&m_actions); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
    posix_spawn_file_actions_t* get() { return &m_actions; }

  private:
    posix_spawn_file_actions_t m_actions;
};

struct Output {
    std::string stdout_text;
    int status = 0;  // exit status, or 128 + signal
};

// Runs argv without a shell; collects stdout.
common::Result<Output> run(const std::vector<std::string>& words, const std::string& where) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return fail(ErrorCode::external, where + ": pipe: " + std::strerror(errno));
    Fd read_end(fds[0]), write_end(fds[1]);
    FileActions actions;
    posix_spawn_file_actions_adddup2(actions.get(), write_end.get(), STDOUT_FILENO);
    std::vector<char*> argv;
    for (const auto& w : words) argv.push_back(const_cast<char*>(w.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (int rc = posix_spawnp(&pid, argv[0], actions.get(), nullptr, argv.data(), environ); rc != 0)
        return fail(ErrorCode::input,
                    where + ": cannot run '" + words[0] + "': " + std::strerror(rc));
    write_end.reset();
    Output out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (out.stdout_text.size() < k_max_output)
            out.stdout_text.append(buf, static_cast<std::size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return out;
}

common::Result<TimedCredentials> parse_output(const std::string& text, const std::string& where) {
    rapidjson::Document doc;
    doc.Parse(text.c_str());
    if (doc.HasParseError() || !doc.IsObject())
        return fail(ErrorCode::input, where + ": its output is not a JSON object");
    if (!doc.HasMember("Version") || !doc["Version"].IsInt() || doc["Version"].GetInt() != 1)
        return fail(ErrorCode::input, where + ": its output needs \"Version\": 1");
    auto text_of = [&](const char* k) -> std::string {
        return doc.HasMember(k) && doc[k].IsString() ? doc[k].GetString() : "";
    };
    TimedCredentials t{
        {text_of("AccessKeyId"), text_of("SecretAccessKey"), text_of("SessionToken")},
        std::nullopt,
        where};
    if (t.credentials.access_key_id.empty() || t.credentials.secret_access_key.empty())
        return fail(ErrorCode::input, where + ": its output lacks AccessKeyId or SecretAccessKey");
    if (const std::string e = text_of("Expiration"); !e.empty()) {
        t.expires = parse_iso8601(e);
        if (!t.expires)
            return fail(ErrorCode::input, where + ": Expiration is not an ISO 8601 time");
    }
    return t;
}

}  // namespace

std::optional<std::vector<std::string>> split_command(std::string_view command) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (std::size_t i = 0; i < command.size(); ++i) {
        const char c = command[i];
        if (quote == '\'') {
            if (c == '\'')
                quote = 0;
            else
                word += c;
        } else if (quote == '"') {
            if (c == '"')
                quote = 0;
            else if (c == '\\' && i + 1 < command.size() &&
                     (command[i + 1] == '"' || command[i + 1] == '\\'))
                word += command[++i];
            else
                word += c;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            in_word = true;
            if (c == '\'' || c == '"')
                quote = c;
            else if (c != '\\')
                word += c;
            else if (++i < command.size())
                word += command[i];
            else
                return std::nullopt;
        }
    }
    if (quote) return std::nullopt;
    if (in_word) words.push_back(std::move(word));
    return words;
}

common::Result<TimedCredentials> process_credentials(const std::string& command,
                                                     const std::string& profile) {
    const std::string where = "profile " + profile + ": credential_process";
    auto words = split_command(command);
    if (!words)
        return fail(ErrorCode::input, where + ": unbalanced quotes or a trailing backslash");
    if (words->empty()) return fail(ErrorCode::input, where + ": the command is empty");
    auto out = run(*words, where);
    if (!out) return std::unexpected(out.error());
    if (out->status != 0)
        return fail(ErrorCode::input, where + ": '" + (*words)[0] + "' failed with exit status " +
                                          std::to_string(out->status));
    return parse_output(out->stdout_text, where);
}

}  // namespace aws
