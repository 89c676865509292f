#include "wagbot/app/conversation.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "../support/world.hpp"
#include "commands/commands.hpp"

namespace asio = boost::asio;
using namespace wagbot;

namespace {

/// A transport that only records the prompt updates it is asked for.
class recording_transport final : public core::chat_transport {
 public:
  std::string network() const override { return "matrix"; }
  asio::awaitable<int> run() override { co_return 0; }
  void stop() override {}
  core::transport_status status() const override { return {}; }
  void post(const std::string&, core::chat_reply, std::vector<core::alert_action>) override {}
  void update(const core::message_ref& where, core::chat_reply reply) override {
    updates.emplace_back(where, std::move(reply));
  }
  std::vector<std::pair<core::message_ref, core::chat_reply>> updates;
};

/// The shared world (tests/unit/support), with Matrix ids, an agent, and a Matrix transport
/// whose prompt updates are recorded.
struct talk_world : wagbot::test::world {
  recording_transport matrix;

  talk_world() {
    now = 1000;
    cfg.users[0].ids["matrix"] = {"@alice:hs"};
    cfg.users[1].ids["matrix"] = {"@bob:hs"};
    app::user_config robo;
    robo.name = "robo";
    robo.agent = true;
    robo.approvers = {"alice"};
    robo.ids["matrix"] = {"@robo:hs"};
    cfg.users.push_back(robo);
    talk->attach(matrix);
  }

  /// A pending stop of nginx on @nas, asked by `requester` in room !r, its prompt at `prompt`.
  std::string pending(const std::string& requester, const std::string& prompt,
                      std::vector<std::string> approvers = {}) {
    store::confirmation c;
    c.requester = requester;
    c.network = "matrix";
    c.room = "!r";
    c.action_json =
        vault.seal(R"({"command":"stop","args":["nginx"],"host":"nas"})", "confirmation");
    c.summary = "stop `nginx` on @nas";
    c.approvers = std::move(approvers);
    c.created_at = now;
    c.expires_at = now + 60;
    const auto id = confirmations.create(c);
    talk->prompt_sent(id, core::message_ref{"!r", prompt});
    return id;
  }

  core::chat_event from(const std::string& matrix_id) {
    return {"matrix", "!r", matrix_id, {}, false, "$e"};
  }
};

}  // namespace

TEST_CASE("a reaction by someone else on a prompt is ignored; the requester's no cancels it") {
  talk_world w;
  const auto id = w.pending("alice", "$prompt");
  CHECK_FALSE(w.wait(w.talk->choose(w.from("@bob:hs"), {"!r", "$prompt"}, true)).has_value());
  CHECK(w.confirmations.get(id)->state == store::confirmation_state::pending);
  CHECK(w.matrix.updates.empty());
  // A message that is no prompt is not a choice at all.
  CHECK_FALSE(w.wait(w.talk->choose(w.from("@alice:hs"), {"!r", "$other"}, true)).has_value());

  auto answer = w.wait(w.talk->choose(w.from("@alice:hs"), {"!r", "$prompt"}, false));
  REQUIRE(answer.has_value());
  CHECK(answer->plain() == "Cancelled: stop `nginx` on @nas. Nothing was done.");
  CHECK(w.confirmations.get(id)->state == store::confirmation_state::cancelled);
  REQUIRE(w.matrix.updates.size() == 1);
  CHECK(w.matrix.updates[0].first.id == "$prompt");
  CHECK(w.matrix.updates[0].second.plain() ==
        "❌ Cancelled by alice: stop `nginx` on @nas. Nothing was done.");
}

TEST_CASE("a choice that cannot run is refused at once, with the same words on every network") {
  talk_world w;
  const auto id = w.pending("alice", "$prompt");
  auto not_yours = w.talk->refusal(w.from("@bob:hs"), id, true);
  REQUIRE(not_yours.has_value());
  CHECK(not_yours->is_private);
  CHECK(not_yours->plain().find("is not yours to confirm") != std::string::npos);
  CHECK_FALSE(w.talk->refusal(w.from("@alice:hs"), id, true).has_value());
  CHECK(w.talk->refusal(w.from("@alice:hs"), "nosuch", true)->plain().find("No confirmation") !=
        std::string::npos);
  CHECK(w.talk->refusal(w.from("@carol:hs"), id, true)->plain().find("is not yours") !=
        std::string::npos);
  w.wait(w.talk->choose_id(w.from("@alice:hs"), id, false));
  CHECK(w.talk->refusal(w.from("@alice:hs"), id, true)->plain().find("was already cancelled") !=
        std::string::npos);
}

TEST_CASE("an agent's own yes is ignored whatever the config says; its approver decides") {
  talk_world w;
  const auto id = w.pending("robo", "$prompt", {"robo", "alice"});
  CHECK_FALSE(w.wait(w.talk->choose(w.from("@robo:hs"), {"!r", "$prompt"}, true)).has_value());
  CHECK(w.talk->refusal(w.from("@robo:hs"), id, true).has_value());
  CHECK(w.confirmations.get(id)->state == store::confirmation_state::pending);
}

TEST_CASE("a confirmation expires on time and its prompt says so") {
  talk_world w;
  const auto id = w.pending("alice", "$prompt");
  w.talk->expire_due();
  CHECK(w.matrix.updates.empty());
  w.now += 60;
  w.talk->expire_due();
  CHECK(w.confirmations.get(id)->state == store::confirmation_state::expired);
  REQUIRE(w.matrix.updates.size() == 1);
  CHECK(w.matrix.updates[0].second.plain() == "⌛ Expired: stop `nginx` on @nas was not done.");
  auto late = w.wait(w.talk->choose_id(w.from("@alice:hs"), id, true));
  CHECK(late.plain().find("already expired") != std::string::npos);
}

TEST_CASE("a yes a crash cut short is not run again: its prompt and its requester are told") {
  talk_world w;
  const auto id = w.pending("alice", "$prompt");
  CHECK_FALSE(w.talk->interrupted_choice(w.from("@alice:hs"), {"!r", "$prompt"})
                  .has_value());  // still pending
  w.confirmations.resolve(id, store::confirmation_state::confirmed, w.now);
  auto notice = w.talk->interrupted_choice(w.from("@alice:hs"), {"!r", "$prompt"});
  REQUIRE(notice.has_value());
  CHECK(notice->plain().find("I was restarted while running this command (stop `nginx` on @nas)") !=
        std::string::npos);
  REQUIRE(w.matrix.updates.size() == 1);
  CHECK(w.matrix.updates[0].second.plain().starts_with(
      "✅ Confirmed by alice: stop `nginx` on @nas."));
}

TEST_CASE("mentions map wagbot users to their ids on a network") {
  talk_world w;
  CHECK(w.talk->ids_on("matrix", {"alice", "nobody", "bob"}) ==
        std::vector<std::string>{"@alice:hs", "@bob:hs"});
  CHECK(w.talk->ids_on("discord", {"alice"}).empty());
  CHECK(w.talk->user_of(w.from("@bob:hs")) == "bob");
  CHECK_FALSE(w.talk->user_of(core::chat_event{"irc", "#r", "@bob:hs", {}, false, {}}).has_value());
}

TEST_CASE("a message from someone not in users is logged, once per sender per ten minutes") {
  talk_world w;
  std::vector<std::string> lines;
  const core::logger log(
      core::log_level::info,
      [&lines](core::log_level, std::string_view component, std::string_view line) {
        lines.push_back(std::string(component) + ": " + std::string(line));
      });
  std::int64_t now = 5000;
  app::engine eng(w.cfg, log, w.http, w.keys, w.confirmations, w.audit, w.rooms, w.vault,
                  w.subscriptions, [&now] { return now; });
  app::dispatcher dispatch(eng, commands::all());
  app::conversation talk(eng, dispatch);
  auto say = [&](const std::string& sender) {
    auto ev = w.from(sender);
    ev.text = "ps";
    return w.wait(talk.handle(ev));
  };

  CHECK(test::has(say("@mallory:hs").plain(), "I don't know you yet"));
  REQUIRE(lines.size() == 1);
  CHECK(test::has(lines[0], "access: "));
  CHECK(test::has(lines[0], "matrix id @mallory:hs"));
  for (int i = 0; i < 50; ++i) say("@mallory:hs");  // a busy room
  now += 599;
  say("@mallory:hs");
  CHECK(lines.size() == 1);
  say("@eve:hs");  // another sender is logged at once
  REQUIRE(lines.size() == 2);
  CHECK(test::has(lines[1], "matrix id @eve:hs"));
  now += 1;
  say("@mallory:hs");
  CHECK(lines.size() == 3);
  say("@alice:hs");  // a known user is not an attempt
  CHECK(lines.size() == 3);
}
