#include "wagbot/protocol/chat_completions.hpp"

#include <doctest/doctest.h>

#include "../support/fixtures.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace wagbot::protocol::chat_completions;

using wagbot::test::fixture_text;

TEST_SUITE("protocol") {
  TEST_CASE("chat completions: tool calls keep their arguments as the model's JSON text") {
    auto openai = parse_completion(fixture_text("chat_completions", "openai_tool_calls.json"));
    REQUIRE(openai.has_value());
    CHECK(openai->finish_reason == "tool_calls");
    CHECK(openai->content.empty());
    REQUIRE(openai->tool_calls.size() == 1);
    CHECK(openai->tool_calls[0].id == "call_abc123");
    CHECK(openai->tool_calls[0].name == "restart");
    CHECK(nlohmann::json::parse(openai->tool_calls[0].arguments) ==
          nlohmann::json{{"container", "nginx"}, {"host", "nas"}});

    auto ollama = parse_completion(fixture_text("chat_completions", "ollama_tool_calls.json"));
    REQUIRE(ollama.has_value());
    REQUIRE(ollama->tool_calls.size() == 2);
    CHECK(ollama->tool_calls[0].name == "logs");
    CHECK(ollama->tool_calls[0].arguments == R"({"container":"redis","lines":20})");
    CHECK(ollama->tool_calls[1].name == "ps");
  }

  TEST_CASE("chat completions: a text answer") {
    auto text = parse_completion(fixture_text("chat_completions", "openai_text.json"));
    REQUIRE(text.has_value());
    CHECK(text->tool_calls.empty());
    CHECK(text->finish_reason == "stop");
    CHECK(text->content == "Which container do you mean: nginx or postgres?");
  }

  TEST_CASE("chat completions: arguments sent as an object or left out are tolerated") {
    auto object = parse_completion(
        R"({"choices":[{"message":{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"ps","arguments":{"host":"nas"}}}]}}]})");
    REQUIRE(object.has_value());
    CHECK(nlohmann::json::parse(object->tool_calls[0].arguments) ==
          nlohmann::json{{"host", "nas"}});
    auto none = parse_completion(
        R"({"choices":[{"message":{"tool_calls":[{"function":{"name":"hosts"}}]}}]})");
    REQUIRE(none.has_value());
    CHECK(none->tool_calls[0].arguments == "{}");
  }

  TEST_CASE("chat completions: shapes that are not a completion are errors, not exceptions") {
    for (
        const char* body :
        {"", "<html>502</html>", "{\"choices\": [", "[]", "{}", R"({"choices":[]})",
         R"({"choices":"x"})", R"({"choices":[{"index":0}]})",
         R"({"choices":[{"message":{"content":42}}]})",
         R"({"choices":[{"message":{"tool_calls":{}}}]})",
         R"({"choices":[{"message":{"tool_calls":[{"type":"function"}]}}]})",
         R"({"choices":[{"message":{"tool_calls":[{"type":"code","function":{"name":"ps"}}]}}]})",
         R"({"choices":[{"message":{"tool_calls":[{"function":{"name":7}}]}}]})",
         R"({"choices":[{"message":{"tool_calls":[{"function":{"name":"ps","arguments":[1]}}]}}]})"}) {
      CAPTURE(body);
      auto parsed = parse_completion(body);
      CHECK_FALSE(parsed.has_value());
      if (!parsed) {
        CHECK(parsed.error().kind == wagbot::errc::bad_response);
        CHECK_FALSE(parsed.error().message.empty());
      }
    }
  }

  TEST_CASE("chat completions: error bodies") {
    CHECK(
        error_message(
            R"({"error":{"message":"model 'x' not found","type":"invalid_request_error","param":null,"code":null}})") ==
        "model 'x' not found");
    CHECK(error_message(R"({"error":"model is loading"})") == "model is loading");
    CHECK(error_message("<html>502</html>").empty());
    CHECK(error_message(R"({"detail":"nope"})").empty());
  }
}
