// ps, inspect, logs, status and hosts (commands/ps.cpp, inspect.cpp, logs.cpp, status.cpp,
// hosts.cpp): what the user reads and which WAGMIOS requests are made, with whose key.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::envelope;
using test::has;
using test::world;
using lines = std::vector<std::string>;

TEST_SUITE("commands") {
  TEST_CASE("ps lists every container with its status, ports and short id") {
    world w;
    auto r = w.say(w.bob(), "ps @nas");
    const auto text = r.plain();
    CHECK(text.starts_with("4 containers on @nas, 2 running:\n"));
    CHECK(has(text, "● running"));
    CHECK(has(text, "○ exited"));
    CHECK(has(text, "◐ restarting"));
    CHECK(has(text, "8096→8096"));
    CHECK(has(text, "7359→7359/udp"));
    CHECK(has(text, "4e97c3f90561"));
    CHECK_FALSE(has(text, "4e97c3f9056197"));  // ids are shortened to 12
    CHECK(w.nas.calls() == lines{"GET /api/containers"});
    CHECK(w.nas.keys_used() == lines{test::bob_nas_key});

    w.nas.on("GET", "/api/containers", envelope(nlohmann::json::array()));
    CHECK(w.say(w.bob(), "ps").plain() == "No containers on @nas.");
  }

  TEST_CASE("inspect shows one container's fields from its config") {
    world w;
    w.nas.on("GET", "/api/containers/jellyfin/config",
             {200, test::wagmios_fixture("container_config.json")});
    auto r = w.say(w.bob(), "inspect jelly");
    const auto text = r.plain();
    CHECK(text.starts_with("`jellyfin` on @nas:\n"));
    CHECK(has(text, "jellyfin/jellyfin:latest"));
    CHECK(has(text,
              "4e97c3f9056197b808228db75f4c1b18771bafac146a931d2cac518554961cd9"));  // in full here
    CHECK(w.nas.calls() == lines{"GET /api/containers", "GET /api/containers/jellyfin/config"});
  }

  TEST_CASE("logs asks for the lines wanted and shows them as code; bounds are checked first") {
    world w;
    w.nas.on("GET", "/api/containers/jellyfin/logs", envelope({{"logs", "starting\nready\n\n"}}));
    auto r = w.say(w.bob(), "logs jellyfin 20");
    CHECK(r.plain() == "Last 20 lines of `jellyfin` on @nas:\nstarting\nready");
    REQUIRE(r.blocks.size() == 2);
    CHECK(r.blocks[1].type == core::block::kind::code);
    const auto seen = w.nas.requests();
    CHECK(seen.back().target == "/api/containers/jellyfin/logs?tail=20");
    CHECK(seen.back().api_key == test::bob_nas_key);

    w.nas.forget();
    r = w.say(w.bob(), "logs jellyfin 5000");
    CHECK(r.plain() == "[lines] must be between 1 and 1000.");
    CHECK(w.nas.calls() == lines{"GET /api/containers"});  // no logs asked for

    w.nas.on("GET", "/api/containers/jellyfin/logs", envelope({{"logs", ""}}));
    CHECK(w.say(w.bob(), "logs jellyfin").plain() == "`jellyfin` on @nas has written no logs.");
    CHECK(w.nas.requests().back().target == "/api/containers/jellyfin/logs?tail=50");
  }

  TEST_CASE("status reads the key's scopes afresh and shows only the key's last 8 characters") {
    world w;
    auto r = w.say(w.bob(), "status");
    CHECK(r.is_private);
    CHECK(r.plain() ==
          "@nas: key …bobbyNAS \"wagbot\", role agent, scopes: containers:read "
          "containers:write images:read marketplace:read system:read");
    CHECK_FALSE(has(r.plain(), test::bob_nas_key));
    const auto seen = w.nas.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].line() == "GET /api/settings");
    CHECK(seen[0].api_key == test::bob_nas_key);

    w.media.on("GET", "/api/settings", test::key_with({"containers:read"}));
    r = w.say(w.alice(), "status all");
    CHECK(
        has(r.plain(), "@media: key …aliceMED \"wagbot\", role agent, scopes: containers:read\n"));
    CHECK(has(r.plain(), "@nas: key …aliceNAS"));
  }

  TEST_CASE(
      "hosts lists the user's keys and the configured hosts they hold none for, calling nothing") {
    world w;
    w.rooms.set_default_host("shell", "room", "nas");
    auto r = w.say(w.bob(), "hosts");
    const auto text = r.plain();
    CHECK(has(text, "@nas (room default)"));
    CHECK(has(text, w.nas.url()));
    CHECK(has(text, "…bobbyNAS"));
    CHECK(has(text, "the nas"));
    CHECK(has(text, "none — `key add media <key>`"));
    CHECK_FALSE(has(text, test::bob_nas_key));
    CHECK(w.nas.requests().empty());
    CHECK(w.media.requests().empty());
  }

  TEST_CASE("a read needs its scope: without containers:read, ps calls nothing") {
    world w;
    w.nas.on("GET", "/api/settings", test::key_with({"images:read"}), test::bob_nas_key);
    auto r = w.say(w.bob(), "ps");
    CHECK(r.plain().starts_with("Your key for @nas lacks the `containers:read` scope."));
    CHECK(w.nas.calls().empty());
  }
}
