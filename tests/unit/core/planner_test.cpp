#include "wagbot/core/planner.hpp"

#include <doctest/doctest.h>

#include <set>

#include "../support/grammar.hpp"

using namespace wagbot::core;
using nlohmann::json;
using wagbot::protocol::chat_completions::tool_call;
using wagbot::test::real_grammar;

namespace {
const std::vector<host_words> known_hosts{{"nas", {"the nas", "storage"}},
                                          {"media", {"media server"}}};

tool_call call(std::string name, const json& args) {
  return {"call_1", std::move(name), args.dump()};
}

/// The action for one call, or its refusal prefixed with "refused: ".
std::string outcome(const tool_call& c) {
  static const auto g = real_grammar();
  auto act = action_from_call(c, g, known_hosts);
  if (!act) return "refused: " + act.error();
  return command_line(*act);
}
}  // namespace

TEST_SUITE("core") {
  TEST_CASE("planner: only free text goes to the model") {
    const auto g = real_grammar();
    auto error_of = [&](const std::string& line) { return g.parse(line).error(); };
    CHECK(worth_planning("could you tidy up the nas", error_of("could you tidy up the nas")));
    CHECK_FALSE(
        worth_planning("restart a b", error_of("restart a b")));  // a command word keeps its usage
    CHECK_FALSE(worth_planning("hello", error_of("hello")));      // one word is not a request
    CHECK_FALSE(worth_planning("   hmm   ", error_of("hmm")));
    const std::string with_key =
        "please keep wag_live_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde= safe";
    CHECK_FALSE(worth_planning(with_key, error_of(with_key)));
    CHECK_FALSE(worth_planning("please use wag_live_short", error_of("please use wag_live_short")));
    const std::string long_line = "please " + std::string(planner_max_text, 'a');
    CHECK_FALSE(worth_planning(long_line, error_of(long_line)));
  }

  TEST_CASE(
      "planner: tools come from the specs; keys, confirmations and room settings are not offered") {
    const auto g = real_grammar();
    const auto tools = planner_tools(g, known_hosts);
    std::set<std::string> names;
    for (const auto& t : tools) {
      CHECK(t["type"] == "function");
      const auto& fn = t["function"];
      names.insert(fn["name"].get<std::string>());
      CHECK(fn["parameters"]["type"] == "object");
      CHECK(fn["parameters"]["additionalProperties"] == false);
      CHECK_FALSE(fn["description"].get<std::string>().empty());
      for (const auto& r : fn["parameters"]["required"])
        CHECK(fn["parameters"]["properties"].contains(r.get<std::string>()));
    }
    for (const char* wanted :
         {"help", "hosts",   "status",    "ps",      "inspect",   "logs",    "start",
          "stop", "restart", "rm",        "run",     "images",    "pull",    "rmi",
          "apps", "app",     "installed", "install", "templates", "template"})
      CHECK_MESSAGE(names.count(wanted), wanted);
    for (const char* never : {"key_add", "key_remove", "key_list", "default", "audit", "alerts",
                              "alerts_on", "alerts_off", "confirm", "cancel", "template_save"})
      CHECK_MESSAGE(!names.count(never), never);

    auto tool = [&](const std::string& name) {
      for (const auto& t : tools)
        if (t["function"]["name"] == name) return t["function"];
      FAIL("no tool " << name);
      return json();
    };
    const auto logs = tool("logs");
    CHECK(logs["parameters"]["required"] == json{"container"});
    CHECK(logs["parameters"]["properties"]["lines"]["type"] == "integer");
    CHECK(logs["parameters"]["properties"]["host"]["enum"] == json{"nas", "media"});
    CHECK(tool("ps")["parameters"]["properties"]["host"]["enum"] == json{"nas", "media", "all"});
    CHECK(tool("run")["parameters"]["properties"]["publish"]["type"] == "array");
    CHECK(tool("run")["parameters"]["properties"]["name"]["type"] == "string");
    CHECK(tool("rm")["description"].get<std::string>().find("confirm") != std::string::npos);
    CHECK_FALSE(tool("hosts")["parameters"]["properties"].contains("host"));
  }

  TEST_CASE("planner: the request holds the line, the specs and the hosts' words, nothing else") {
    const auto g = real_grammar();
    const auto body = planner_request("qwen2.5:7b", "could you tidy up the nas", known_hosts, g);
    CHECK(body["model"] == "qwen2.5:7b");
    CHECK(body["stream"] == false);
    CHECK(body["temperature"] == 0);
    CHECK(body["tool_choice"] == "auto");
    REQUIRE(body["messages"].size() == 2);
    CHECK(body["messages"][0]["role"] == "system");
    const auto system = body["messages"][0]["content"].get<std::string>();
    CHECK(system.find("- nas: the nas, storage") != std::string::npos);
    CHECK(system.find("- media: media server") != std::string::npos);
    CHECK(body["messages"][1] == json{{"role", "user"}, {"content", "could you tidy up the nas"}});
    CHECK(body.size() == 6);
  }

  TEST_CASE("planner: tool calls become the actions typed commands would") {
    CHECK(outcome(call("restart", {{"container", "nginx"}, {"host", "nas"}})) ==
          "restart nginx @nas");
    CHECK(outcome(call("restart", {{"container", "nginx"}, {"host", "@NAS"}})) ==
          "restart nginx @nas");
    CHECK(outcome(call("stop", {{"container", "nginx"}})) == "stop nginx");
    CHECK(outcome(call("logs", {{"container", "redis"}, {"lines", 20}})) == "logs redis 20");
    CHECK(outcome(call("logs", {{"container", "redis"}, {"lines", "20"}})) == "logs redis 20");
    CHECK(outcome(call("logs", {{"container", "redis"}, {"lines", nullptr}})) == "logs redis");
    CHECK(outcome(call("ps", {{"host", "all"}})) == "ps @all");
    CHECK(outcome(call("ps", json::object())) == "ps");
    CHECK(outcome(tool_call{"c", "hosts", ""}) == "hosts");
    CHECK(outcome(call("apps", {{"search", "media server"}})) == "apps media server");
    CHECK(outcome(call("install", {{"app", "uptime-kuma"},
                                   {"settings", "as kuma TZ=Europe/Paris"},
                                   {"publish", {"3002:3001"}},
                                   {"host", "media"}})) ==
          "install uptime-kuma as kuma TZ=Europe/Paris --publish 3002:3001 @media");
    CHECK(outcome(call("run", {{"image", "nginx:alpine"},
                               {"name", "web"},
                               {"publish", "8080:80"},
                               {"env", {"TZ=UTC", "A=b c"}}})) ==
          "run nginx:alpine --name web --publish 8080:80 --env TZ=UTC --env \"A=b c\"");
    CHECK(outcome(call("help", {{"command", "logs"}})) == "help logs");

    const auto g = real_grammar();
    auto act =
        action_from_call(call("rm", {{"container", "redis"}, {"host", "nas"}}), g, known_hosts);
    REQUIRE(act.has_value());
    CHECK(act->command == "rm");
    CHECK(act->args == std::vector<std::string>{"redis"});
    CHECK(act->host == "nas");
  }

  TEST_CASE(
      "planner: what the model writes stays one argument; it cannot add hosts, options or "
      "commands") {
    const auto g = real_grammar();
    auto act = action_from_call(call("restart", {{"container", "nginx @media"}}), g, known_hosts);
    // One word that no container has: refused later as not found, never rerouted to @media.
    REQUIRE(act.has_value());
    CHECK(act->args == std::vector<std::string>{"nginx @media"});
    CHECK(act->host.empty());
    auto opt = action_from_call(call("pull", {{"image", "--name x"}}), g, known_hosts);
    REQUIRE(opt.has_value());
    CHECK(opt->args == std::vector<std::string>{"--name x"});
    CHECK(opt->options.empty());
    auto quoted = action_from_call(call("inspect", {{"container", "ng\"inx\\"}}), g, known_hosts);
    REQUIRE(quoted.has_value());
    CHECK(quoted->args == std::vector<std::string>{"ng\"inx\\"});
    auto words = action_from_call(
        call("install", {{"app", "jellyfin"}, {"settings", "@media --publish 1:2"}}), g,
        known_hosts);
    REQUIRE(words.has_value());
    CHECK(words->args == std::vector<std::string>{"jellyfin", "@media", "--publish", "1:2"});
    CHECK(words->host.empty());
    CHECK(words->options.empty());
  }

  TEST_CASE("planner: bad tool calls are refused with a reason") {
    CHECK(outcome(call("key_add", {{"host", "nas"}})).find("not a tool it may use") !=
          std::string::npos);
    CHECK(outcome(call("confirm", {{"id", "x"}})).find("not a tool it may use") !=
          std::string::npos);
    CHECK(outcome(call("Restart", {{"container", "nginx"}})).find("not a tool") !=
          std::string::npos);
    CHECK(outcome(call("template_save", {{"name", "x"}})).find("not a tool") != std::string::npos);
    CHECK(
        outcome(tool_call{"c", "restart", "{\"container\": \"nginx\""}).find("not a JSON object") !=
        std::string::npos);
    CHECK(outcome(tool_call{"c", "restart", "[\"nginx\"]"}).find("not a JSON object") !=
          std::string::npos);
    CHECK(outcome(call("restart", {{"container", "nginx"}, {"force", true}})) ==
          "refused: `restart` takes no argument `force`");
    CHECK(outcome(call("hosts", {{"host", "nas"}})) == "refused: `hosts` takes no argument `host`");
    CHECK(outcome(call("restart", {{"host", "nas"}})) == "refused: `restart` needs `container`");
    CHECK(outcome(call("restart", {{"container", ""}})) == "refused: `restart` needs `container`");
    CHECK(outcome(call("restart", {{"container", 7}})) ==
          "refused: `restart`: `container` must be text");
    CHECK(outcome(call("restart", {{"container", {"nginx"}}})) ==
          "refused: `restart`: `container` must be text");
    CHECK(outcome(call("logs", {{"container", "redis"}, {"lines", "lots"}})) ==
          "refused: `logs`: `lines` must be a whole number");
    CHECK(outcome(call("logs", {{"container", "redis"}, {"lines", -5}})).find("whole number") !=
          std::string::npos);
    CHECK(outcome(call("restart", {{"container", "nginx\n@media"}})).find("control character") !=
          std::string::npos);
    CHECK(outcome(call("restart", {{"container", std::string(300, 'a')}})).find("too long") !=
          std::string::npos);
    CHECK(outcome(call("restart", {{"container", "nginx"}, {"host", "evil"}})) ==
          "refused: `restart`: there is no host `evil`");
    CHECK(outcome(call("restart", {{"container", "nginx"}, {"host", "all"}})) ==
          "refused: `restart`: there is no host `all`");
    CHECK(outcome(call("restart", {{"container", "nginx"}, {"host", 1}})) ==
          "refused: `restart`: `host` must be text");
    CHECK(outcome(call("run", {{"image", "nginx"}, {"name", {"a", "b"}}})) ==
          "refused: `run`: `name` takes one value");
    CHECK(outcome(call("run", {{"image", "nginx"}, {"env", {1}}})) ==
          "refused: `run`: `env` must be text");
  }

  TEST_CASE("planner: a plan is all or nothing, and capped") {
    const auto g = real_grammar();
    std::vector<tool_call> two{call("ps", {{"host", "nas"}}),
                               call("restart", {{"container", "nginx"}, {"host", "media"}})};
    auto ok = plan_from_calls(two, g, known_hosts, 3);
    CHECK(ok.refusal.empty());
    REQUIRE(ok.actions.size() == 2);
    CHECK(ok.actions[0].command == "ps");
    CHECK(ok.actions[1].host == "media");

    auto capped = plan_from_calls(two, g, known_hosts, 1);
    CHECK(capped.actions.empty());
    CHECK(capped.refusal == "the model planned 2 actions, and at most 1 may come from one message");

    two.push_back(call("key_remove", {{"host", "nas"}}));
    auto mixed = plan_from_calls(two, g, known_hosts, 3);
    CHECK(mixed.actions.empty());
    CHECK(mixed.refusal.find("key_remove") != std::string::npos);

    auto none = plan_from_calls({}, g, known_hosts, 3);
    CHECK(none.actions.empty());
    CHECK(none.refusal.empty());
  }

  TEST_CASE("planner: the model's words are redacted, cleaned and capped") {
    CHECK(model_words("  Which one?\n ") == "Which one?");
    CHECK(model_words("use wag_live_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde= now")
              .find("AbCdEf") == std::string::npos);
    CHECK(model_words("a\x1b[31mred\tb") == "a[31mred b");
    const auto long_text = model_words(std::string(2000, 'x'));
    CHECK(long_text.size() <= planner_max_words + 3);
    CHECK(long_text.substr(long_text.size() - 3) == "…");
    // Cut on a character boundary: "é" is two bytes.
    std::string accents;
    for (int i = 0; i < 700; ++i) accents += "é";
    const auto cut = model_words(accents);
    CHECK(cut.substr(cut.size() - 3) == "…");
    CHECK(cut.size() % 2 == 1);  // n × 2-byte é + 3-byte …
  }

  TEST_CASE("planner: command lines quote what needs quoting") {
    action a{"restart", "nas", {"my app"}, {}, ""};
    CHECK(command_line(a) == "restart \"my app\" @nas");
    action b{"run", "", {"nginx"}, {{"env", "A=\"q\""}, {"name", "web"}}, ""};
    CHECK(command_line(b) == "run nginx --env \"A=\\\"q\\\"\" --name web");
  }
}
