#include "wagbot/store/alert_actions.hpp"

#include <doctest/doctest.h>

#include "temp_dir.hpp"

using namespace wagbot::store;

TEST_SUITE("store") {
  TEST_CASE("alert actions: found by id, or by message and emoji in the room they were posted to") {
    database db(":memory:");
    alert_actions actions(db);
    const auto restart = actions.add("matrix", "!ops", "Restart", "🔄", "restart web @nas", 100);
    const auto logs = actions.add("matrix", "!ops", "Logs", "📜", "logs web 50 @nas", 100);
    CHECK(restart != logs);
    CHECK_FALSE(actions.find("matrix", "!ops", "$alert", "🔄"));  // not posted yet
    actions.set_message({restart, logs}, "$alert");
    auto found = actions.find("matrix", "!ops", "$alert", "📜");
    REQUIRE(found);
    CHECK(found->command == "logs web 50 @nas");
    CHECK(found->id == logs);
    CHECK_FALSE(actions.find("matrix", "!other", "$alert", "📜"));  // another room
    CHECK_FALSE(actions.find("discord", "!ops", "$alert", "📜"));   // another network
    CHECK_FALSE(actions.find("matrix", "!ops", "$alert", "👍"));    // not an action
    REQUIRE(actions.get(restart));
    CHECK(actions.get(restart)->label == "Restart");
    CHECK_FALSE(actions.get(9999));
  }

  TEST_CASE("alert actions: old ones are dropped, and an id is never handed out twice") {
    test::temp_dir dir;
    const auto file = (dir.path() / "wagbot.db").string();
    std::int64_t first = 0;
    {
      database db(file);
      alert_actions actions(db, 3600);
      first = actions.add("discord", "42", "Restart", "🔄", "restart web @nas", 1000);
      actions.add("discord", "42", "Logs", "📜", "logs web 50 @nas", 1000);
    }
    database db(file);  // as after a restart
    alert_actions actions(db, 3600);
    REQUIRE(actions.get(first));
    CHECK(actions.get(first)->command == "restart web @nas");
    const auto later = actions.add("discord", "42", "Logs", "📜", "logs db 50 @nas", 1000 + 3601);
    CHECK_FALSE(actions.get(first));  // a month-old button now says "too old"
    CHECK(later > first + 1);         // the dropped ids are not reused
  }
}
