#include "wagbot/discord/render.hpp"

#include <doctest/doctest.h>

#include "wagbot/discord/rest.hpp"
#include "wagbot/protocol/discord.hpp"

using namespace wagbot;
namespace pd = wagbot::protocol::discord;

TEST_SUITE("discord") {
  TEST_CASE("replies are markdown within 2000 characters; logs keep their newest lines") {
    core::chat_reply r;
    r.text("Last lines of `nginx`:");
    std::string logs;
    for (int i = 0; i < 400; ++i) logs += "request " + std::to_string(i) + "\n";
    r.code(logs);
    const auto text = discord::markdown(r);
    CHECK(text.size() <= 2000);
    CHECK(text.find("request 399") != std::string::npos);
    CHECK(text.find("request 0\n") == std::string::npos);
    CHECK(text.find("output cut") != std::string::npos);
    CHECK(text.rfind("Last lines of `nginx`:", 0) == 0);
  }

  TEST_CASE("a code block cannot be closed by the text it shows") {
    core::chat_reply r;
    r.code("evil ``` @everyone");
    const auto text = discord::markdown(r);
    CHECK(text.find("``` @everyone") == std::string::npos);
    const auto body = discord::message_body(r);
    CHECK(body["allowed_mentions"]["parse"].empty());  // never pings from echoed text
  }

  TEST_CASE("private replies are ephemeral; confirmations carry two buttons") {
    core::chat_reply r = core::say(core::tone::warning, "Confirm: stop `nginx` on @nas?");
    r.confirmation_id = "k3x9p2";
    r.is_private = true;
    const auto body = discord::message_body(r, {"42"});
    CHECK(body["flags"] == discord::ephemeral_flag);
    CHECK(body["allowed_mentions"]["users"][0] == "42");
    CHECK(body["content"].get<std::string>().rfind("<@42> ", 0) == 0);
    const auto& row = body["components"][0];
    CHECK(row["type"] == 1);
    CHECK(row["components"][0]["style"] == 4);
    CHECK(row["components"][0]["custom_id"] == "wagbot:confirm:k3x9p2");
    CHECK(row["components"][1]["style"] == 2);
    CHECK(discord::parse_button("wagbot:cancel:k3x9p2") ==
          std::optional<std::pair<std::string, bool>>({"k3x9p2", false}));
    CHECK_FALSE(discord::parse_button("other:confirm:x").has_value());
    CHECK_FALSE(discord::parse_button("wagbot:confirm:").has_value());
  }

  TEST_CASE("a listing is a Components V2 layout: tables as lists, cells' markdown escaped") {
    core::chat_reply r;
    r.text("Containers on @nas:");
    r.add_table({{"name", "state", "image"},
                 {{"web_1", "running", "nginx:1.25"}, {"db", "exited", ""}, {"x*y", "", ""}}});
    r.text("Containers on @media:");
    r.add_table({{"name", "state"}, {{"plex", "running"}}});
    CHECK(discord::table_list(r.blocks[1].grid) ==
          "- **web\\_1** — running · nginx:1.25\n- **db** — exited\n- **x\\*y**");
    CHECK(discord::table_list(r.blocks[3].grid) == "- **plex**: running");
    const auto bodies = discord::message_bodies(r, {"42"});
    REQUIRE(bodies.size() == 1);
    const auto& body = bodies.front();
    CHECK(body["flags"] == discord::components_v2_flag);
    CHECK_FALSE(body.contains("content"));
    CHECK_FALSE(body.contains("embeds"));
    CHECK(body["allowed_mentions"]["users"][0] == "42");
    const auto& parts = body["components"][0]["components"];
    CHECK(body["components"][0]["type"] == 17);
    REQUIRE(parts.size() == 5);  // text, list, separator, text, list
    CHECK(parts[0]["content"] == "<@42> Containers on @nas:");
    CHECK(parts[2]["type"] == 14);
    CHECK(parts[3]["content"] == "Containers on @media:");

    // A confirmation is never a layout: its prompt is edited as plain text later.
    r.confirmation_id = "k3x9p2";
    CHECK_FALSE(discord::as_layout(r));
    CHECK(discord::message_bodies(r).front().contains("content"));
  }

  TEST_CASE("a long listing is split into messages within 4000 characters and 40 components") {
    core::table t{{"name", "state"}, {}};
    for (int i = 0; i < 400; ++i) t.rows.push_back({"container-" + std::to_string(i), "running"});
    core::chat_reply r;
    for (int host = 0; host < 30; ++host) {
      r.text("Containers on @h" + std::to_string(host) + ":");
      r.add_table(host == 0 ? t : core::table{{"name"}, {{"one"}}});
    }
    const auto bodies = discord::message_bodies(r);
    CHECK(bodies.size() > 3);
    // The first page holds the heading and the start of its list, not the heading alone.
    CHECK(bodies.front()["components"][0]["components"].size() > 1);
    std::string all;
    for (const auto& body : bodies) {
      std::size_t chars = 0, count = 1;
      for (const auto& part : body["components"][0]["components"]) {
        ++count;
        if (part["type"] == 10) {
          chars += part["content"].get<std::string>().size();
          all += part["content"].get<std::string>() + "\n";
        }
      }
      CHECK(chars <= 4000);
      CHECK(count <= 40);
    }
    CHECK(all.find("container-0**") != std::string::npos);
    CHECK(all.find("container-399**") != std::string::npos);  // nothing lost between pages
    CHECK(all.find("@h29") != std::string::npos);
  }

  TEST_CASE("an alert is an accented container with its buttons inside") {
    auto r = core::say(core::tone::error, "`nginx` on @nas stopped unexpectedly (exited).");
    const auto body =
        discord::alert_body(r, {{"Restart", "wagbot:act:7"}, {"Logs", "wagbot:act:8"}});
    CHECK(body["flags"] == discord::components_v2_flag);
    const auto& box = body["components"][0];
    CHECK(box["accent_color"] == 0xE74C3C);
    CHECK(box["components"][0]["content"] == "`nginx` on @nas stopped unexpectedly (exited).");
    CHECK(box["components"][1]["components"][1]["custom_id"] == "wagbot:act:8");
    CHECK(body["allowed_mentions"]["parse"].empty());
  }

  TEST_CASE("rate-limit routes keep only the major parameter") {
    using discord::rest;
    CHECK(rest::route_of("POST", "/channels/123/messages") == "POST /channels/123/messages");
    CHECK(rest::route_of("PATCH", "/channels/123/messages/456") ==
          "PATCH /channels/123/messages/:id");
    CHECK(rest::route_of("PUT", "/channels/1/messages/2/reactions/%E2%9C%85/@me") ==
          "PUT /channels/1/messages/:id/reactions/:emoji/@me");
    CHECK(rest::route_of("POST", "/interactions/99/tok/callback") ==
          "POST /interactions/:id/:token/callback");
    CHECK(rest::route_of("PATCH", "/webhooks/7/tok/messages/@original") ==
          "PATCH /webhooks/7/tok/messages/@original");
  }

  TEST_CASE("rate limits: one per channel, and one per interaction, not one for all interactions") {
    using discord::rest;
    auto a = rest::limit_of("POST", "/interactions/99/tokA/callback");
    auto b = rest::limit_of("POST", "/interactions/100/tokB/callback");
    CHECK(a.route == "POST /interactions/:id/:token/callback");
    CHECK(a.route == b.route);
    CHECK(a.major == "99/tokA");
    CHECK(b.major == "100/tokB");
    auto w = rest::limit_of("PATCH", "/webhooks/7/tokA/messages/@original");
    CHECK(w.route == "PATCH /webhooks/:id/:token/messages/@original");
    CHECK(w.major == "7/tokA");
    CHECK(rest::limit_of("POST", "/webhooks/7/tokB").major == "7/tokB");
    auto c = rest::limit_of("PATCH", "/channels/123/messages/456");
    CHECK(c.route == "PATCH /channels/:major/messages/:id");
    CHECK(c.major == "123");
    CHECK(rest::limit_of("PUT", "/channels/1/messages/2/reactions/%E2%9C%85/@me").route ==
          "PUT /channels/:major/messages/:id/reactions/:emoji/@me");
    CHECK(rest::limit_of("PUT", "/applications/11/guilds/22/commands").route ==
          "PUT /applications/:id/guilds/:id/commands");
    CHECK(rest::limit_of("GET", "/gateway/bot").major.empty());
  }

  TEST_CASE("gateway close codes: resume, new session, or stop") {
    using pd::close_action;
    for (int code : {4000, 4001, 4002, 1006, 4900})
      CHECK(pd::classify_close(code) == close_action::resume);
    for (int code : {4003, 4005, 4007, 4008, 4009})
      CHECK(pd::classify_close(code) == close_action::new_session);
    for (int code : {4004, 4010, 4011, 4012, 4013, 4014})
      CHECK(pd::classify_close(code) == close_action::fatal);
    CHECK(pd::close_meaning(4014).find("Message Content") != std::string::npos);
  }

  TEST_CASE("interactions: invoker from member or user, options, components and modal fields") {
    auto guild =
        pd::json::parse(
            R"({"id":"1","application_id":"2","type":2,"token":"t","guild_id":"3","channel_id":"4",
      "member":{"user":{"id":"5","username":"alice"}},
      "data":{"name":"key","options":[{"name":"add","type":1,"options":[{"name":"host","type":3,"value":"nas","focused":true}]}]}})")
            .get<pd::interaction>();
    CHECK(guild.invoker.id == "5");
    CHECK(guild.type == pd::interaction_type::command);
    REQUIRE(guild.options.size() == 1);
    CHECK(guild.options[0].options[0].focused);
    auto dm = pd::json::parse(R"({"id":"1","type":5,"token":"t","channel_id":"4","user":{"id":"6"},
      "data":{"custom_id":"wagbot:key","components":[{"type":1,"components":[{"type":4,"custom_id":"key","value":"wag_live_x"}]}]}})")
                  .get<pd::interaction>();
    CHECK(dm.invoker.id == "6");
    CHECK(dm.guild_id.empty());
    CHECK(dm.fields == std::vector<std::pair<std::string, std::string>>{{"key", "wag_live_x"}});
    auto payload = pd::parse_gateway(
        R"({"op":0,"s":42,"t":"READY","d":{"session_id":"abc","resume_gateway_url":"wss://r","user":{"id":"9","username":"wagbot","bot":true},"application":{"id":"2"}}})");
    REQUIRE(payload.has_value());
    CHECK(payload->s == 42);
    auto ready = payload->d.get<pd::ready>();
    CHECK(ready.application_id == "2");
    CHECK(ready.me.bot);
    CHECK_FALSE(pd::parse_gateway("not json").has_value());
  }
}
