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
}
