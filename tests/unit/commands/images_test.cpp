// images, pull and rmi (commands/images.cpp, pull.cpp, rmi.cpp): what the user reads and which
// WAGMIOS requests are made, with whose key.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::envelope;
using test::has;
using test::world;
using lines = std::vector<std::string>;

namespace {

/// @nas with images.json and a key for bob that may read and write images.
void with_images(world& w) {
  w.nas.on("GET", "/api/images", {200, test::wagmios_fixture("images.json")});
  w.nas.on("GET", "/api/settings", test::key_with({"images:read", "images:write"}),
           test::bob_nas_key);
}
}  // namespace

TEST_SUITE("commands") {
  TEST_CASE("images lists repository, tag, short id and size") {
    world w;
    with_images(w);
    auto r = w.say(w.bob(), "images");
    const auto text = r.plain();
    CHECK(text.starts_with("2 images on @nas:\n"));
    CHECK(has(text, "jellyfin/jellyfin"));
    CHECK(has(text, "alpine"));
    CHECK(has(text, "4a4f1b2c9d3e"));
    CHECK(has(text, "1.27GB"));
    CHECK(has(text, "6 days ago"));
    CHECK(w.nas.calls() == lines{"GET /api/images"});
    CHECK(w.nas.keys_used() == lines{test::bob_nas_key});
  }

  TEST_CASE("pull posts the image reference and reports it pulled") {
    world w;
    with_images(w);
    w.nas.on("POST", "/api/images/pull", envelope({{"status", "pulled"}}));
    auto r = w.say(w.bob(), "pull nginx:alpine");
    CHECK(r.plain() == "Pulled `nginx:alpine` on @nas.");
    const auto seen = w.nas.requests();
    CHECK(seen.back().line() == "POST /api/images/pull");
    CHECK(seen.back().api_key == test::bob_nas_key);
    CHECK(nlohmann::json::parse(seen.back().body) == nlohmann::json{{"image", "nginx:alpine"}});
  }

  TEST_CASE("pull without images:write names the scope and calls nothing") {
    world w;  // settings.json holds images:read only
    auto r = w.say(w.bob(), "pull nginx:alpine");
    CHECK(r.plain().starts_with("Your key for @nas lacks the `images:write` scope."));
    CHECK(w.nas.calls().empty());
  }

  TEST_CASE("rmi asks, then looks the repository:tag up and deletes by id") {
    world w;
    with_images(w);
    w.nas.on("DELETE", "/api/images/4a4f1b2c9d3e", envelope({{"status", "deleted"}}));
    auto r = w.say(w.bob(), "rmi nginx:alpine");
    CHECK(r.plain().starts_with("Confirm: rmi `nginx:alpine` on @nas?"));
    CHECK(w.nas.calls().empty());
    r = w.say(w.bob(), "confirm");
    CHECK(r.plain() == "Image `nginx:alpine` deleted from @nas.");
    CHECK(w.nas.calls() == lines{"GET /api/images", "DELETE /api/images/4a4f1b2c9d3e"});
    CHECK(w.nas.keys_used() == lines{test::bob_nas_key, test::bob_nas_key});
  }

  TEST_CASE("rmi of an image the host does not have deletes nothing") {
    world w;
    with_images(w);
    w.say(w.bob(), "rmi redis:7");
    auto r = w.say(w.bob(), "confirm");
    CHECK(r.plain() == "No image matching `redis:7` on @nas.");
    CHECK(w.nas.calls() == lines{"GET /api/images"});
  }
}
