#include "wagbot/discord/slash.hpp"

#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "../support/grammar.hpp"

using namespace wagbot;
namespace pd = wagbot::protocol::discord;
using wagbot::test::real_grammar;

namespace {
pd::interaction slash(std::string name, std::vector<pd::command_option> options) {
  pd::interaction i;
  i.type = pd::interaction_type::command;
  i.command_name = std::move(name);
  i.options = std::move(options);
  return i;
}

pd::command_option opt(std::string name, pd::json value) {
  pd::command_option o;
  o.name = std::move(name);
  o.type = value.is_number() ? 4 : 3;
  o.value = std::move(value);
  return o;
}
}  // namespace

TEST_SUITE("discord") {
  TEST_CASE("generated commands obey Discord's rules") {
    const auto g = real_grammar();
    const auto body = discord::application_commands(g.specs());
    const std::regex name_re("^[-_'a-z0-9]{1,32}$");
    std::set<std::string> names;
    std::set<std::string> message_commands;
    for (const auto& cmd : body) {
      const auto name = cmd["name"].get<std::string>();
      if (cmd["type"] == 3) {
        // A message command: any case, spaces allowed, no description nor options.
        CHECK(!name.empty());
        CHECK(name.size() <= 32);
        CHECK_FALSE(cmd.contains("description"));
        CHECK_FALSE(cmd.contains("options"));
        message_commands.insert(name);
        continue;
      }
      CHECK(cmd["type"] == 1);
      CHECK_MESSAGE(std::regex_match(name, name_re), name);
      CHECK(names.insert(name).second);
      const auto desc = cmd["description"].get<std::string>();
      CHECK(!desc.empty());
      CHECK(desc.size() <= 100 * 4);  // 100 characters, some of them multi-byte
      std::function<void(const pd::json&)> check_options = [&](const pd::json& options) {
        CHECK(options.size() <= 25);
        bool optional_seen = false;
        std::set<std::string> option_names;
        for (const auto& o : options) {
          CHECK(std::regex_match(o["name"].get<std::string>(), name_re));
          CHECK(option_names.insert(o["name"].get<std::string>()).second);
          if (o["type"] == 1) {
            check_options(o["options"]);
            continue;
          }
          if (o.value("required", false))
            CHECK_FALSE(optional_seen);  // required first
          else
            optional_seen = true;
        }
      };
      check_options(cmd["options"]);
    }
    CHECK(message_commands == std::set<std::string>{"Restart", "Logs"});
    CHECK(names.count("ps"));
    CHECK(names.count("key"));
    CHECK(names.count("template"));
  }

  TEST_CASE("destructive commands ask Manage Server by default; a user install reaches DMs") {
    const auto specs = real_grammar().specs();
    auto find = [](const pd::json& body, const std::string& name) {
      for (const auto& cmd : body)
        if (cmd["name"] == name) return cmd;
      return pd::json();
    };
    const auto body = discord::application_commands(specs);
    for (const char* destructive : {"rm", "stop", "rmi", "run", "install"})
      CHECK_MESSAGE(find(body, destructive)["default_member_permissions"] == "32", destructive);
    for (const char* read : {"ps", "logs", "restart", "health"})
      CHECK_MESSAGE(!find(body, read).contains("default_member_permissions"), read);
    CHECK(find(body, "ps")["contexts"] == pd::json({0, 1}));
    CHECK_FALSE(find(body, "ps").contains("integration_types"));

    const auto open = discord::application_commands(specs, {false, true});
    CHECK_FALSE(find(open, "rm").contains("default_member_permissions"));
    CHECK(find(open, "ps")["integration_types"] == pd::json({0, 1}));
    CHECK(find(open, "ps")["contexts"] == pd::json({0, 1, 2}));
  }

  TEST_CASE("two-word commands become subcommands; the lone word becomes `show`") {
    const auto body = discord::application_commands(real_grammar().specs());
    for (const auto& cmd : body) {
      if (cmd["name"] == "key") {
        std::set<std::string> subs;
        for (const auto& o : cmd["options"]) subs.insert(o["name"].get<std::string>());
        CHECK(subs == std::set<std::string>{"add", "remove", "list"});
        // `key add` asks for the key itself in a modal: only the host is an option.
        for (const auto& o : cmd["options"])
          if (o["name"] == "add") {
            REQUIRE(o["options"].size() == 1);
            CHECK(o["options"][0]["name"] == "host");
          }
      }
      if (cmd["name"] == "template") {
        std::set<std::string> subs;
        for (const auto& o : cmd["options"]) subs.insert(o["name"].get<std::string>());
        CHECK(subs == std::set<std::string>{"show", "save"});
      }
      if (cmd["name"] == "logs") {
        CHECK(cmd["options"][0]["autocomplete"] == true);  // container
        CHECK(cmd["options"][1]["type"] == 4);             // lines: INTEGER
        CHECK(cmd["options"].back()["name"] == "host");
      }
    }
  }

  TEST_CASE("a slash command becomes the text command the grammar checks") {
    const auto g = real_grammar();
    auto call = discord::find_invoked(
        slash("logs", {opt("container", "nginx"), opt("lines", 20), opt("host", "nas")}), g);
    REQUIRE(call.spec != nullptr);
    const auto line = discord::to_command_line(call);
    CHECK(line == R"(logs "nginx" "20" @nas)");
    auto act = g.parse(line);
    REQUIRE(act.has_value());
    CHECK(act->args == std::vector<std::string>{"nginx", "20"});
    CHECK(act->host == "nas");

    auto run = discord::find_invoked(
        slash("run", {opt("image", "nginx:alpine"), opt("publish", "8080:80 8443:443"),
                      opt("env", "A=\"quoted\" B=2")}),
        g);
    auto parsed = g.parse(discord::to_command_line(run));
    REQUIRE(parsed.has_value());
    CHECK(parsed->option_values("publish") == std::vector<std::string>{"8080:80", "8443:443"});
    CHECK(parsed->option_values("env") == std::vector<std::string>{"A=\"quoted\"", "B=2"});

    pd::command_option sub;
    sub.name = "save";
    sub.type = 1;
    sub.options = {opt("name", "web"), opt("json", R"({"image":"nginx"})"), opt("host", "@nas")};
    auto save =
        g.parse(discord::to_command_line(discord::find_invoked(slash("template", {sub}), g)));
    REQUIRE(save.has_value());
    CHECK(save->command == "template save");
    CHECK(save->args[1] == R"({"image":"nginx"})");
    CHECK(save->host == "nas");

    pd::command_option show;
    show.name = "show";
    show.type = 1;
    show.options = {opt("name", "web")};
    CHECK(discord::find_invoked(slash("template", {show}), g).spec->name == "template");
  }
}
