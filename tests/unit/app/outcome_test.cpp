// What came of a Docker action (app/outcome.cpp): Docker's reason for a failure, read from the
// host's activity (the watcher's feed, or the list with the user's own key), and the look at a
// container just started.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::envelope;
using test::has;
using test::world;
using lines = std::vector<std::string>;

namespace {
const test::canned docker_failed = test::failure(500, "DOCKER_ERROR", "exit status 1");

nlohmann::json start_error(const std::string& target, const std::string& agent,
                           const std::string& words) {
  return {{"id", "e1"},
          {"timestamp", "2026-12-04T21:45:40.123Z"},
          {"type", "container_action"},
          {"action", "start"},
          {"target", target},
          {"status", "error"},
          {"agent", agent},
          {"details", {{"container_id", target}, {"details", words}}}};
}

test::canned activity(nlohmann::json events) {
  const auto total = events.size();
  return {200, nlohmann::json{{"events", std::move(events)}, {"total", total}}.dump()};
}
}  // namespace

TEST_SUITE("app") {
  TEST_CASE("a Docker failure is told with Docker's reason from the host's activity list") {
    world w;
    w.nas.on("POST", "/api/containers/postgres/start", docker_failed);
    w.nas.on("GET", "/api/activity",
             activity({start_error("postgres", "ffffffff", "someone else's failure\n"),
                       start_error("postgres", "bobbyNAS",
                                   "Error response from daemon: driver failed programming external "
                                   "connectivity: Bind for 0.0.0.0:5432 failed: port is already "
                                   "allocated\n")}));
    auto r = w.say(w.bob(), "start postgres");
    CHECK(r.mood == core::tone::error);
    CHECK(r.error_code == core::reply_code::docker_error);
    CHECK(r.plain() ==
          "start `postgres` failed on @nas: the port is already taken (driver failed programming "
          "external connectivity: Bind for 0.0.0.0:5432 failed: port is already allocated).");
    // Read with bob's own key, which holds system:read.
    CHECK(w.nas.calls().back() == "GET /api/activity");
    for (const auto& key : w.nas.keys_used()) CHECK(key == test::bob_nas_key);
  }

  TEST_CASE(
      "without system:read and no watcher, the reply says the host gives no reason and "
      "which scope shows it") {
    world w;
    w.nas.on("GET", "/api/settings", test::key_with({"containers:read", "containers:write"}));
    w.nas.on("POST", "/api/containers/postgres/start", docker_failed);
    auto r = w.say(w.bob(), "start postgres");
    CHECK(r.plain() ==
          "start `postgres` failed on @nas: the host gives no reason (exit status 1).\n"
          "Docker's reason is only in the host's activity feed, which needs the `system:read` "
          "scope: its owner can enable it for your key in WAGMIOS Settings → Agent Permissions.");
    CHECK(w.nas.calls() == lines{"GET /api/containers", "POST /api/containers/postgres/start"});
  }

  TEST_CASE("what the watcher heard on the feed gives the reason, whatever the user's scopes") {
    world w;
    w.nas.on("GET", "/api/settings", test::key_with({"containers:read", "containers:write"}));
    w.nas.on("POST", "/api/containers/postgres/start", docker_failed);
    w.eng->following("nas", true);
    w.eng->heard("nas", start_error("postgres", "bobbyNAS",
                                    "Error response from daemon: No such container: postgres\n")
                            .get<protocol::activity_event>());
    auto r = w.say(w.bob(), "start postgres");
    CHECK(r.plain() ==
          "start `postgres` failed on @nas: no such container (No such container: postgres).");
    CHECK(w.nas.calls() == lines{"GET /api/containers", "POST /api/containers/postgres/start"});
  }

  TEST_CASE("a pull's reason comes from its image_pull error event") {
    world w;
    w.nas.on("GET", "/api/settings", test::key_with({"images:write", "system:read"}));
    w.nas.on("POST", "/api/images/pull", docker_failed);
    w.nas.on("GET", "/api/activity",
             activity({{{"type", "image_pull"},
                        {"action", "pull"},
                        {"target", "alpine:3.20"},
                        {"status", "pending"},
                        {"agent", "bobbyNAS"}},
                       {{"type", "image_pull"},
                        {"action", "pull"},
                        {"target", "alpine:3.20"},
                        {"status", "error"},
                        {"agent", "bobbyNAS"},
                        {"details",
                         "Error response from daemon: Get \"https://registry-1.docker.io/"
                         "v2/\": dial tcp: lookup registry-1.docker.io: no such host\n"}}}));
    auto r = w.say(w.bob(), "pull alpine:3.20");
    CHECK(r.plain() ==
          "pull `alpine:3.20` failed on @nas: registry unreachable (Get "
          "\"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such "
          "host).");
  }

  TEST_CASE("a container that exits right after its start is reported with its last lines") {
    world w;
    w.cfg.timeouts.settle_seconds = 1;
    w.nas.on("POST", "/api/containers/postgres/start", envelope({{"status", "started"}}));
    w.nas.on("GET", "/api/containers/postgres/logs", envelope({{"logs", "FATAL: bad config\n"}}));
    // containers.json still shows postgres exited after the start.
    auto r = w.say(w.bob(), "start postgres");
    CHECK(r.mood == core::tone::error);
    CHECK(r.plain() ==
          "`postgres` on @nas started but exited at once (exited).\nIts last lines:\n"
          "FATAL: bad config\n`logs postgres @nas` shows more.");
    CHECK(w.nas.calls() == lines{"GET /api/containers", "POST /api/containers/postgres/start",
                                 "GET /api/containers", "GET /api/containers/postgres/logs"});
  }

  TEST_CASE("a container that stays up gets the plain answer after the look") {
    world w;
    w.cfg.timeouts.settle_seconds = 1;
    w.nas.on("POST", "/api/containers/jellyfin/restart", envelope({{"status", "restarted"}}));
    auto r = w.say(w.bob(), "restart jellyfin");
    CHECK(r.plain() == "`jellyfin` restarted on @nas.");
    CHECK(w.nas.calls() == lines{"GET /api/containers", "POST /api/containers/jellyfin/restart",
                                 "GET /api/containers"});
  }

  TEST_CASE("a failed compose up says why, and offers the rm of what it left in `created`") {
    world w;
    w.nas.on("GET", "/api/settings",
             test::key_with({"marketplace:read", "marketplace:write", "containers:read",
                             "containers:delete"}));
    w.nas.on("GET", "/api/marketplace/jellyfin",
             {200, test::wagmios_fixture("marketplace_app_jellyfin.json")});
    w.nas.on("POST", "/api/marketplace/create",
             {200, test::wagmios_fixture("marketplace_create.json")});
    w.nas.on("POST", "/api/marketplace/start",
             test::failure(500, "COMPOSE_UP_FAILED",
                           " Container tv-jellyfin-1  Creating\n Container tv-jellyfin-1  Created\n"
                           "Error response from daemon: failed to set up container networking: "
                           "Bind for 0.0.0.0:8096 failed: port is already allocated\n"));
    nlohmann::json list = nlohmann::json::parse(test::wagmios_fixture("containers.json"))["data"];
    list.push_back({{"id", std::string(64, 'a')},
                    {"name", "tv-jellyfin-1"},
                    {"image", "jellyfin/jellyfin:latest"},
                    {"status", "created"},
                    {"ports", nlohmann::json::array()}});
    w.nas.on("GET", "/api/containers", envelope(list));
    auto r = w.say(w.bob(), "install jellyfin as tv");
    REQUIRE_FALSE(r.confirmation_id.empty());
    r = w.say(w.bob(), "confirm");
    const auto text = r.plain();
    CHECK(
        text.starts_with("Jellyfin did not start on @nas: the port is already taken (failed to "
                         "set up container networking: Bind for 0.0.0.0:8096 failed: port is "
                         "already allocated).\n"));
    CHECK(has(text, "It left `tv-jellyfin-1` behind, created but not running."));
    CHECK(has(text, "Confirm: rm `tv-jellyfin-1` on @nas?"));
    REQUIRE_FALSE(r.confirmation_id.empty());
    r = w.say(w.bob(), "cancel");  // the offer is an ordinary rm prompt
    CHECK(has(r.plain(), "Nothing was done."));
  }
}
