#include "wagbot/core/policy.hpp"

#include <doctest/doctest.h>

using namespace wagbot::core;
using wagbot::protocol::container;
using wagbot::protocol::key_info;

namespace {
command_spec lifecycle(const std::string& name, const std::string& scope, bool destructive) {
  command_spec s;
  s.name = name;
  s.scope = scope;
  s.uses_host = true;
  s.targets_container = true;
  s.destructive = destructive;
  return s;
}

key_info key_holding(std::vector<std::string> scopes) {
  key_info k;
  k.scopes = std::move(scopes);
  return k;
}

action acting_on(const std::string& command, const std::string& target) {
  action a;
  a.command = command;
  a.args = {target};
  return a;
}
}  // namespace

TEST_SUITE("core") {
  TEST_CASE("protected containers are matched by name and by id prefix") {
    protection guard;
    std::vector<container> known{{"a1b2c3d4e5f6", "wagmios-backend", "img", "running", "", {}},
                                 {"ffee00112233", "nginx", "img", "running", "", {}}};
    CHECK(guard.covers("wagmios-backend"));
    CHECK(guard.covers("wagmios-frontend"));
    CHECK(guard.covers("a1b2c", known));
    CHECK_FALSE(guard.covers("a1", known));  // too short to mean an id
    CHECK_FALSE(guard.covers("ffee", known));
    CHECK_FALSE(guard.covers("wagmios"));
    CHECK_FALSE(guard.covers("nginx", known));
    // Docker's own spelling of a name, with its leading slash, in what is typed or listed.
    CHECK(guard.covers("/wagmios-backend"));
    CHECK(guard.covers("//WAGMIOS-Frontend"));
    CHECK_FALSE(guard.covers("/"));
    std::vector<container> slashed{{"0a0b0c0d0e0f", "/wagmios-backend", "img", "running", "", {}}};
    CHECK(guard.covers("0a0b0c", slashed));
  }

  TEST_CASE("only hex text can be an id prefix") {
    CHECK(could_be_id("3f2a9c"));
    CHECK(could_be_id("0"));
    CHECK_FALSE(could_be_id("nginx"));
    CHECK_FALSE(could_be_id("3F2A"));  // docker ids are lower case
    CHECK_FALSE(could_be_id(""));
  }

  TEST_CASE("the checks run in order: protected, then scope, then confirmation") {
    protection guard;
    const auto stop = lifecycle("stop", "containers:write", true);
    const auto all = key_holding({"*"});
    const auto reader = key_holding({"containers:read"});

    auto d = check(stop, acting_on("stop", "wagmios-backend"), guard, reader, {}, "nas");
    CHECK(d.outcome == verdict::refuse_protected);  // even without the scope

    d = check(stop, acting_on("stop", "nginx"), guard, reader, {}, "nas");
    CHECK(d.outcome == verdict::refuse_scope);
    CHECK(d.reason.find("`containers:write`") != std::string::npos);
    CHECK(d.reason.find("Agent Permissions") != std::string::npos);
    CHECK(d.reason.find("Your key for @nas lacks") != std::string::npos);

    CHECK(check(stop, acting_on("stop", "nginx"), guard, all).outcome == verdict::confirm);
    CHECK(check(lifecycle("restart", "containers:write", false), acting_on("restart", "nginx"),
                guard, all)
              .outcome == verdict::allow);
  }

  TEST_CASE("reads of a protected container are allowed; unknown scopes defer to the server") {
    protection guard;
    CHECK(check(lifecycle("logs", "containers:read", false), acting_on("logs", "wagmios-backend"),
                guard, key_holding({"containers:read"}))
              .outcome == verdict::allow);
    CHECK(check(lifecycle("start", "containers:write", false),
                acting_on("start", "wagmios-frontend"), guard, key_holding({"*"}))
              .outcome == verdict::allow);
    CHECK(check(lifecycle("restart", "containers:write", false), acting_on("restart", "nginx"),
                guard, std::nullopt)
              .outcome == verdict::allow);
  }

  TEST_CASE("a confirmation is resolved only by its requester, once, before it expires") {
    confirmation_facts facts{"alice", {}, 1000, true};
    CHECK(resolve(facts, "alice", 999, true) == resolution::run);
    CHECK(resolve(facts, "alice", 999, false) == resolution::cancel);
    CHECK(resolve(facts, "bob", 999, true) == resolution::not_yours);
    CHECK(resolve(facts, "bob", 999, false) == resolution::not_yours);
    CHECK(resolve(facts, "alice", 1000, true) == resolution::expired);
    facts.pending = false;
    CHECK(resolve(facts, "alice", 10, true) == resolution::already_resolved);
  }

  TEST_CASE("an agent's request is confirmed by its approvers, never by the agent") {
    confirmation_facts facts{"bot-agent", {"alice", "carol"}, 1000, true};
    CHECK(resolve(facts, "bot-agent", 5, true) == resolution::not_yours);
    CHECK(resolve(facts, "bot-agent", 5, false) == resolution::cancel);  // it may withdraw
    CHECK(resolve(facts, "carol", 5, true) == resolution::run);
    CHECK(resolve(facts, "alice", 5, false) == resolution::cancel);
    CHECK(resolve(facts, "mallory", 5, true) == resolution::not_yours);
  }

  TEST_CASE("an agent listed as its own approver still cannot say yes to its own request") {
    confirmation_facts facts{"bot-agent", {"bot-agent", "alice"}, 1000, true, true};
    CHECK_FALSE(may_resolve(facts, "bot-agent", true));
    CHECK(resolve(facts, "bot-agent", 5, true) == resolution::not_yours);
    CHECK(resolve(facts, "bot-agent", 5, false) == resolution::cancel);
    CHECK(resolve(facts, "alice", 5, true) == resolution::run);
    // An agent with no approvers at all cannot confirm its own request either.
    confirmation_facts alone{"bot-agent", {}, 1000, true, true};
    CHECK(resolve(alone, "bot-agent", 5, true) == resolution::not_yours);
    CHECK(resolve(alone, "bot-agent", 5, false) == resolution::cancel);
  }

  TEST_CASE("containers are matched like the docker CLI, plus unique name prefixes") {
    std::vector<wagbot::protocol::container> all(3);
    all[0].name = "nginx";
    all[0].id = "abc123";
    all[1].name = "nginx-proxy";
    all[1].id = "abd456";
    all[2].name = "redis";
    all[2].id = "ff0011";
    CHECK(match_containers(all, "nginx").size() == 1);  // an exact name wins over prefixes
    CHECK(match_containers(all, "ngi").size() == 2);
    CHECK(match_containers(all, "ab").empty());  // ids from 3 characters only
    CHECK(match_containers(all, "abd").front().name == "nginx-proxy");
    CHECK(match_containers(all, "ff0011").front().name == "redis");
    CHECK(match_containers(all, "mysql").empty());
  }

  TEST_CASE("a name that matches nothing gets the names it most likely meant") {
    std::vector<wagbot::protocol::container> all(4);
    all[0].name = "wagmios-backend";
    all[1].name = "media-jellyfin-1";
    all[2].name = "postgres";
    all[3].name = "redis";
    auto names = [&](const char* typed) {
      std::vector<std::string> out;
      for (const auto& n : closest_containers(all, typed)) out.push_back(n.name);
      return out;
    };
    using list = std::vector<std::string>;
    CHECK(names("backend") == list{"wagmios-backend"});  // a part of it
    CHECK(names("jellyfin") == list{"media-jellyfin-1"});
    CHECK(names("postgers") == list{"postgres"});  // two letters swapped
    CHECK(names("Redis") == list{"redis"});
    CHECK(names("reds") == list{"redis"});
    CHECK(names("mysql").empty());
    CHECK(closest_containers(all, "").empty());
  }

  TEST_CASE("the protected-container and id-prefix rules") {
    const protection guard;
    wagbot::core::command_spec stop;
    stop.name = "stop";
    stop.targets_container = true;
    stop.scope = "containers:write";
    wagbot::core::command_spec logs = stop;
    logs.name = "logs";
    CHECK(refuses_target(stop, guard, "wagmios-backend"));
    CHECK_FALSE(refuses_target(logs, guard, "wagmios-backend"));
    CHECK_FALSE(refuses_target(stop, guard, "nginx"));
    CHECK(unverifiable_id(stop, "abc1", false));
    CHECK_FALSE(unverifiable_id(stop, "abc1", true));
    CHECK_FALSE(unverifiable_id(stop, "nginx", false));
    CHECK_FALSE(unverifiable_id(logs, "abc1", false));
    CHECK(stop.writes());
  }

  TEST_CASE(
      "spellings Docker would resolve to another container never pass; protection ignores case") {
    for (const char* bad : {"/wagmios-backend", "wagmios-backend/", "..%2Fwagmios-backend", "a/b",
                            "a\\b", "nginx\n", "nginx\x01", "-nginx", ".nginx", "", "ngi nx"})
      CHECK_MESSAGE(malformed_container(bad).has_value(), bad);
    for (const char* good : {"nginx", "my_app.1", "a1b2c3", "Redis-Cache"})
      CHECK_MESSAGE(!malformed_container(good).has_value(), good);
    CHECK(malformed_container("x\ty")->find("x?y") !=
          std::string::npos);  // control characters not echoed
    const protection guard;
    CHECK(guard.covers("WAGMIOS-Backend"));
    CHECK(guard.covers("Wagmios-Frontend"));
    std::vector<wagbot::protocol::container> known(1);
    known[0].name = "wagmios-backend";
    known[0].id = "abcdef123456";
    CHECK(guard.covers("ABCDEF", known));
  }
}