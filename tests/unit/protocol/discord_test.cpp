#include "wagbot/protocol/discord.hpp"

#include <doctest/doctest.h>

namespace pd = wagbot::protocol::discord;

TEST_SUITE("protocol") {
  TEST_CASE("discord: a gateway frame and a slash interaction") {
    const auto frame = pd::parse_gateway(R"({"op":0,"s":42,"t":"INTERACTION_CREATE","d":{
        "id":"10","application_id":20,"token":"tok","type":2,"channel_id":"2",
        "member":{"user":{"id":"111","username":"alice"}},
        "data":{"name":"logs","options":[{"name":"container","type":3,"value":"nginx"},
                                         {"name":"lines","type":4,"value":20}]}}})");
    REQUIRE(frame.has_value());
    CHECK(frame->op == 0);
    CHECK(frame->s == 42);
    CHECK(frame->t == "INTERACTION_CREATE");
    const auto i = frame->d.get<pd::interaction>();
    CHECK(i.type == pd::interaction_type::command);
    CHECK(i.application_id == "20");
    CHECK(i.invoker.id == "111");
    CHECK(i.command_name == "logs");
    REQUIRE(i.options.size() == 2);
    CHECK(i.options[1].type == 4);
    CHECK(i.options[1].value == 20);
    CHECK_FALSE(pd::parse_gateway("not json").has_value());
    CHECK_FALSE(pd::parse_gateway(R"({"op":"0"})").has_value());
  }

  // Reproduced with tests/fuzz/discord: json::value<int> cast a float such as 1e30 to int
  // (undefined).
  TEST_CASE("discord: a type that is not a whole number in range is the default") {
    const auto i = pd::json::parse(R"({"type":1e30,"data":{"name":"logs","options":[
        {"name":"a","type":-1e99},{"name":"b","type":4294967296},{"name":"c","type":2.0},{"name":"d","type":3}]}})")
                       .get<pd::interaction>();
    CHECK(i.type == pd::interaction_type::ping);
    REQUIRE(i.options.size() == 4);
    CHECK(i.options[0].type == 0);
    CHECK(i.options[1].type == 0);
    CHECK(i.options[2].type == 0);
    CHECK(i.options[3].type == 3);
    CHECK(pd::json::parse(R"({"type":3})").get<pd::interaction>().type ==
          pd::interaction_type::component);
  }
}
