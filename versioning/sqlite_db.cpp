#include "versioning/sqlite_db.hpp"

namespace versioning::detail {
namespace {

constexpr int k_busy_timeout_ms = 30000;

// SQLite counts every allocation it makes under a global mutex unless told not to; slipway
// never asks for those figures. This must precede SQLite's initialisation (the first open:
// every connection slipway makes is opened here).
void configure_sqlite() {
    static const bool configured = [] {
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)configured;
}

}  // namespace

std::unexpected<common::Error> sqlite_failure(sqlite3* db, std::string_view doing) {
    const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
    const std::string where = file && *file ? "store " + std::string(file) + ": " : "";
    return common::fail(common::ErrorCode::external,
                        where + "sqlite: " + std::string(doing) + ": " +
                            (db ? sqlite3_errmsg(db) : "out of memory"));
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt.get(), index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(m_stmt.get(), index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    sqlite3_bind_blob(m_stmt.get(), index, bytes.data(), static_cast<int>(bytes.size()),
                      SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(m_stmt.get(), index);
    return *this;
}

common::Result<bool> Statement::step() {
    int rc = sqlite3_step(m_stmt.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_failure(sqlite3_db_handle(m_stmt.get()), "running a statement");
}

common::Result<void> Statement::run() {
    auto more = step();
    while (more && *more) more = step();
    reset();
    if (!more) return std::unexpected(more.error());
    return {};
}

void Statement::reset() {
    sqlite3_reset(m_stmt.get());
    sqlite3_clear_bindings(m_stmt.get());
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(m_stmt.get(), column);
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
    if (sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL) return std::nullopt;
    return int64(column);
}

std::string Statement::text(int column) const {
    const auto* p = sqlite3_column_text(m_stmt.get(), column);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), column)))
             : std::string();
}

std::string Statement::blob(int column) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt.get(), column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), column)))
             : std::string();
}

common::Result<Database> Database::open(const std::string& path) {
    configure_sqlite();
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    Database db;
    db.m_db.reset(raw);
    db.m_path = path;
    if (rc != SQLITE_OK)
        return common::fail(common::ErrorCode::external,
                            "store " + path + ": sqlite: cannot open: " +
                                (raw ? sqlite3_errmsg(raw) : "out of memory"));
    sqlite3_busy_timeout(raw, k_busy_timeout_ms);
    // WAL lets readers go on while one process writes; NORMAL syncs at checkpoints only,
    // which WAL makes safe against corruption (a power cut may lose the last commits).
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
        if (auto ok = db.exec(pragma); !ok) return std::unexpected(ok.error());
    }
    return db;
}

common::Result<Database> Database::open_read_only(const std::string& path) {
    configure_sqlite();
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    Database db;
    db.m_db.reset(raw);
    db.m_path = path;
    if (rc != SQLITE_OK)
        return common::fail(common::ErrorCode::external,
                            "store " + path + ": sqlite: cannot open: " +
                                (raw ? sqlite3_errmsg(raw) : "out of memory"));
    sqlite3_busy_timeout(raw, k_busy_timeout_ms);
    return db;
}

bool Database::in_transaction() const {
    return sqlite3_get_autocommit(m_db.get()) == 0;
}

common::Result<void> Database::exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(m_db.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errmsg(m_db.get());
        sqlite3_free(message);
        return common::fail(common::ErrorCode::external, "store " + m_path + ": sqlite: " + text);
    }
    return {};
}

common::Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(m_db.get(), sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
        return sqlite_failure(m_db.get(), "preparing a statement");
    }
    return Statement(raw);
}

std::string Database::error_message() const {
    return sqlite3_errmsg(m_db.get());
}

}  // namespace versioning::detail
