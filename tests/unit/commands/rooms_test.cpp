// default, alerts, alerts on and alerts off (commands/default.cpp, alerts.cpp, alerts_on.cpp,
// alerts_off.cpp): what the user reads, what the room keeps, which requests are made.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::has;
using test::world;
using lines = std::vector<std::string>;

TEST_SUITE("commands") {
  TEST_CASE("default shows, sets and clears the room's host, and commands follow it") {
    world w;
    CHECK(w.say(w.alice(), "default").plain() ==
          "This room has no default host. `default <host>` sets one.");
    CHECK(w.say(w.alice(), "default media").plain() ==
          "Commands in this room now go to @media unless they name another host.");
    CHECK(w.rooms.default_host("shell", "room") == "media");
    CHECK(w.say(w.alice(), "default").plain() == "This room's default host is @media.");

    w.say(w.alice(), "ps");
    CHECK(w.media.calls() == lines{"GET /api/containers"});
    CHECK(w.nas.requests().empty());

    CHECK(w.say(w.alice(), "default none").plain() == "This room has no default host any more.");
    CHECK_FALSE(w.rooms.default_host("shell", "room").has_value());
    CHECK(w.say(w.alice(), "default pi").plain() == "There is no host @pi.");
  }

  TEST_CASE("alerts on subscribes the room to a watched host, checked with the requester's key") {
    world w;
    auto r = w.say(w.bob(), "alerts on @nas jellyfin plex*");
    CHECK(r.plain() == "This room now gets alerts from @nas about jellyfin plex*.");
    const auto subs = w.subscriptions.of_room("shell", "room");
    REQUIRE(subs.size() == 1);
    CHECK(subs[0].host == "nas");
    CHECK(subs[0].patterns == lines{"jellyfin", "plex*"});
    CHECK(subs[0].created_by == "bob");
    const auto seen = w.nas.requests();
    REQUIRE(seen.size() == 1);  // the scope check only
    CHECK(seen[0].line() == "GET /api/settings");
    CHECK(seen[0].api_key == test::bob_nas_key);

    w.now += 120;
    const auto text = w.say(w.bob(), "alerts").plain();
    CHECK(text.starts_with("Alerts this room receives:\n"));
    CHECK(has(text, "jellyfin plex*"));
    CHECK(has(text, "2 min ago"));
  }

  TEST_CASE("alerts on needs a monitor key for the host and containers:read for the user") {
    world w;
    auto r = w.say(w.alice(), "alerts on @media");
    CHECK(r.plain().starts_with("@media is not watched: wagbot's admin gives it a monitor key"));
    w.nas.on("GET", "/api/settings", test::key_with({"images:read"}), test::bob_nas_key);
    r = w.say(w.bob(), "alerts on @nas");
    CHECK(r.plain().starts_with("Your key for @nas lacks the `containers:read` scope."));
    CHECK(w.subscriptions.of_room("shell", "room").empty());
    CHECK(w.say(w.bob(), "alerts").plain().starts_with("This room gets no alerts."));
  }

  TEST_CASE("alerts off ends the room's alerts from a host, and says when there were none") {
    world w;
    w.say(w.bob(), "alerts on");
    REQUIRE(w.subscriptions.of_room("shell", "room").size() == 1);
    CHECK(w.say(w.bob(), "alerts off").plain() == "No more alerts from @nas in this room.");
    CHECK(w.subscriptions.of_room("shell", "room").empty());
    CHECK(w.say(w.bob(), "alerts off @nas").plain() == "This room got no alerts from @nas.");
  }
}
