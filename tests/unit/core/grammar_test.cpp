#include "wagbot/core/grammar.hpp"

#include <doctest/doctest.h>

#include "../support/grammar.hpp"

using wagbot::core::grammar;

using wagbot::test::real_grammar;

TEST_SUITE("core") {
  TEST_CASE("tokenize groups quotes and keeps offsets") {
    auto t = wagbot::core::tokenize(R"(run  "my image" -e 'A=b c' x\y)");
    REQUIRE(t.size() == 5);
    CHECK(t[1].text == "my image");
    CHECK(t[1].quoted);
    CHECK(t[3].text == "A=b c");
    CHECK(t[4].text == "x\\y");
    CHECK(t[2].offset == 16);
  }

  TEST_CASE("host is chosen by @alias, `on alias`, or a bare word for argument-less commands") {
    const auto g = real_grammar();
    CHECK(g.parse("restart nginx @NAS")->host == "nas");
    CHECK(g.parse("restart nginx on media")->host == "media");
    CHECK(g.parse("ps all")->host == "all");
    CHECK(g.parse("ps @all")->host == "all");
    CHECK(g.parse("images nas")->host == "nas");
    auto a = g.parse("restart nginx");
    REQUIRE(a.has_value());
    CHECK(a->host.empty());
    CHECK(a->args == std::vector<std::string>{"nginx"});
  }

  TEST_CASE("a host word is read only where the command takes a host, and never when quoted") {
    const auto g = real_grammar();
    CHECK(g.parse("restart nginx on the nas")->host == "nas");
    CHECK(g.parse("restart nginx on @media")->host == "media");
    auto quoted = g.parse(R"(restart "@nas")");
    REQUIRE(quoted.has_value());
    CHECK(quoted->host.empty());
    CHECK(quoted->args == std::vector<std::string>{"@nas"});
    // `on` before any argument is the argument itself, not a host.
    CHECK(g.parse("restart on")->args == std::vector<std::string>{"on"});
    CHECK(g.parse("help @nas").error().message == "`help` does not take a host.");
    CHECK(g.parse("run nginx --name a --name b").error().message ==
          "Option `--name` is given twice.");
  }

  TEST_CASE("aliases and two-word commands resolve to the canonical name") {
    const auto g = real_grammar();
    CHECK(g.parse("delete web")->command == "rm");
    CHECK(g.parse("key add nas wag_live_x")->command == "key add");
    CHECK(g.parse("KEY LIST")->command == "key list");
    CHECK(g.parse("template web")->command == "template");
    CHECK(g.parse("template save web {}")->command == "template save");
  }

  TEST_CASE("options, repeated options and attached values") {
    const auto g = real_grammar();
    auto a = g.parse("run nginx:alpine --name web -p 8080:80 -p8443:443 -e TZ=UTC --env=A=1");
    REQUIRE(a.has_value());
    CHECK(a->args == std::vector<std::string>{"nginx:alpine"});
    CHECK(a->option("name") == "web");
    CHECK(a->option_values("publish") == std::vector<std::string>{"8080:80", "8443:443"});
    CHECK(a->option_values("env") == std::vector<std::string>{"TZ=UTC", "A=1"});
  }

  TEST_CASE("template save keeps its JSON verbatim and still takes a trailing host") {
    const auto g = real_grammar();
    auto a = g.parse(R"(template save web {"image": "nginx:alpine", "env": [ {"key":"A"} ]} @nas)");
    REQUIRE(a.has_value());
    CHECK(a->host == "nas");
    REQUIRE(a->args.size() == 2);
    CHECK(a->args[1] == R"({"image": "nginx:alpine", "env": [ {"key":"A"} ]})");
  }

  TEST_CASE("mistakes are answered with the reason and the usage") {
    const auto g = real_grammar();
    auto missing = g.parse("logs");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message == "Missing <container>.");
    CHECK(missing.error().usage == "Usage: logs <container> [lines] [@host]");
    CHECK(fmt::format("{}", missing.error()) ==
          "Missing <container>. (Usage: logs <container> [lines] [@host])");
    CHECK(fmt::format("{}", g.parse("").error()) == "Empty command.");

    auto not_number = g.parse("logs nginx many");
    REQUIRE_FALSE(not_number.has_value());
    CHECK(not_number.error().message.find("whole number") != std::string::npos);

    auto unknown_option = g.parse("ps --all");
    REQUIRE_FALSE(unknown_option.has_value());
    CHECK(unknown_option.error().message == "Unknown option `--all` for `ps`.");

    auto too_many = g.parse("restart a b");
    REQUIRE_FALSE(too_many.has_value());
    CHECK(too_many.error().message.find("Too many arguments") == 0);

    auto no_value = g.parse("run nginx --name");
    REQUIRE_FALSE(no_value.has_value());
    CHECK(no_value.error().message.find("needs a value") != std::string::npos);

    auto all_on_one_host = g.parse("restart nginx @all");
    REQUIRE_FALSE(all_on_one_host.has_value());
    CHECK(all_on_one_host.error().message.find("one host at a time") != std::string::npos);

    auto no_host = g.parse("help @nas");
    REQUIRE_FALSE(no_host.has_value());
  }

  TEST_CASE("an unknown command suggests close ones; a bare group lists its subcommands") {
    const auto g = real_grammar();
    auto typo = g.parse("restrat nginx");
    REQUIRE_FALSE(typo.has_value());
    CHECK(typo.error().message.find("Did you mean `restart`") != std::string::npos);
    CHECK(typo.error().message.find("`help`") != std::string::npos);

    auto group = g.parse("key");
    REQUIRE_FALSE(group.has_value());
    CHECK(group.error().usage.find("key add <host>") != std::string::npos);
    CHECK(group.error().usage.find("key remove <host>") != std::string::npos);

    auto bad_sub = g.parse("key frob");
    REQUIRE_FALSE(bad_sub.has_value());
    CHECK(bad_sub.error().message == "Unknown subcommand `frob` of `key`.");
  }

  TEST_CASE("an action survives JSON, as a confirmation stores it") {
    const auto g = real_grammar();
    auto a = g.parse("run redis:7 --name cache -e A=1 -e B=2 @nas");
    REQUIRE(a.has_value());
    nlohmann::json j = *a;
    CHECK(j.get<wagbot::core::action>() == *a);
  }

  TEST_CASE("two different hosts in one command are refused, never one of them picked") {
    const auto g = real_grammar();
    for (const char* line : {"restart nginx @media @nas", "stop nginx @vps on nas", "ps nas @media",
                             "logs web 20 on media @nas"}) {
      auto a = g.parse(line);
      REQUIRE_FALSE(a.has_value());
      CHECK(a.error().message.find("two hosts") != std::string::npos);
    }
    CHECK(g.parse("restart nginx @nas @NAS")->host == "nas");  // the same one twice is fine
  }
}