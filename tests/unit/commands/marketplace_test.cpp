// apps, app, installed and install (commands/apps.cpp, app.cpp, installed.cpp, install.cpp):
// what the user reads and which WAGMIOS requests are made, with whose key.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::has;
using test::world;
using lines = std::vector<std::string>;

namespace {

/// @nas with the marketplace fixtures.
void with_marketplace(world& w) {
  w.nas.on("GET", "/api/marketplace", {200, test::wagmios_fixture("marketplace.json")});
  w.nas.on("GET", "/api/marketplace/jellyfin",
           {200, test::wagmios_fixture("marketplace_app_jellyfin.json")});
  w.nas.on("GET", "/api/marketplace/installed",
           {200, test::wagmios_fixture("marketplace_installed.json")});
  w.nas.on("POST", "/api/marketplace/create",
           {200, test::wagmios_fixture("marketplace_create.json")});
  w.nas.on("POST", "/api/marketplace/start",
           {200, test::wagmios_fixture("marketplace_start.json")});
}
}  // namespace

TEST_SUITE("commands") {
  TEST_CASE("apps with a category shows its apps, most popular first") {
    world w;
    with_marketplace(w);
    auto r = w.say(w.bob(), "apps media");
    const auto text = r.plain();
    CHECK(text.starts_with(
        "2 apps in the marketplace of @nas. `app <id>` for details, `install <id>` to install.\n"));
    REQUIRE(has(text, "jellyfin ✓"));
    REQUIRE(has(text, "plex ✓"));
    CHECK(text.find("jellyfin ✓") < text.find("plex ✓"));
    CHECK_FALSE(has(text, "ollama"));
    CHECK(w.nas.calls() == lines{"GET /api/marketplace"});
    CHECK(w.nas.keys_used() == lines{test::bob_nas_key});

    CHECK(w.say(w.bob(), "apps spreadsheet").plain() == "No app matches. Categories: media, ai.");
  }

  TEST_CASE("app shows one app's image, ports and settings; an unknown id says so") {
    world w;
    with_marketplace(w);
    auto r = w.say(w.bob(), "app jellyfin");
    const auto text = r.plain();
    CHECK(text.starts_with(
        "Jellyfin (`jellyfin`, media): Free software media system to stream your movies, "
        "shows and music\nImage jellyfin/jellyfin:latest, ports 8096.\n"));
    CHECK(has(text, "Timezone for logs and schedules"));
    CHECK(has(text, "Install: `install jellyfin [as <name>] [KEY=VALUE…] [-p host:container]`"));
    CHECK(w.nas.calls() == lines{"GET /api/marketplace/jellyfin"});

    r = w.say(w.bob(), "app nosuch");
    CHECK(r.plain() == "No app `nosuch` in the marketplace of @nas. `apps <words>` searches it.");
  }

  TEST_CASE("installed lists each app with its number of versions") {
    world w;
    with_marketplace(w);
    auto r = w.say(w.bob(), "installed");
    const auto text = r.plain();
    CHECK(text.starts_with("Marketplace apps installed on @nas:\n"));
    CHECK(has(text, "uptime-kuma"));
    CHECK(has(text, "/opt/wagmios/apps/jellyfin"));
    CHECK(w.nas.calls() == lines{"GET /api/marketplace/installed"});

    w.nas.on("GET", "/api/marketplace/installed",
             {200, test::wagmios_fixture("marketplace_installed_empty.json")});
    CHECK(w.say(w.bob(), "installed").plain() == "No marketplace apps are installed on @nas.");
  }

  TEST_CASE(
      "install asks, then creates the compose project and starts it, with the settings given") {
    world w;
    with_marketplace(w);
    w.nas.on("GET", "/api/settings", test::key_with({"marketplace:read", "marketplace:write"}));
    auto r = w.say(w.bob(), "install jellyfin as media TZ=Europe/Paris -p 8097:8096");
    CHECK(r.plain().starts_with(
        "Confirm: install `jellyfin` on @nas as media TZ=Europe/Paris -p 8097:8096?"));
    // Before asking, the app's required settings were looked up.
    CHECK(w.nas.calls() == lines{"GET /api/marketplace/jellyfin"});

    r = w.say(w.bob(), "confirm");
    CHECK(r.plain() ==
          "Jellyfin is installing on @nas (port 8097): project `media`, compose file "
          "/opt/wagmios/apps/jellyfin/20250518-101502/docker-compose.yml.");
    CHECK(w.nas.calls() == lines{"GET /api/marketplace/jellyfin", "GET /api/marketplace/jellyfin",
                                 "POST /api/marketplace/create", "POST /api/marketplace/start"});
    for (const auto& key : w.nas.keys_used()) CHECK(key == test::bob_nas_key);
    const auto seen = w.nas.requests();
    const auto create = nlohmann::json::parse(seen[seen.size() - 2].body);
    CHECK(create == nlohmann::json::parse(R"({"app_id":"jellyfin","custom_name":"media",
        "environment":{"TZ":"Europe/Paris"},"ports":{"8097":8096}})"));
    const auto start = nlohmann::json::parse(seen.back().body);
    CHECK(start["container_name"] == "media");
    CHECK(start["compose_path"] == "/opt/wagmios/apps/jellyfin/20250518-101502/docker-compose.yml");
  }

  TEST_CASE("install of an app the marketplace does not have starts nothing") {
    world w;
    with_marketplace(w);
    w.nas.on("GET", "/api/settings", test::key_with({"marketplace:write"}));
    w.nas.on("GET", "/api/marketplace/nosuch",
             test::failure(404, "APP_NOT_FOUND", "app not found"));
    w.nas.on("POST", "/api/marketplace/create",
             test::failure(404, "APP_NOT_FOUND", "app not found"));
    // Known before the prompt: no yes is asked for an app that is not there.
    auto r = w.say(w.bob(), "install nosuch");
    CHECK(r.plain() == "No app `nosuch` in the marketplace of @nas. `apps <words>` searches it.");
    // The catalogue is read for the ids it most likely meant; none is near `nosuch`.
    CHECK(w.nas.calls() == lines{"GET /api/marketplace/nosuch", "GET /api/marketplace"});
  }

  TEST_CASE("install needs marketplace:write; a read-only key is refused before the prompt") {
    world w;  // settings.json: marketplace:read only
    with_marketplace(w);
    auto r = w.say(w.bob(), "install jellyfin");
    CHECK(r.plain().starts_with("Your key for @nas lacks the `marketplace:write` scope."));
    CHECK(r.confirmation_id.empty());
    CHECK(w.nas.calls().empty());
  }
}
