#pragma once
// The one SQLite state file: opening it safely and bringing its schema up to date.
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>
#include <SQLiteCpp/VariadicBind.h>

namespace wagbot::store {

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
  int run(const std::string& statement, const Args&... args) {
    return query(statement, args...).exec();
  }

  /// A query with `args` bound to its parameters in order, ready for executeStep().
  template <class... Args>
  SQLite::Statement query(const std::string& statement, const Args&... args) {
    SQLite::Statement q(db_, statement);
    SQLite::bind(q, args...);
    return q;
  }

  /// Highest applied migration; 0 for an empty database.
  int schema_version();

 private:
  void migrate();

  SQLite::Database db_;
};

}  // namespace wagbot::store
