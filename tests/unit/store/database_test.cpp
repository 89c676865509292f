#include "wagbot/store/database.hpp"

#include <sys/stat.h>

#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include "wagbot/store/inbox.hpp"
#include "wagbot/store/kv_store.hpp"
#include "wagbot/store/migrations.hpp"

using wagbot::store::database;

namespace {

std::string pragma_text(database& db, const char* pragma) {
  SQLite::Statement query(db.sql(), pragma);
  REQUIRE(query.executeStep());
  return query.getColumn(0).getString();
}

}  // namespace

TEST_SUITE("store") {
  TEST_CASE("an in-memory database is migrated to the latest version") {
    database db(":memory:");
    const int latest = static_cast<int>(wagbot::store::migrations().size());
    CHECK(latest >= 1);
    CHECK(db.schema_version() == latest);
    CHECK(pragma_text(db, "PRAGMA foreign_keys") == "1");
  }

  TEST_CASE("migrations are idempotent: reopening keeps the version and the data") {
    wagbot::store::test::temp_dir dir;
    const auto path = (dir / "wagbot.db").string();
    int first_version = 0;
    {
      database db(path);
      first_version = db.schema_version();
      wagbot::store::kv_store(db).set("matrix.next_batch", "s72594_4483_1934");
    }
    database again(path);
    CHECK(again.schema_version() == first_version);
    CHECK(wagbot::store::kv_store(again).get("matrix.next_batch") ==
          std::string("s72594_4483_1934"));
    SQLite::Statement rows(again.sql(), "SELECT COUNT(*) FROM schema_migrations");
    REQUIRE(rows.executeStep());
    CHECK(rows.getColumn(0).getInt() == first_version);
  }

  TEST_CASE("a database file is created owner-only and in WAL mode") {
    wagbot::store::test::temp_dir dir;
    const auto path = dir / "state.db";
    database db(path.string());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(pragma_text(db, "PRAGMA journal_mode") == "wal");
    CHECK(pragma_text(db, "PRAGMA busy_timeout") == "5000");
  }

  TEST_CASE("a database from a newer wagbot is refused") {
    wagbot::store::test::temp_dir dir;
    const auto path = (dir / "future.db").string();
    {
      database db(path);
      SQLite::Statement future(db.sql(),
                               "INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)");
      future.bind(1, db.schema_version() + 1);
      future.exec();
    }
    CHECK_THROWS_WITH_AS(database{path}, doctest::Contains("newer"), std::runtime_error);
  }

  TEST_CASE("foreign keys are enforced") {
    database db(":memory:");
    SQLite::Statement orphan(db.sql(),
                             "INSERT INTO confirmation_approvers (confirmation_id, position,"
                             " approver) VALUES ('nope', 0, 'alice')");
    CHECK_THROWS_AS(orphan.exec(), SQLite::Exception);
  }

  TEST_CASE("a kept statement is reused with fresh values, and nests inside itself") {
    wagbot::store::test::temp_dir dir;
    database db((dir / "reuse.db").string());
    for (const char* name : {"a", "b", "c"})
      CHECK(db.run("INSERT INTO kv (name, value) VALUES (?, ?)", std::string(name),
                   std::string(name) + "!") == 1);
    const std::string one = "SELECT value FROM kv WHERE name = ?";
    {
      auto first = db.query(one, std::string("a"));
      REQUIRE(first.executeStep());
      // The same text while the first is still being read: a statement of its own.
      auto inner = db.query(one, std::string("b"));
      REQUIRE(inner.executeStep());
      CHECK(inner.getColumn(0).getString() == "b!");
      CHECK(first.getColumn(0).getString() == "a!");
    }
    {
      auto all = db.query("SELECT name FROM kv ORDER BY name");
      int n = 0;
      while (all.executeStep()) {
        auto again = db.query(one, all.getColumn(0).getString());
        REQUIRE(again.executeStep());
        CHECK(again.getColumn(0).getString() == all.getColumn(0).getString() + "!");
        ++n;
      }
      CHECK(n == 3);
    }
    // Once a lease ends its statement is reset: read to the end or not, no read stays open, and
    // a write from another connection is not blocked by it (a checkpoint could not run past it).
    {
      auto half = db.query("SELECT name FROM kv ORDER BY name");
      REQUIRE(half.executeStep());
    }
    SQLite::Database other((dir / "reuse.db").string(), SQLite::OPEN_READWRITE);
    other.exec("INSERT INTO kv (name, value) VALUES ('d', 'd!')");
    auto d = db.query(one, std::string("d"));
    REQUIRE(d.executeStep());
    CHECK(d.getColumn(0).getString() == "d!");
  }

  TEST_CASE("migration 5 rebuilds the inbox and keeps its rows, their order and its check") {
    wagbot::store::test::temp_dir dir;
    const auto path = (dir / "v4.db").string();
    {
      // A file as wagbot left it at schema version 4, with events in its inbox.
      SQLite::Database old(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      old.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER)");
      const auto all = wagbot::store::migrations();
      for (int v = 1; v <= 4; ++v) {
        old.exec(std::string(all[static_cast<std::size_t>(v - 1)]));
        old.exec("INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 0)");
      }
      old.exec("INSERT INTO inbox VALUES ('matrix', '$b', '!r', 'second', 'queued', 7)");
      old.exec("INSERT INTO inbox VALUES ('matrix', '$a', '!r', 'first', 'queued', 7)");
      old.exec("INSERT INTO inbox VALUES ('matrix', '$c', '!r', 'ran', 'started', 5)");
    }
    database db(path);
    CHECK(db.schema_version() >= 5);
    wagbot::store::inbox inbox(db);
    const auto queued = inbox.queued("matrix");
    REQUIRE(queued.size() == 2);
    CHECK(queued[0].event_id == "$b");  // same received_at: the older row first, as before
    CHECK(queued[1].event_id == "$a");
    REQUIRE(inbox.interrupted("matrix").size() == 1);
    CHECK(inbox.start("matrix", "$b"));
    CHECK_THROWS_AS(db.run("UPDATE inbox SET state = 'lost' WHERE event_id = '$a'"),
                    SQLite::Exception);
  }
}
