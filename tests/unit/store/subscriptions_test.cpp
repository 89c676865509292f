#include "wagbot/store/subscriptions.hpp"

#include <doctest/doctest.h>

using namespace wagbot::store;

TEST_SUITE("store") {
  TEST_CASE("subscriptions: one per room and host, replaced, listed, removed") {
    database db(":memory:");
    subscriptions subs(db);
    subs.put({"matrix", "!ops", "nas", {"web-*", "db"}, "alice", 1});
    subs.put({"matrix", "!ops", "media", {}, "alice", 2});
    subs.put({"discord", "42", "nas", {}, "bob", 3});
    subs.put({"matrix", "!ops", "nas", {"*"}, "alice", 4});  // replaces
    auto room = subs.of_room("matrix", "!ops");
    REQUIRE(room.size() == 2);
    CHECK(room[0].host == "media");
    CHECK(room[1].patterns == std::vector<std::string>{"*"});
    CHECK(subs.of_host("nas").size() == 2);
    CHECK(subs.remove("matrix", "!ops", "nas"));
    CHECK_FALSE(subs.remove("matrix", "!ops", "nas"));
    CHECK(subs.of_host("nas").size() == 1);
  }
}
