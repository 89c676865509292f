#include "wagbot/core/reply.hpp"

#include <doctest/doctest.h>

using namespace wagbot::core;

TEST_SUITE("core") {
  TEST_CASE("plain rendering aligns table columns by characters, not bytes") {
    chat_reply r;
    r.text("2 containers:");
    r.add_table({{"name", "status"}, {{"nginx", "● running"}, {"redis-cache", "○ exited"}}});
    CHECK(r.plain() ==
          "2 containers:\n"
          "name         status\n"
          "nginx        ● running\n"
          "redis-cache  ○ exited");
  }

  TEST_CASE("reply codes: every code's wire name reads back as the same code") {
    int named = 0;
    for (int i = 0; i <= static_cast<int>(reply_code::still_running); ++i) {
      const auto code = static_cast<reply_code>(i);
      CAPTURE(i);
      const auto name = to_string(code);
      CHECK(name.empty() == (code == reply_code::none));
      REQUIRE(parse_reply_code(name).has_value());
      CHECK(*parse_reply_code(name) == code);
      named += !name.empty();
    }
    CHECK(named == static_cast<int>(reply_code::still_running));
  }

  TEST_CASE("reply codes: the wire names agents already read") {
    CHECK(to_string(reply_code::scope_required) == "SCOPE_REQUIRED");
    CHECK(to_string(reply_code::invalid_request) == "INVALID_REQUEST");
    CHECK(to_string(reply_code::ambiguous) == "AMBIGUOUS");
    CHECK(to_string(reply_code::unknown_user) == "UNKNOWN_USER");
    CHECK(to_string(reply_code::no_host) == "NO_HOST");
    CHECK(to_string(reply_code::protected_container) == "PROTECTED");
    CHECK(to_string(reply_code::not_found) == "NOT_FOUND");
    CHECK(to_string(reply_code::planner_refused) == "PLANNER_REFUSED");
    CHECK(to_string(reply_code::host_unreachable) == "HOST_UNREACHABLE");
    CHECK(parse_reply_code("DOCKER_ERROR") == reply_code::docker_error);
    CHECK(parse_reply_code("BLOCKED_VOLUME") == reply_code::blocked_volume);
    CHECK_FALSE(parse_reply_code("NOT_A_CODE").has_value());
    CHECK_FALSE(parse_reply_code("scope_required").has_value());  // names are exact
    CHECK(chat_reply{}.error_code == reply_code::none);
  }
}
