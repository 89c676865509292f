#include "wagbot/app/dispatcher.hpp"

#include <doctest/doctest.h>

#include "../support/world.hpp"
#include "wagbot/core/policy.hpp"

using namespace wagbot;
using test::canned;
using test::envelope;
using test::has;
using test::world;

namespace {

using lines = std::vector<std::string>;

/// A host's container list with these names (ids made up, all running).
canned containers_named(const std::vector<std::string>& names) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& n : names)
    list.push_back({{"id", "0123456789ab" + n},
                    {"name", n},
                    {"image", n + ":latest"},
                    {"status", "running"},
                    {"ports", nlohmann::json::array()}});
  return envelope(list);
}

}  // namespace

TEST_SUITE("app") {
  TEST_CASE("a user without keys is told how to add one, and no host is called") {
    world w;
    auto r = w.say(w.carol(), "ps");
    CHECK(r.mood == core::tone::error);
    CHECK(r.error_code == core::reply_code::no_host);
    CHECK(r.plain().starts_with(
        "You have no WAGMIOS keys yet: add one with `key add <host> <wag_live_…>`"));
    CHECK(w.nas.requests().empty());
    CHECK(w.media.requests().empty());
  }

  TEST_CASE("with two hosts a write asks which, a listing asks both; the room's default wins") {
    world w;
    auto r = w.say(w.alice(), "restart nginx");
    CHECK(r.plain() ==
          "Which host? Add one of @media, @nas, or set this room's with `default <host>`.");
    CHECK(r.mood == core::tone::info);  // a question back, not an error
    CHECK(r.error_code == core::reply_code::no_host);
    REQUIRE(r.picks.size() == 2);  // each host an answer, one at a time
    CHECK(r.picks[0].label == "@media");
    CHECK(r.picks[0].command == "restart nginx @media");
    CHECK(r.picks[1].command == "restart nginx @nas");
    CHECK_FALSE(r.pick_many);
    CHECK(w.nas.requests().empty());
    CHECK(w.media.requests().empty());

    r = w.say(w.alice(), "ps");
    CHECK(r.plain().find("containers on @media") != std::string::npos);
    CHECK(r.plain().find("containers on @nas") != std::string::npos);
    CHECK(w.media.calls() == lines{"GET /api/containers"});
    CHECK(w.nas.calls() == lines{"GET /api/containers"});
    w.media.forget();
    w.nas.forget();

    w.rooms.set_default_host("shell", "room", "media");
    r = w.say(w.alice(), "ps");
    CHECK(r.plain().starts_with("4 containers on @media, 2 running:"));
    CHECK(w.media.calls() == lines{"GET /api/containers"});
    CHECK(w.media.keys_used() == lines{test::alice_media_key});
    CHECK(w.nas.requests().empty());
  }

  TEST_CASE("with one host the command runs there, with the requester's own key") {
    world w;
    auto r = w.say(w.bob(), "ps");
    CHECK(r.mood != core::tone::error);
    CHECK(r.plain().starts_with("4 containers on @nas, 2 running:"));
    CHECK(has(r.plain(), "jellyfin"));
    const auto seen = w.nas.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].line() == "GET /api/settings");  // the key's scopes, before the call
    CHECK(seen[1].line() == "GET /api/containers");
    for (const auto& s : seen) CHECK(s.api_key == test::bob_nas_key);
    CHECK(w.media.requests().empty());
  }

  TEST_CASE("`all` asks every host at once and merges the answers in host order") {
    world w;
    // @media answers last, yet comes first (hosts are sorted).
    auto slow = containers_named({"plex"});
    slow.delay = std::chrono::milliseconds(300);
    w.media.on("GET", "/api/containers", slow);
    auto r = w.say(w.alice(), "ps all");
    const auto text = r.plain();
    const auto media_at = text.find("1 containers on @media, 1 running:");
    const auto nas_at = text.find("4 containers on @nas, 2 running:");
    REQUIRE(media_at != std::string::npos);
    REQUIRE(nas_at != std::string::npos);
    CHECK(media_at < nas_at);
    CHECK(r.mood == core::tone::info);
    CHECK(w.media.keys_used() == lines{test::alice_media_key});
    CHECK(w.nas.keys_used() == lines{test::alice_nas_key});

    SUBCASE("one host failing leaves the others' answers, with a warning") {
      w.media.on("GET", "/api/containers", test::failure(500, "DOCKER_ERROR", "daemon is down"));
      r = w.say(w.alice(), "ps all");
      CHECK(r.mood == core::tone::warning);
      CHECK(has(r.plain(), "daemon is down"));
      CHECK(has(r.plain(), "4 containers on @nas, 2 running:"));
    }
  }

  TEST_CASE(
      "an action for `all` (from a slash command or an agent) that runs on one host is refused") {
    world w;
    const auto who = w.alice();
    const core::action act{"restart", "all", {"jellyfin"}};
    auto r = w.wait(w.dispatch->run(who, act));
    CHECK(r.plain() == "This command runs on one host at a time.");
    CHECK(r.error_code == core::reply_code::no_host);
    CHECK(w.nas.requests().empty());
    CHECK(w.media.requests().empty());
  }

  TEST_CASE("a protected container is refused before any call, by name or by id prefix") {
    world w;
    auto r = w.say(w.bob(), "stop wagmios-backend");
    CHECK(r.plain() == core::protected_text("wagmios-backend"));
    CHECK(r.error_code == core::reply_code::protected_container);
    CHECK(w.nas.requests().empty());
    const auto logged = w.audit.recent(1);
    REQUIRE(logged.size() == 1);
    CHECK(logged[0].outcome == "refused: protected");
    CHECK(logged[0].user == "bob");

    // An id prefix is only known to be the backend once the list is read: no POST follows.
    r = w.say(w.bob(), "restart c247883d");
    CHECK(r.plain() == core::protected_text("wagmios-backend"));
    CHECK(w.nas.calls() == lines{"GET /api/containers"});
  }

  TEST_CASE("a missing scope is answered with its name, privately, and nothing is called") {
    world w;  // settings.json has no containers:delete
    auto r = w.say(w.bob(), "rm postgres");
    CHECK(r.plain() == core::missing_scope_text("containers:delete", "nas"));
    CHECK(has(r.plain(), "`containers:delete`"));
    CHECK(r.is_private);
    CHECK(r.error_code == core::reply_code::scope_required);
    CHECK(w.nas.calls().empty());
    CHECK(w.confirmations.pending_for("bob").empty());  // refused, not asked about
  }

  TEST_CASE("a container prefix matching several is a question, one matching none a hint") {
    world w;
    w.nas.on("GET", "/api/containers", containers_named({"web-1", "web-2", "db"}));
    auto r = w.say(w.bob(), "restart web");
    CHECK(r.plain() == "`web` matches several containers on @nas: web-1, web-2. Which one?");
    CHECK(r.error_code == core::reply_code::ambiguous);
    // Each answer is the command again, naming the one meant (a menu on Discord).
    REQUIRE(r.picks.size() == 2);
    CHECK(r.picks[0].label == "web-1");
    CHECK(r.picks[0].command == "restart web-1 @nas");
    CHECK(r.picks[1].command == "restart web-2 @nas");
    CHECK(w.nas.calls() == lines{"GET /api/containers"});

    r = w.say(w.bob(), "restart cache");
    CHECK(r.plain() == "No container matching `cache` on @nas. `ps @nas` lists them.");
    CHECK(r.error_code == core::reply_code::not_found);

    w.nas.on("POST", "/api/containers/web-2/restart", envelope({{"status", "restarted"}}));
    w.nas.forget();
    r = w.say(w.bob(), "restart web-2");
    CHECK(r.plain() == "`web-2` restarted on @nas.");
    CHECK(w.nas.calls() == lines{"GET /api/containers", "POST /api/containers/web-2/restart"});
  }

  TEST_CASE("a key without containers:read may act on a name but not on an id prefix") {
    world w;
    w.nas.on("GET", "/api/settings", test::key_with({"containers:write"}), test::bob_nas_key);
    auto r = w.say(w.bob(), "restart 4e97c3f9");
    CHECK(r.mood == core::tone::error);
    CHECK(
        r.plain().starts_with("`4e97c3f9` looks like a container id, and your key for @nas lacks "
                              "`containers:read`"));
    CHECK(w.nas.calls().empty());
    CHECK(w.audit.recent(1).at(0).outcome == "refused: unverifiable id");

    w.nas.on("POST", "/api/containers/jellyfin/restart", envelope({{"status", "restarted"}}));
    r = w.say(w.bob(), "restart jellyfin");
    CHECK(r.plain() == "`jellyfin` restarted on @nas.");
    CHECK(w.nas.calls() == lines{"POST /api/containers/jellyfin/restart"});  // no list first
    CHECK(w.nas.keys_used() == lines{test::bob_nas_key});
  }

  TEST_CASE("a destructive command is handed to the asker; run_confirmed runs it") {
    world w;
    struct asked {
      std::string user, alias, target;
      core::action act;
    };
    std::vector<asked> prompts;
    w.dispatch->on_confirmation(
        [&](const app::requester& who, const app::command&, const core::action& act,
            const std::string& alias, const std::string& target) {
          prompts.push_back({who.user, alias, target, act});
          auto r = core::say(core::tone::warning, "Sure?");
          r.confirmation_id = "c1";
          return r;
        },
        [](const app::requester&, std::string, bool) -> boost::asio::awaitable<core::chat_reply> {
          co_return core::error_reply("unused");
        });
    w.nas.on("POST", "/api/containers/jellyfin/stop", envelope({{"status", "stopped"}}));

    auto r = w.say(w.bob(), "stop jelly");
    CHECK(r.confirmation_id == "c1");
    CHECK(r.plain() == "Sure?");
    REQUIRE(prompts.size() == 1);
    CHECK(prompts[0].user == "bob");
    CHECK(prompts[0].alias == "nas");
    CHECK(prompts[0].target == "jellyfin");                // the prefix, resolved
    CHECK(w.nas.calls() == lines{"GET /api/containers"});  // nothing stopped yet

    w.nas.forget();
    auto act = prompts[0].act;
    act.host = "nas";
    const auto who = w.bob();
    r = w.wait(w.dispatch->run_confirmed(who, *w.dispatch->find("stop"), act));
    CHECK(r.plain() == "`jellyfin` stopped on @nas.");
    const auto seen = w.nas.requests();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].line() == "GET /api/settings");  // scopes read afresh before it runs
    CHECK(seen[2].line() == "POST /api/containers/jellyfin/stop");
    for (const auto& s : seen) CHECK(s.api_key == test::bob_nas_key);
    CHECK(w.audit.recent(1).at(0).outcome == "ok");
  }

  TEST_CASE("an unknown command and an admin-only command for a non-admin call nothing") {
    world w;
    const auto bob = w.bob();
    const core::action unknown{"frobnicate"};
    CHECK(w.wait(w.dispatch->run(bob, unknown)).plain() ==
          "Unknown command `frobnicate`. Type `help`.");
    CHECK(w.say(w.bob(), "audit").plain() == "`audit` is for wagbot admins only.");
    CHECK(w.nas.requests().empty());
  }
}
