// confirm and cancel (commands/confirm.cpp, cancel.cpp), typed as commands: what the user
// reads, and whether the action waiting for a yes reached the host.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::world;
using lines = std::vector<std::string>;

namespace {
const std::string stop_call = "POST /api/containers/jellyfin/stop";

bool stopped(const world& w) {
  for (const auto& c : w.nas.calls())
    if (c == stop_call) return true;
  return false;
}

/// bob asks to stop jellyfin on @nas; the confirmation's id.
std::string pending_stop(world& w) {
  w.nas.on("POST", "/api/containers/jellyfin/stop", test::envelope({{"status", "stopped"}}));
  const auto id = w.say(w.bob(), "stop jellyfin").confirmation_id;
  REQUIRE_FALSE(id.empty());
  return id;
}
}  // namespace

TEST_SUITE("commands") {
  TEST_CASE("cancel drops the pending action: nothing reaches the host") {
    world w;
    const auto id = pending_stop(w);
    auto r = w.say(w.bob(), "cancel");
    CHECK(r.plain() == "Cancelled: stop `jellyfin` on @nas. Nothing was done.");
    CHECK(w.confirmations.get(id)->state == store::confirmation_state::cancelled);
    CHECK(w.say(w.bob(), "confirm " + id).plain() == "`" + id + "` was already cancelled.");
    CHECK_FALSE(stopped(w));
  }

  TEST_CASE("confirm by id runs the action once; a second yes does not run it again") {
    world w;
    const auto id = pending_stop(w);
    CHECK(w.say(w.bob(), "confirm " + id).plain() == "`jellyfin` stopped on @nas.");
    CHECK(w.say(w.bob(), "confirm " + id).plain() == "`" + id + "` was already confirmed.");
    CHECK(w.say(w.bob(), "confirm").plain() ==
          "There is nothing waiting for your confirmation here.");
    int stops = 0;
    for (const auto& c : w.nas.calls()) stops += c == stop_call;
    CHECK(stops == 1);
  }

  TEST_CASE("someone else's confirmation is not theirs to answer") {
    world w;
    const auto id = pending_stop(w);
    auto r = w.say(w.alice(), "confirm " + id);
    CHECK(r.is_private);
    CHECK(r.plain() == "`" + id + "` is not yours to confirm.");
    CHECK(w.say(w.alice(), "cancel " + id).plain() == "`" + id + "` is not yours to cancel.");
    // alice's own `confirm` finds nothing of hers waiting.
    CHECK(w.say(w.alice(), "confirm").plain() ==
          "There is nothing waiting for your confirmation here.");
    CHECK(w.confirmations.get(id)->state == store::confirmation_state::pending);
    CHECK_FALSE(stopped(w));
  }

  TEST_CASE("a confirmation answered too late has expired and does not run") {
    world w;
    const auto id = pending_stop(w);
    w.now += w.cfg.confirmation_timeout_seconds;
    CHECK(w.say(w.bob(), "yes").plain() ==
          "`" + id +
              "` expired: stop `jellyfin` on @nas was not done. Ask again if you still want it.");
    CHECK_FALSE(stopped(w));
  }

  TEST_CASE("an unknown id is named back") {
    world w;
    CHECK(w.say(w.bob(), "confirm zz9").plain() == "No confirmation `zz9`.");
    CHECK(w.say(w.bob(), "cancel zz9").plain() == "No confirmation `zz9`.");
  }
}
