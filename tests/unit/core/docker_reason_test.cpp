#include "wagbot/core/docker_reason.hpp"

#include <doctest/doctest.h>

using namespace wagbot;
using namespace wagbot::core;

namespace {
protocol::activity_event event(std::string type, std::string action, std::string target,
                               std::string status, std::string agent, protocol::json details) {
  protocol::activity_event e;
  e.type = std::move(type);
  e.action = std::move(action);
  e.target = std::move(target);
  e.status = std::move(status);
  e.agent = std::move(agent);
  e.details = std::move(details);
  return e;
}
}  // namespace

TEST_SUITE("core") {
  TEST_CASE("a failed call names the event it leaves, and the acting key's last 8 characters") {
    auto start = failed_action_of("start", "web", "wag_live_abcdefgh12345678");
    REQUIRE(start);
    CHECK(start->type == "container_action");
    CHECK(start->action == "start");
    CHECK(start->target == "web");
    CHECK(start->agent == "12345678");
    CHECK(failed_action_of("rm", "web", "k")->action == "delete");
    CHECK(failed_action_of("pull", "alpine:3.20", "k")->type == "image_pull");
    CHECK(failed_action_of("rmi", "sha256:ab", "k")->type == "image_delete");
    CHECK(failed_action_of("run", "web", "k")->target.empty());  // a failed create has no id
    CHECK_FALSE(failed_action_of("logs", "web", "k"));
  }

  TEST_CASE("docker's words come from the newest matching error event, by type, agent and target") {
    const failed_action what{"container_action", "start", "web", "12345678"};
    const std::vector<protocol::activity_event> events{
        event("container_action", "start", "web", "error", "12345678",
              {{"container_id", "web"}, {"details", "older failure\n"}}),
        event("container_action", "start", "web", "error", "12345678",
              {{"container_id", "web"},
               {"details", "Error response from daemon: No such container: web\n"}}),
        event("container_action", "start", "web", "error", "ffffffff",
              {{"container_id", "web"}, {"details", "someone else's\n"}}),
        event("container_action", "start", "db", "error", "12345678",
              {{"container_id", "db"}, {"details", "another container\n"}}),
        event("container_action", "stop", "web", "error", "12345678",
              {{"container_id", "web"}, {"details", "another action\n"}}),
        event("container_action", "start", "web", "success", "12345678",
              {{"container_id", "web"}, {"details", ""}}),
    };
    auto words = docker_words(events, what);
    REQUIRE(words);
    CHECK(*words == "Error response from daemon: No such container: web\n");
    CHECK_FALSE(docker_words({}, what));
    CHECK_FALSE(docker_words({events[5]}, what));  // a success says nothing
  }

  TEST_CASE("an image event's details are plain text; the pending event is passed over") {
    const failed_action what{"image_pull", "pull", "alpine:3.20", "12345678"};
    const std::vector<protocol::activity_event> events{
        event("image_pull", "pull", "alpine:3.20", "pending", "12345678", {}),
        event("image_pull", "pull", "alpine:3.20", "error", "12345678",
              "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: "
              "lookup registry-1.docker.io: no such host\n"),
    };
    auto words = docker_words(events, what);
    REQUIRE(words);
    CHECK(plain_docker_reason(*words) ==
          "registry unreachable (Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup "
          "registry-1.docker.io: no such host)");
  }

  TEST_CASE("plain reasons for docker's usual failures; anything else is its own first line") {
    CHECK(plain_docker_reason("Error response from daemon: No such container: nosuch\n") ==
          "no such container (No such container: nosuch)");
    CHECK(plain_docker_reason("invalid reference format\n") ==
          "not a valid image name (invalid reference format)");
    CHECK(plain_docker_reason("Error response from daemon: driver failed: Bind for 0.0.0.0:80 "
                              "failed: port is already allocated") ==
          "the port is already taken (driver failed: Bind for 0.0.0.0:80 failed: port is "
          "already allocated)");
    CHECK(plain_docker_reason("something new\nmore") == "something new");
    // The phrase is looked for in the whole line, even past where it is cut for display.
    CHECK(plain_docker_reason(std::string(250, 'x') + ": bind: address already in use")
              .starts_with("the port is already taken (xxx"));
  }

  TEST_CASE("one line: the first line that says something, trimmed and cut") {
    CHECK(one_line("\n  \nyaml: line 3: mapping values are not allowed\n  at x\n") ==
          "yaml: line 3: mapping values are not allowed");
    CHECK(one_line("exit status 1") == "exit status 1");
    CHECK(one_line("") == "");
    CHECK(one_line(std::string(300, 'a'), 10) == std::string(10, 'a') + "…");
    CHECK(one_line("ééééé", 3) == "é…");  // never cuts a character in two
  }

  TEST_CASE("compose's reason: its last line that names an error, put plainly") {
    CHECK(compose_reason(" Network web_default  Created\n Container web-web-1  Created\n"
                         "Error response from daemon: driver failed programming external "
                         "connectivity: Bind for 0.0.0.0:8096 failed: port is already allocated\n"
                         " Container web-web-1  Starting\n") ==
          "the port is already taken (driver failed programming external connectivity: Bind for "
          "0.0.0.0:8096 failed: port is already allocated)");
    CHECK(compose_reason("exit status 1") == "exit status 1");
  }
}
