#include "wagbot/store/inbox.hpp"

#include <doctest/doctest.h>

using namespace wagbot::store;

TEST_SUITE("store") {
  TEST_CASE("inbox: a duplicate delivery is refused, an event starts once, restarts see the rest") {
    database db(":memory:");
    inbox box(db);
    CHECK(box.add({"matrix", "$a", "!r", "{\"n\":1}"}, 100));
    CHECK(box.add({"matrix", "$b", "!r", "{\"n\":2}"}, 101));
    CHECK_FALSE(box.add({"matrix", "$a", "!r", "{}"}, 102));  // seen before
    CHECK(box.add({"discord", "$a", "c", "{}"}, 102));        // other network, other id space

    CHECK(box.start("matrix", "$a"));
    CHECK_FALSE(box.start("matrix", "$a"));
    auto queued = box.queued("matrix");
    REQUIRE(queued.size() == 1);
    CHECK(queued[0].event_id == "$b");
    CHECK(queued[0].payload == "{\"n\":2}");
    CHECK(box.interrupted("matrix").size() == 1);

    box.finish("matrix", "$a");
    CHECK(box.interrupted("matrix").empty());
    box.prune(1000);
    CHECK(box.add({"matrix", "$a", "!r", "{}"}, 1001));  // forgotten once pruned
    CHECK(box.queued("matrix").size() == 2);             // $b is still waiting
  }

  TEST_CASE("inbox: what runs at once is journalled started in one write, and only once") {
    database db(":memory:");
    inbox box(db);
    CHECK(box.add({"discord", "1", "c", "{}"}, 100, "started"));
    CHECK_FALSE(box.add({"discord", "1", "c", "{}"}, 101, "started"));  // a redelivery
    CHECK(box.queued("discord").empty());
    CHECK_FALSE(box.start("discord", "1"));           // already started
    REQUIRE(box.interrupted("discord").size() == 1);  // a crash now: told, never run again
    box.finish("discord", "1");
    CHECK(box.interrupted("discord").empty());
  }
}
