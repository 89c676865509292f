// key add, key list and key remove (commands/key_add.cpp, key_list.cpp, key_remove.cpp): what
// the user reads, what is kept, and which WAGMIOS requests are made with which key.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::has;
using test::world;
using lines = std::vector<std::string>;

namespace {

const std::string carol_key = "wag_live_" + std::string(36, 'C') + "carolNAS";
}  // namespace

TEST_SUITE("commands") {
  TEST_CASE("key add in a room is refused, privately, and the key is neither checked nor kept") {
    world w;
    auto r = w.say(w.carol(), "key add nas " + carol_key);
    CHECK(r.is_private);
    CHECK(r.plain().starts_with("Keys are only accepted in a direct chat with me."));
    CHECK_FALSE(w.keys.get("carol", "nas").has_value());
    CHECK(w.nas.requests().empty());
  }

  TEST_CASE("key add in a direct chat checks the key against the host, then keeps it") {
    world w;
    auto r = w.say(w.carol(true), "key add nas " + carol_key);
    CHECK(r.is_private);
    CHECK(r.plain() == "Saved your key …carolNAS for @nas (" + w.nas.url() +
                           "). Scopes: containers:read containers:write images:read "
                           "marketplace:read system:read.");
    const auto seen = w.nas.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].line() == "GET /api/settings");
    CHECK(seen[0].api_key == carol_key);
    auto kept = w.keys.get("carol", "nas");
    REQUIRE(kept.has_value());
    CHECK(kept->secret == carol_key);
    // The key is carol's from now on: her next command uses it.
    w.nas.forget();
    w.say(w.carol(), "ps");
    CHECK(w.nas.keys_used() == lines{carol_key});
  }

  TEST_CASE(
      "a key the host rejects is not kept; a malformed key or unknown host is not even tried") {
    world w;
    w.nas.on("GET", "/api/settings", test::failure(401, "INVALID_KEY", "invalid API key"),
             carol_key);
    auto r = w.say(w.carol(true), "key add nas " + carol_key);
    CHECK(r.plain().starts_with("@nas rejected your key (INVALID_KEY)."));
    CHECK(has(r.plain(), "The key was not saved."));
    CHECK_FALSE(w.keys.get("carol", "nas").has_value());

    w.nas.forget();
    r = w.say(w.carol(true), "key add nas wag_live_short");
    CHECK(r.plain().starts_with("That is not a WAGMIOS key"));
    r = w.say(w.carol(true), "key add pi http://192.0.2.7:5179 " + carol_key);
    CHECK(r.plain() ==
          "There is no host `pi` in wagbot's config (known: nas, media). Ask the admin to add it.");
    CHECK(w.nas.requests().empty());
    CHECK(w.keys.list("carol").empty());
  }

  TEST_CASE("key list shows hosts and the last 8 characters only, privately") {
    world w;
    auto r = w.say(w.alice(), "key list");
    CHECK(r.is_private);
    const auto text = r.plain();
    CHECK(has(text, "@media"));
    CHECK(has(text, "…aliceMED"));
    CHECK(has(text, "…aliceNAS"));
    CHECK_FALSE(has(text, test::alice_nas_key));
    CHECK_FALSE(has(text, test::alice_media_key));
    CHECK(w.say(w.carol(), "keys").plain() ==
          "You have no keys. In a direct chat with me: `key add <host> <wag_live_…>`.");
    CHECK(w.nas.requests().empty());
  }

  TEST_CASE("key remove forgets the key, so the next command has no host") {
    world w;
    auto r = w.say(w.bob(), "key remove nas");
    CHECK(r.plain() ==
          "Forgot your key for @nas. Revoke it in WAGMIOS Settings too if it should stop working.");
    CHECK_FALSE(w.keys.get("bob", "nas").has_value());
    CHECK(w.audit.recent(1).at(0).action == "key remove");
    CHECK(w.say(w.bob(), "ps").plain().starts_with("You have no WAGMIOS keys yet"));
    CHECK(w.say(w.bob(), "key remove media").plain() == "You have no key for @media.");
    CHECK(w.nas.requests().empty());
  }
}
