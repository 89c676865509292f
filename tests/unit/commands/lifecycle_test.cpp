// start, stop, restart, rm and run (commands/lifecycle.cpp, rm.cpp, run.cpp): what the user
// reads and which WAGMIOS requests are made, with whose key.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::envelope;
using test::world;
using lines = std::vector<std::string>;

TEST_SUITE("commands") {
  TEST_CASE("restart resolves the container and posts the action with the requester's key") {
    world w;
    w.nas.on("POST", "/api/containers/jellyfin/restart", envelope({{"status", "restarted"}}));
    auto r = w.say(w.bob(), "restart jelly");
    CHECK(r.mood == core::tone::success);
    CHECK(r.plain() == "`jellyfin` restarted on @nas.");
    CHECK(w.nas.calls() == lines{"GET /api/containers", "POST /api/containers/jellyfin/restart"});
    CHECK(w.nas.keys_used() == lines{test::bob_nas_key, test::bob_nas_key});
    const auto logged = w.audit.recent(1);
    REQUIRE(logged.size() == 1);
    CHECK(logged[0].action == "restart");
    CHECK(logged[0].target == "jellyfin");
    CHECK(logged[0].outcome == "ok");
  }

  TEST_CASE("start says so when the container already runs, and starts a stopped one") {
    world w;
    auto r = w.say(w.bob(), "start jellyfin");
    CHECK(r.plain() == "`jellyfin` is already running on @nas.");
    CHECK(w.nas.calls() == lines{"GET /api/containers"});

    w.nas.on("POST", "/api/containers/postgres/start", envelope({{"status", "started"}}));
    r = w.say(w.bob(), "start postgres");
    CHECK(r.plain() == "`postgres` started on @nas.");
    CHECK(w.nas.calls().back() == "POST /api/containers/postgres/start");
  }

  TEST_CASE("stop asks first; the yes runs it, on the host and with the key it was asked for") {
    world w;
    w.nas.on("POST", "/api/containers/jellyfin/stop", envelope({{"status", "stopped"}}));
    auto r = w.say(w.bob(), "stop jellyfin");
    REQUIRE_FALSE(r.confirmation_id.empty());
    const auto id = r.confirmation_id;
    CHECK(r.plain() == "Confirm: stop `jellyfin` on @nas? Reply `yes` or `no` (or `confirm " + id +
                           "` / `cancel " + id + "`) within 5 min.");
    CHECK(w.nas.calls() == lines{"GET /api/containers"});  // nothing stopped yet

    r = w.say(w.bob(), "confirm " + id);
    CHECK(r.plain() == "`jellyfin` stopped on @nas.");
    CHECK(w.nas.calls().back() == "POST /api/containers/jellyfin/stop");
    for (const auto& key : w.nas.keys_used()) CHECK(key == test::bob_nas_key);
  }

  TEST_CASE("stop of a container that is not running does not call the host's stop") {
    world w;
    auto r = w.say(w.bob(), "stop postgres");
    REQUIRE_FALSE(r.confirmation_id.empty());
    r = w.say(w.bob(), "confirm");
    CHECK(r.plain() == "`postgres` is not running on @nas (exited).");
    for (const auto& call : w.nas.calls()) CHECK(call == "GET /api/containers");
  }

  TEST_CASE("rm needs containers:delete, asks, then deletes") {
    world w;
    w.nas.on("GET", "/api/settings", test::key_with({"containers:read", "containers:delete"}));
    w.nas.on("POST", "/api/containers/postgres/delete", envelope({{"status", "deleted"}}));
    auto r = w.say(w.bob(), "rm postgres");
    CHECK(r.plain().starts_with("Confirm: rm `postgres` on @nas?"));
    CHECK(w.nas.calls() == lines{"GET /api/containers"});
    r = w.say(w.bob(), "confirm");
    CHECK(r.plain() == "`postgres` deleted from @nas.");
    CHECK(w.nas.calls().back() == "POST /api/containers/postgres/delete");
  }

  TEST_CASE(
      "the host's refusal is told as the host put it; SCOPE_REQUIRED drops the cached scopes") {
    world w;
    w.nas.on("POST", "/api/containers/jellyfin/restart",
             test::failure(500, "DOCKER_ERROR", "Error response from daemon: cannot restart"));
    auto r = w.say(w.bob(), "restart jellyfin");
    CHECK(r.mood == core::tone::error);
    CHECK(r.plain() ==
          "restart `jellyfin` failed on @nas: cannot restart; the host's activity feed gives no "
          "reason.");

    w.nas.on("POST", "/api/containers/jellyfin/restart",
             test::failure(403, "SCOPE_REQUIRED", "containers:write scope required"));
    r = w.say(w.bob(), "restart jellyfin");
    CHECK(r.plain().starts_with("Your key for @nas lacks the `containers:write` scope."));
    // The next command reads the key's scopes again instead of trusting the cache.
    w.nas.forget();
    w.say(w.bob(), "ps");
    CHECK(w.nas.requests().at(0).line() == "GET /api/settings");
  }

  TEST_CASE("run builds the create body from its options, asks, then creates") {
    world w;
    w.nas.on("POST", "/api/containers", envelope({{"id", "5f0c1d2e3a4b5c6d7e8f"}}));
    auto r = w.say(w.bob(), "run nginx:alpine --name web -p 8080:80 -e TZ=UTC");
    REQUIRE_FALSE(r.confirmation_id.empty());
    CHECK(w.nas.calls().empty());
    r = w.say(w.bob(), "yes");  // typed as a command, `yes` is confirm
    CHECK(r.plain() == "Container `web` (nginx:alpine) created on @nas, id 5f0c1d2e3a4b.");
    const auto seen = w.nas.requests();
    REQUIRE_FALSE(seen.empty());
    CHECK(seen.back().line() == "POST /api/containers");
    CHECK(seen.back().api_key == test::bob_nas_key);
    const auto body = nlohmann::json::parse(seen.back().body);
    CHECK(body["name"] == "web");
    CHECK(body["image"] == "nginx:alpine");
    CHECK(body["ports"] == nlohmann::json::parse(R"([{"host":"8080","container":"80"}])"));
    CHECK(body["env"] == nlohmann::json::parse(R"([{"key":"TZ","value":"UTC"}])"));

    w.nas.forget();
    // A port the host would refuse is refused before any yes is asked.
    r = w.say(w.bob(), "run nginx -p 8080");
    CHECK(r.plain() ==
          "-p takes host:container, e.g. `-p 8080:80`, not `8080`. Nothing was created.");
    r = w.say(w.bob(), "confirm");
    CHECK(r.plain().find("nothing waiting") != std::string::npos);
    CHECK(w.nas.calls().empty());
  }
}
