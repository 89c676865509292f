#include "wagbot/store/database.hpp"

#include <cerrno>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "wagbot/store/migrations.hpp"

namespace wagbot::store {

namespace {

constexpr int busy_timeout_ms = 5000;

bool is_in_memory(const std::string& path) {
  return path.empty() || path == ":memory:";
}

// SQLite would create the file with 0644 & ~umask; keys are sealed, but the audit log and chat
// tokens are nobody else's business, so the file is created here first, owner-only.
const std::string& create_private_file(const std::string& path) {
  if (is_in_memory(path)) return path;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("cannot create database file {}", path));
  }
  return path;
}

std::int64_t unix_now() {
  return std::time(nullptr);
}

}  // namespace

database::database(const std::string& path)
    : db_(create_private_file(path), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
          busy_timeout_ms) {
  // An in-memory database answers "memory" here; that is fine.
  db_.exec("PRAGMA journal_mode = WAL");
  // WAL + NORMAL stays consistent after a crash and only risks the last commits on power loss.
  db_.exec("PRAGMA synchronous = NORMAL");
  db_.exec("PRAGMA foreign_keys = ON");
  // The file is small and the OS caches it too: 512 KiB of page cache (SQLite's default is
  // 2 MiB) keeps the daemon's memory small after a busy spell.
  db_.exec("PRAGMA cache_size = -512");
  migrate();
}

statement::statement(statement&& other) noexcept
    : stmt_(other.stmt_), own_(std::move(other.own_)), busy_(other.busy_) {
  other.stmt_ = nullptr;
  other.busy_ = nullptr;
}

statement::~statement() {
  if (!stmt_ || !busy_) return;  // moved from, or a one-off that finalizes itself
  stmt_->tryReset();
  try {
    stmt_->clearBindings();  // sqlite3_clear_bindings cannot fail; SQLiteCpp still checks
  } catch (const SQLite::Exception&) {
  }
  *busy_ = false;
}

statement database::prepare(const std::string& text) {
  // Bounded by the statements this code holds (all literals); the cap is a backstop.
  constexpr std::size_t max_cached = 64;
  auto it = cache_.find(text);
  if (it == cache_.end() && cache_.size() < max_cached)
    it = cache_.emplace(text, cached{std::make_unique<SQLite::Statement>(db_, text)}).first;
  // In use (a loop over one query running the same query inside) or past the cap: a one-off.
  if (it == cache_.end() || it->second.busy)
    return statement(std::make_unique<SQLite::Statement>(db_, text));
  it->second.busy = true;
  return statement(*it->second.stmt, it->second.busy);
}

SQLite::Database& database::sql() {
  return db_;
}

int database::schema_version() {
  SQLite::Statement query(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  query.executeStep();
  return query.getColumn(0).getInt();
}

void database::migrate() {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const auto all = migrations();
  const int known = static_cast<int>(all.size());
  for (int version = 1; version <= known; ++version) {
    // IMMEDIATE takes the write lock before reading the version, so two processes starting
    // together cannot both apply the same migration.
    SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (schema_version() >= version) continue;
    db_.exec(std::string(all[static_cast<std::size_t>(version - 1)]));
    SQLite::Statement record(db_,
                             "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
    record.bind(1, version);
    record.bind(2, unix_now());
    record.exec();
    transaction.commit();
  }
  const int current = schema_version();
  if (current > known) {
    throw std::runtime_error(fmt::format(
        "database {} has schema version {}, newer than this wagbot knows ({}); upgrade wagbot",
        db_.getFilename(), current, known));
  }
}

}  // namespace wagbot::store
