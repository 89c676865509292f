#include "wagbot/protocol/matrix.hpp"

#include <doctest/doctest.h>

#include "../support/fixtures.hpp"

#include <fstream>
#include <sstream>

namespace pm = wagbot::protocol::matrix;

namespace {
pm::json sync_fixture(const std::string& name) {
  return pm::json::parse(wagbot::test::fixture_text("matrix", name));
}
}  // namespace

TEST_SUITE("protocol") {
  TEST_CASE("matrix: a /sync body gives rooms, invites, leaves and m.direct") {
    auto s = pm::parse_sync(sync_fixture("sync.json"));
    CHECK(s.next_batch == "s72595_4483_1934");
    REQUIRE(s.joined.size() == 1);
    const auto& room = s.joined[0];
    CHECK(room.room_id == "!ops:localhost");
    CHECK(room.limited);
    REQUIRE(room.state.size() == 1);
    CHECK(room.state[0].type == "m.room.encryption");
    CHECK(room.state[0].state_key == std::optional<std::string>(""));
    REQUIRE(room.timeline.size() == 2);
    CHECK(room.timeline[0].event_id == "$cmd/with+slash");
    CHECK(room.timeline[0].room_id == "!ops:localhost");  // filled in from the room key
    CHECK(room.timeline[0].origin_server_ts == 1700000001000);
    REQUIRE(s.invited.size() == 1);
    CHECK(s.invited[0].invite_state[0].content["is_direct"] == true);
    CHECK(s.left == std::vector<std::string>{"!gone:localhost"});
    CHECK(s.direct["@alice:localhost"][0] == "!dm:localhost");
  }

  TEST_CASE("matrix: a batch of the bot's own echoes is told apart from one with news") {
    const auto batch = [](const char* text) { return pm::parse_sync(pm::json::parse(text)); };
    const std::string me = "@wagbot:x";
    CHECK(pm::only_own_events(batch(R"({"next_batch": "s1"})"), me));
    CHECK(pm::only_own_events(
        batch(R"({"next_batch": "s2", "device_lists": {"changed": [], "left": []},
                  "rooms": {"join": {"!r:x": {"timeline": {"events": [
                    {"event_id": "$1", "type": "m.room.message", "sender": "@wagbot:x"}]}}}}})"),
        me));
    CHECK_FALSE(pm::only_own_events(
        batch(R"({"next_batch": "s3", "rooms": {"join": {"!r:x": {"timeline": {"events": [
                    {"event_id": "$1", "type": "m.room.message", "sender": "@wagbot:x"},
                    {"event_id": "$2", "type": "m.room.message", "sender": "@alice:x"}]}}}}})"),
        me));
    CHECK_FALSE(pm::only_own_events(
        batch(R"({"next_batch": "s4", "rooms": {"join": {"!r:x": {"state": {"events": [
                    {"event_id": "$3", "type": "m.room.encryption", "sender": "@alice:x",
                     "state_key": ""}]}}}}})"),
        me));
    CHECK_FALSE(pm::only_own_events(
        batch(R"({"next_batch": "s5", "rooms": {"invite": {"!i:x": {}}}})"), me));
    CHECK_FALSE(pm::only_own_events(
        batch(R"({"next_batch": "s6", "rooms": {"leave": {"!l:x": {}}}})"), me));
    CHECK_FALSE(pm::only_own_events(
        batch(R"({"next_batch": "s7", "to_device": {"events": [{"type": "m.room_key"}]}})"), me));
    CHECK_FALSE(pm::only_own_events(
        batch(R"({"next_batch": "s8", "device_lists": {"changed": ["@alice:x"]}})"), me));
    CHECK_FALSE(pm::only_own_events(batch(R"({"next_batch": "s9", "account_data": {"events": [
                    {"type": "m.direct", "content": {}}]}})"),
                                    me));
  }

  TEST_CASE("matrix: history from before the bot's join is told apart from what follows") {
    const std::string me = "@wagbot:x";
    const auto room = [](const char* text) {
      return pm::parse_sync(pm::json::parse(text)).joined.at(0);
    };
    const auto ids = [&](const pm::joined_room& r) {
      std::vector<std::string> out;
      for (const auto* e : pm::sent_while_joined(r, me)) out.push_back(e->event_id);
      return out;
    };
    // The server says, per event, what the bot's membership was (Synapse does).
    CHECK(ids(room(R"({"next_batch": "s", "rooms": {"join": {"!r:x": {
        "state": {"events": [{"event_id": "$j", "type": "m.room.member", "sender": "@wagbot:x",
                              "state_key": "@wagbot:x", "origin_server_ts": 50,
                              "content": {"membership": "join"}}]},
        "timeline": {"events": [
          {"event_id": "$old", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 10,
           "unsigned": {"membership": "invite"}},
          {"event_id": "$new", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 60,
           "unsigned": {"membership": "join"}}]}}}}})")) == std::vector<std::string>{"$new"});
    // No membership per event: the bot's join in the timeline splits it …
    CHECK(ids(room(R"({"next_batch": "s", "rooms": {"join": {"!r:x": {"timeline": {"events": [
          {"event_id": "$old", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 99},
          {"event_id": "$j", "type": "m.room.member", "sender": "@wagbot:x",
           "state_key": "@wagbot:x", "origin_server_ts": 50, "content": {"membership": "join"}},
          {"event_id": "$new", "type": "m.room.message", "sender": "@a:x",
           "origin_server_ts": 60}]}}}}})")) == std::vector<std::string>{"$new"});
    // … and a join in state (own events filtered out of the timeline) by time.
    CHECK(ids(room(R"({"next_batch": "s", "rooms": {"join": {"!r:x": {
        "state": {"events": [{"event_id": "$j", "type": "m.room.member", "sender": "@wagbot:x",
                              "state_key": "@wagbot:x", "origin_server_ts": 50,
                              "content": {"membership": "join"}}]},
        "timeline": {"events": [
          {"event_id": "$old", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 10},
          {"event_id": "$new", "type": "m.room.message", "sender": "@a:x",
           "origin_server_ts": 60}]}}}}})")) == std::vector<std::string>{"$new"});
    // A room the bot has long been in: everything.
    CHECK(ids(room(R"({"next_batch": "s", "rooms": {"join": {"!r:x": {"timeline": {"events": [
          {"event_id": "$1", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 1},
          {"event_id": "$2", "type": "m.room.message", "sender": "@a:x",
           "origin_server_ts": 2}]}}}}})")) == std::vector<std::string>{"$1", "$2"});
  }

  TEST_CASE("matrix: relations, mentions and the reply fallback") {
    auto s = pm::parse_sync(sync_fixture("sync.json"));
    const auto& msg = s.joined[0].timeline[0];
    auto rel = pm::relation_of(msg.content);
    CHECK(rel.rel_type == "m.thread");
    CHECK(rel.event_id == "$root");
    CHECK(rel.in_reply_to == "$prev");
    CHECK(pm::mentioned_users(msg.content) == std::vector<std::string>{"@wagbot:localhost"});
    CHECK(pm::strip_reply_fallback(msg.content["body"]) == "!wag ps");
    CHECK(pm::strip_reply_fallback("!wag ps\n> not a fallback") == "!wag ps\n> not a fallback");

    auto reaction = pm::relation_of(s.joined[0].timeline[1].content);
    CHECK(reaction.rel_type == "m.annotation");
    CHECK(reaction.key == "✅");
    CHECK(reaction.event_id == "$prompt");
  }

  TEST_CASE("matrix: errors carry the errcode and when to retry") {
    auto limited = pm::parse_error(
        429, R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too many","retry_after_ms":2000})", "");
    CHECK(limited.rate_limited());
    CHECK(limited.transient());
    CHECK(limited.retry_after_ms == 2000);
    auto header_only = pm::parse_error(429, "<html>slow down</html>", "1.5");
    CHECK(header_only.retry_after_ms == 1500);
    auto token = pm::parse_error(
        401, R"({"errcode":"M_UNKNOWN_TOKEN","error":"gone","soft_logout":true})", "");
    CHECK(token.bad_token());
    CHECK(token.soft_logout);
    CHECK_FALSE(token.transient());
    auto forbidden = pm::parse_error(403, R"({"errcode":"M_FORBIDDEN","error":"no"})", "");
    CHECK_FALSE(forbidden.transient());
    CHECK(wagbot::error{.kind = wagbot::errc::host_unreachable}.transient());  // worth a retry
  }

  // Reproduced with tests/fuzz/matrix: content is written by any room member, and a field of
  // another type threw out of the sync loop (the bot stopped, and stopped again after every
  // restart).
  TEST_CASE("matrix: content fields of unexpected types read as absent") {
    const auto content = pm::json::parse(R"({"msgtype": 5, "body": ["x"], "is_direct": "yes",
        "m.relates_to": {"rel_type": 7, "event_id": [], "key": {}, "m.in_reply_to": "$x"},
        "m.mentions": {"user_ids": "@wagbot:localhost"}})");
    const auto rel = pm::relation_of(content);
    CHECK(rel.rel_type.empty());
    CHECK(rel.event_id.empty());
    CHECK(rel.key.empty());
    CHECK(rel.in_reply_to.empty());
    CHECK(pm::mentioned_users(content).empty());
    CHECK(pm::string_at(content, "msgtype").empty());
    CHECK(pm::string_at(content, "body").empty());
    CHECK(pm::string_at(pm::json::array(), "body").empty());
    CHECK_FALSE(pm::bool_at(content, "is_direct"));
    CHECK(pm::bool_at(content, "missing", true));

    const auto sync =
        pm::parse_sync(pm::json::parse(R"({"next_batch": "s1", "rooms": {"join": {"!r:x": {
        "timeline": {"limited": "yes", "events": [{"event_id": 5, "type": "m.room.message", "sender": "@a:x",
                                                   "origin_server_ts": 1.5e300, "content": {"body": "hi"}}]}}}},
        "account_data": {"events": [{"type": 1}, "x"]}})"));
    REQUIRE(sync.joined.size() == 1);
    CHECK_FALSE(sync.joined[0].limited);
    REQUIRE(sync.joined[0].timeline.size() == 1);
    CHECK(sync.joined[0].timeline[0].event_id.empty());
    CHECK(sync.joined[0].timeline[0].origin_server_ts == 0);
    CHECK(pm::string_at(sync.joined[0].timeline[0].content, "body") == "hi");
  }

  // Found by tests/fuzz/matrix: converting a huge or NaN wait to an integer was undefined.
  TEST_CASE("matrix: waits asked for by the server are sane numbers") {
    CHECK(pm::parse_error(429, "", "1e999").retry_after_ms == pm::max_retry_after_ms);
    CHECK(pm::parse_error(429, "", "nan").retry_after_ms == 0);
    CHECK(pm::parse_error(429, "", "-3").retry_after_ms == 0);
    CHECK(pm::parse_error(429, "", "2.5").retry_after_ms == 2500);
    CHECK(pm::parse_error(429, R"({"retry_after_ms": 1e30})", "").retry_after_ms ==
          pm::max_retry_after_ms);
    CHECK(pm::parse_error(429, R"({"retry_after_ms": -1e30})", "7").retry_after_ms == 7000);
    CHECK(pm::parse_error(429, R"({"retry_after_ms": 250})", "").retry_after_ms == 250);
    const auto odd =
        pm::parse_error(401, R"({"errcode": 1, "error": {}, "soft_logout": "true"})", "");
    CHECK(odd.code.empty());
    CHECK(odd.message == "HTTP 401");
    CHECK_FALSE(odd.soft_logout);
  }
}
