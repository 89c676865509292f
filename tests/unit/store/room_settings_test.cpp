#include "wagbot/store/room_settings.hpp"

#include <doctest/doctest.h>

using wagbot::store::database;
using wagbot::store::room_settings;

TEST_SUITE("store") {
  TEST_CASE("room default host is per network and room") {
    database db(":memory:");
    room_settings rooms(db);
    CHECK_FALSE(rooms.default_host("matrix", "!ops:example.org"));

    rooms.set_default_host("matrix", "!ops:example.org", "nas");
    rooms.set_default_host("discord", "!ops:example.org", "pi");
    CHECK(rooms.default_host("matrix", "!ops:example.org") == std::string("nas"));
    CHECK(rooms.default_host("discord", "!ops:example.org") == std::string("pi"));
    CHECK_FALSE(rooms.default_host("matrix", "!other:example.org"));

    rooms.set_default_host("matrix", "!ops:example.org", "media");
    CHECK(rooms.default_host("matrix", "!ops:example.org") == std::string("media"));

    CHECK(rooms.clear_default_host("matrix", "!ops:example.org"));
    CHECK_FALSE(rooms.clear_default_host("matrix", "!ops:example.org"));
    CHECK_FALSE(rooms.default_host("matrix", "!ops:example.org"));
    CHECK(rooms.default_host("discord", "!ops:example.org") == std::string("pi"));
  }
}
