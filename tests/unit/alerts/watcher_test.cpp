#include "wagbot/alerts/watcher.hpp"

#include <doctest/doctest.h>

using wagbot::alerts::feed_cursor;
using wagbot::alerts::read_watch_state;
using wagbot::alerts::to_text;
using wagbot::alerts::watch_state;
using wagbot::protocol::activity_event;
using wagbot::protocol::json;

namespace {

activity_event feed_event(std::string timestamp, std::string id, std::string target = "web") {
  activity_event e;
  e.id = std::move(id);
  e.timestamp = std::move(timestamp);
  e.type = "container_action";
  e.action = "stop";
  e.target = std::move(target);
  e.status = "success";
  return e;
}

std::vector<std::string> ids(const std::vector<activity_event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.id);
  return out;
}

const std::vector<std::string> none;

}  // namespace

TEST_SUITE("alerts") {
  TEST_CASE("the first catch-up only sets the baseline; later ones report what is new") {
    feed_cursor cursor;
    CHECK_FALSE(cursor.known());
    // What happened before wagbot watched is history, not news.
    CHECK(ids(cursor.catch_up({feed_event("2025-05-18T10:00:00Z", "a"),
                               feed_event("2025-05-18T10:01:00Z", "b")})) == none);
    CHECK(cursor.known());
    CHECK(cursor.position() == "2025-05-18T10:01:00Z|b");

    // The list holds the last 100, oldest first: the ones already handled come again.
    CHECK(ids(cursor.catch_up(
              {feed_event("2025-05-18T10:00:00Z", "a"), feed_event("2025-05-18T10:01:00Z", "b"),
               feed_event("2025-05-18T10:02:00Z", "c"),
               feed_event("2025-05-18T10:03:00Z", "d")})) == std::vector<std::string>{"c", "d"});
    CHECK(cursor.position() == "2025-05-18T10:03:00Z|d");
  }

  TEST_CASE("an empty first list still makes the position known") {
    feed_cursor cursor;
    CHECK(ids(cursor.catch_up({})) == none);
    CHECK(cursor.known());
    CHECK(cursor.position().empty());
    CHECK(ids(cursor.catch_up({feed_event("2025-05-18T10:00:00Z", "a")})) ==
          std::vector<std::string>{"a"});
  }

  TEST_CASE("an event seen live is not reported again by the catch-up after a reconnect") {
    feed_cursor cursor;
    cursor.catch_up({});
    cursor.advance(feed_event("2025-05-18T10:05:00Z", "live"));
    CHECK(cursor.position() == "2025-05-18T10:05:00Z|live");
    CHECK(ids(cursor.catch_up({feed_event("2025-05-18T10:05:00Z", "live"),
                               feed_event("2025-05-18T10:06:00Z", "while-down")})) ==
          std::vector<std::string>{"while-down"});
  }

  TEST_CASE("two events in the same instant are told apart by id") {
    feed_cursor cursor;
    cursor.catch_up({feed_event("2025-05-18T10:05:00Z", "a")});
    CHECK(ids(cursor.catch_up({feed_event("2025-05-18T10:05:00Z", "a"),
                               feed_event("2025-05-18T10:05:00Z", "b")})) ==
          std::vector<std::string>{"b"});
  }

  TEST_CASE("a late, older live event does not move the position back") {
    feed_cursor cursor;
    cursor.advance(feed_event("2025-05-18T10:05:00Z", "new"));
    cursor.advance(feed_event("2025-05-18T10:04:00Z", "old"));
    CHECK(cursor.position() == "2025-05-18T10:05:00Z|new");
  }

  TEST_CASE("a position restored from before a restart reports what came after it") {
    feed_cursor cursor;
    cursor.restore("2025-05-18T10:01:00Z|b");
    CHECK(cursor.known());
    CHECK(ids(cursor.catch_up({feed_event("2025-05-18T10:01:00Z", "b"),
                               feed_event("2025-05-18T10:02:00Z", "c")})) ==
          std::vector<std::string>{"c"});

    feed_cursor blank;
    blank.restore("");
    CHECK_FALSE(blank.known());
    CHECK(ids(blank.catch_up({feed_event("2025-05-18T10:02:00Z", "c")})) == none);
  }

  TEST_CASE("the kept state reads back for the same host") {
    const watch_state saved{"http://10.0.0.5:8080", json{{"web", "running"}}, "t|id"};
    const auto text = to_text(saved);
    const auto back = read_watch_state(text, "http://10.0.0.5:8080");
    REQUIRE(back);
    CHECK(back->base == "http://10.0.0.5:8080");
    CHECK(back->containers == saved.containers);
    CHECK(back->feed == "t|id");
    // Written only when it changes: the same state must give the same text.
    CHECK(to_text(*back) == text);
  }

  TEST_CASE("a state kept for another machine under the same alias is not used") {
    const auto text = to_text({"http://10.0.0.5:8080", json::object(), "t|id"});
    CHECK_FALSE(read_watch_state(text, "http://10.0.0.6:8080"));
    CHECK_FALSE(read_watch_state(text, "http://10.0.0.5:8080/other"));
  }

  TEST_CASE("a damaged or foreign state is ignored; a missing feed position is unknown") {
    CHECK_FALSE(read_watch_state("", "http://h:1"));
    CHECK_FALSE(read_watch_state("{\"base\":", "http://h:1"));
    CHECK_FALSE(read_watch_state("[1,2]", "http://h:1"));
    CHECK_FALSE(read_watch_state("{\"containers\":{}}", "http://h:1"));
    CHECK_FALSE(read_watch_state("{\"base\":5,\"containers\":{}}", "http://h:1"));
    const auto old =
        read_watch_state(R"({"base":"http://h:1","containers":{"web":1}})", "http://h:1");
    REQUIRE(old);
    CHECK(old->feed.empty());
    CHECK(old->containers == json{{"web", 1}});
    const auto odd = read_watch_state(R"({"base":"http://h:1","feed":7})", "http://h:1");
    REQUIRE(odd);
    CHECK(odd->feed.empty());
  }
}
