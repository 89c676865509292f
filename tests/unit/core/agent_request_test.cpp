#include "wagbot/core/agent_request.hpp"

#include <doctest/doctest.h>

#include "../support/grammar.hpp"

using namespace wagbot::core;
using wagbot::test::real_grammar;

TEST_SUITE("core") {
  TEST_CASE("agent requests: a fenced block with one request or a list") {
    const auto g = real_grammar();
    const std::string text =
        "Please do "
        "this:\n```wagmios\n{\"id\":\"r1\",\"host\":\"nas\",\"action\":\"restart\",\"target\":"
        "\"nginx\"}\n```\n"
        "and\n```wagmios\n[{\"id\":\"r2\",\"action\":\"logs\",\"target\":\"db\",\"args\":{"
        "\"lines\":20},\"host\":\"@media\"},"
        "{\"id\":7,\"action\":\"install\",\"target\":\"jellyfin\",\"args\":{\"name\":\"jf\","
        "\"env\":{\"TZ\":\"UTC\"},"
        "\"ports\":{\"8097\":8096}}}]\n```";
    CHECK(has_agent_block(text));
    auto reqs = parse_agent_requests(text, g);
    REQUIRE(reqs.size() == 3);
    REQUIRE(reqs[0].act.has_value());
    CHECK(reqs[0].id == "r1");
    CHECK(reqs[0].act->command == "restart");
    CHECK(reqs[0].act->args == std::vector<std::string>{"nginx"});
    CHECK(reqs[0].act->host == "nas");
    REQUIRE(reqs[1].act.has_value());
    CHECK(reqs[1].act->args == std::vector<std::string>{"db", "20"});
    CHECK(reqs[1].act->host == "media");
    REQUIRE(reqs[2].act.has_value());
    CHECK(reqs[2].id == "7");
    CHECK(reqs[2].act->args ==
          std::vector<std::string>{"jellyfin", "TZ=UTC", "as", "jf"});  // keys sorted
    CHECK(reqs[2].act->option_values("publish") == std::vector<std::string>{"8097:8096"});
  }

  TEST_CASE("agent requests: malformed ones become clear errors, never actions") {
    const auto g = real_grammar();
    auto bad_json = parse_agent_requests("```wagmios\n{not json\n```", g);
    REQUIRE(bad_json.size() == 1);
    CHECK(to_string(bad_json[0].error_code) == "INVALID_JSON");
    auto cases = parse_agent_json(nlohmann::json::parse(R"([
      {"id":"a"},
      {"id":"b","action":"explode"},
      {"id":"c","action":"restart"},
      {"id":"d","action":"logs","target":"x","args":{"lines":"many"}},
      {"id":"e","action":"restart","target":5},
      {"id":"f","action":"ps","args":{"colour":"red"}},
      "just a string"])"),
                                  g);
    REQUIRE(cases.size() == 7);
    CHECK(to_string(cases[0].error_code) == "INVALID_REQUEST");
    CHECK(cases[0].error_message.find("`action`") != std::string::npos);
    CHECK(to_string(cases[1].error_code) == "UNKNOWN_ACTION");
    CHECK(cases[2].error_message == "Missing <container>.");
    CHECK(cases[3].error_message.find("whole number") != std::string::npos);
    CHECK(cases[4].error_message.find("`target` must be a string") != std::string::npos);
    CHECK(cases[5].error_message.find("no argument `colour`") != std::string::npos);
    CHECK(to_string(cases[6].error_code) == "INVALID_REQUEST");
    for (const auto& c : cases) CHECK_FALSE(c.act.has_value());
    CHECK_FALSE(has_agent_block("```wagmios-result\n{}\n```"));
    CHECK(parse_agent_json(nlohmann::json::parse(R"({"requests":[]})"), g)[0].error_message ==
          "the list of requests is empty");
  }

  TEST_CASE("agent results: status, data, error code, and the fenced block") {
    chat_reply ok = ok_reply("`nginx` restarted on @nas.");
    auto r = result_of("r1", ok);
    CHECK(r["status"] == "ok");
    CHECK(r["id"] == "r1");
    CHECK(r["data"]["text"] == "`nginx` restarted on @nas.");
    CHECK(r["error"].is_null());
    chat_reply failed = error_reply("Your key for @nas lacks the `containers:write` scope.");
    failed.error_code = reply_code::scope_required;
    auto e = result_of("r2", failed);
    CHECK(e["status"] == "error");
    CHECK(e["error"]["code"] == "SCOPE_REQUIRED");
    CHECK(result_of("r4", error_reply("It broke."))["error"]["code"] == "FAILED");  // no code
    chat_reply waiting = say(tone::warning, "Approval needed");
    waiting.confirmation_id = "k3x9p2";
    auto w = result_of("r3", waiting);
    CHECK(w["status"] == "pending_confirmation");
    CHECK(w["confirmation_id"] == "k3x9p2");
    chat_reply table;
    table.add_table({{"name"}, {{"nginx"}}});
    CHECK(result_of("", table)["data"]["tables"][0]["rows"][0][0] == "nginx");
    const auto block = result_block(e);
    CHECK(block.rfind("❌ r2: ", 0) == 0);
    CHECK(block.find("```wagmios-result\n{") != std::string::npos);
  }

  TEST_CASE("agent results: a reply carries one when it holds a wagmios-result code block") {
    chat_reply r = say(tone::success, "`redis` deleted from @nas.");
    CHECK_FALSE(carries_result(r));
    r.code("{}", "json");
    CHECK_FALSE(carries_result(r));  // another language is not a result
    r.code("{\"id\":\"d1\"}", std::string(result_lang));
    CHECK(carries_result(r));
  }
}
