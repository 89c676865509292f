#pragma once
// The one SQLite state file: opening it safely and bringing its schema up to date.
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>

#include <SQLiteCpp/SQLiteCpp.h>
#include <SQLiteCpp/VariadicBind.h>

namespace wagbot::store {

/// A prepared statement lent out by database::query: reset and unbound when the lease ends, so
/// no read stays open and the next use starts clean. Moves, never copies.
class statement {
 public:
  statement(statement&& other) noexcept;
  statement& operator=(statement&&) = delete;
  ~statement();

  /// The SQLiteCpp statement, for code that takes one.
  SQLite::Statement& get() { return *stmt_; }
  operator SQLite::Statement&() { return *stmt_; }

  bool executeStep() { return stmt_->executeStep(); }
  int exec() { return stmt_->exec(); }
  SQLite::Column getColumn(int index) const { return stmt_->getColumn(index); }

 private:
  friend class database;
  statement(SQLite::Statement& cached, bool& busy) : stmt_(&cached), busy_(&busy) {}
  explicit statement(std::unique_ptr<SQLite::Statement> own)
      : stmt_(own.get()), own_(std::move(own)) {}

  SQLite::Statement* stmt_;
  std::unique_ptr<SQLite::Statement> own_;  ///< set when the cached one was in use
  bool* busy_ = nullptr;                    ///< the cache slot's flag, when borrowed from it
};

/// Reads the current row of `query` into `out...`, column 0 first: each a std::string or an
/// std::int64_t.
template <class... T>
void read_row(const SQLite::Statement& query, T&... out) {
  int column = 0;
  const auto take = [&](auto& field) {
    const SQLite::Column value = query.getColumn(column++);
    using type = std::decay_t<decltype(field)>;
    static_assert(std::is_same_v<type, std::string> || std::is_same_v<type, std::int64_t>);
    if constexpr (std::is_same_v<type, std::string>)
      field = value.getString();
    else
      field = value.getInt64();
  };
  (take(out), ...);
}

/// Opens (creating) the SQLite file, WAL mode, foreign keys on, busy timeout 5 s, and runs the
/// numbered migrations of migrations.hpp, each once, in its own transaction. ":memory:" works for
/// tests. A new file is created with mode 0600 (SQLite gives its -wal/-shm files the same mode).
/// One connection, used from one thread: the io_context thread.
class database {
 public:
  /// Throws SQLite::Exception or std::runtime_error when the file cannot be opened or migrated,
  /// including when its schema is newer than this binary knows.
  explicit database(const std::string& path);

  /// The connection, for the stores of this folder.
  SQLite::Database& sql();

  /// Runs one statement with `args` bound to its parameters in order; the rows it changed.
  template <class... Args>
  int run(const std::string& text, const Args&... args) {
    return query(text, args...).exec();
  }

  /// A query with `args` bound to its parameters in order, ready for executeStep(). Statements
  /// are prepared once and kept: parsing the SQL cost more than running it (issue 15).
  template <class... Args>
  statement query(const std::string& text, const Args&... args) {
    auto q = prepare(text);
    SQLite::bind(q.get(), args...);
    return q;
  }

  /// Highest applied migration; 0 for an empty database.
  int schema_version();

 private:
  struct cached {
    std::unique_ptr<SQLite::Statement> stmt;
    bool busy = false;
  };

  statement prepare(const std::string& text);
  void migrate();

  SQLite::Database db_;
  /// Declared after db_: the statements are finalized before the connection closes.
  std::unordered_map<std::string, cached> cache_;
};

}  // namespace wagbot::store
