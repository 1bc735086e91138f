#pragma once
// Internal to the versioning library: owners for sqlite3 handles. Every statement is
// prepared once and bound with parameters; nothing is spliced into SQL text.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace versioning::detail {

struct DbDeleter {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

class Statement {
  public:
    Statement() = default;
    explicit Statement(sqlite3_stmt* s) : m_stmt(s) {}

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const std::optional<std::int64_t>& value);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_null(int index);

    /// Steps once: true with a row, false when done; errors are external.
    common::Result<bool> step();
    /// Steps to the end, for statements that return no rows.
    common::Result<void> run();
    /// Clears bindings and rewinds, ready for the next use.
    void reset();

    [[nodiscard]] std::int64_t int64(int column) const;
    [[nodiscard]] std::optional<std::int64_t> optional_int64(int column) const;
    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] std::string blob(int column) const;

  private:
    std::unique_ptr<sqlite3_stmt, StmtDeleter> m_stmt;
};

class Database {
  public:
    /// Opens (creating) a database file in WAL mode with a busy timeout.
    static common::Result<Database> open(const std::string& path);
    /// Opens an existing database file read-only (nothing created, nothing written).
    static common::Result<Database> open_read_only(const std::string& path);

    common::Result<void> exec(const std::string& sql);
    common::Result<Statement> prepare(std::string_view sql);
    [[nodiscard]] std::string error_message() const;
    [[nodiscard]] sqlite3* handle() const { return m_db.get(); }
    /// The file, as opened: every error names it.
    [[nodiscard]] const std::string& path() const { return m_path; }
    /// True between BEGIN and COMMIT / ROLLBACK.
    [[nodiscard]] bool in_transaction() const;

  private:
    std::unique_ptr<sqlite3, DbDeleter> m_db;
    std::string m_path;
};

/// "store PATH: sqlite: <doing>: <SQLite's message>", for any handle of the store PATH.
std::unexpected<common::Error> sqlite_failure(sqlite3* db, std::string_view doing);

/// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back when it fails. Inside a
/// transaction already open (a batch), `body` joins it: the outer one commits or rolls back.
template <typename F>
auto in_transaction(Database& db, F&& body) -> decltype(body()) {
    if (db.in_transaction()) return body();
    if (auto ok = db.exec("BEGIN IMMEDIATE"); !ok) return std::unexpected(ok.error());
    auto result = body();
    if (!result) {
        (void)db.exec("ROLLBACK");
        return result;
    }
    if (auto ok = db.exec("COMMIT"); !ok) {
        (void)db.exec("ROLLBACK");
        return std::unexpected(ok.error());
    }
    return result;
}

}  // namespace versioning::detail
