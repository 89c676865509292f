// help and audit (commands/help.cpp, audit.cpp): what the user reads; neither calls a host.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::has;
using test::world;

TEST_SUITE("commands") {
  TEST_CASE("help lists every command with its usage") {
    world w;
    const auto text = w.say(w.bob(), "help").plain();
    CHECK(text.starts_with(
        "Commands (pick a host with @alias or `on alias`; `help <command>` for details):\n"));
    for (const auto& c : w.dispatch->commands())
      CHECK_MESSAGE(has(text, c.spec.usage), c.spec.name);
    CHECK(w.nas.requests().empty());
  }

  TEST_CASE("help <command> gives its usage, scope, confirmation and examples") {
    world w;
    const auto text = w.say(w.bob(), "help rm").plain();
    CHECK(text ==
          "`rm <container> [@host]` — Delete a container (asks first)\n"
          "Needs scope `containers:delete`. Asks for confirmation first. Also: delete, remove.\n"
          "rm old-nginx\nrm 3f2a9c @nas");
    CHECK(has(w.say(w.bob(), "help run").plain(),
              "-p, --publish <host:container>: publish a port (repeatable)"));
    CHECK(has(w.say(w.bob(), "help ps").plain(), "Accepts @all."));
  }

  TEST_CASE("help of a group lists its subcommands; an unknown name is an error") {
    world w;
    const auto keys = w.say(w.bob(), "help key").plain();
    CHECK(has(keys, "`key add <host> [url] <wag_live_…>`"));
    CHECK(has(keys, "`key remove <host>`"));
    CHECK(has(keys, "`key list`"));
    auto r = w.say(w.bob(), "help frobnicate");
    CHECK(r.mood == core::tone::error);
    CHECK(r.plain() == "No command `frobnicate`. Type `help` for the list.");
  }

  TEST_CASE("audit shows an admin the latest entries, newest first; others may not read it") {
    world w;
    w.nas.on("POST", "/api/containers/jellyfin/restart", test::envelope({{"status", "restarted"}}));
    w.say(w.bob(), "restart jellyfin");
    w.say(w.bob(), "stop wagmios-backend");
    CHECK(w.say(w.bob(), "audit").plain() == "`audit` is for wagbot admins only.");

    const auto text = w.say(w.alice(), "audit 5").plain();
    CHECK(text.starts_with("Last 2 audit entries, newest first:\n"));
    REQUIRE(has(text, "refused: protected"));
    REQUIRE(has(text, "restart"));
    CHECK(text.find("refused: protected") < text.find("jellyfin"));
    CHECK(has(text, "2023-11-14 22:13:20Z"));  // the world's clock, 1 700 000 000
    CHECK(has(text, "shell:room"));
  }

  TEST_CASE("an empty audit log says so") {
    world w;
    CHECK(w.say(w.alice(), "audit").plain() == "The audit log is empty.");
  }
}
