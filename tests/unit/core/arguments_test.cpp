#include "wagbot/core/arguments.hpp"

#include <doctest/doctest.h>

using namespace wagbot::core;

TEST_SUITE("core") {
  TEST_CASE("ports: 1 to 65535, a protocol only where allowed") {
    for (const char* ok : {"1", "80", "8080", "65535", "53/udp", "443/tcp"})
      CHECK_MESSAGE(!bad_port(ok), ok);
    for (const char* bad :
         {"0", "65536", "99999", "", "-1", "80a", "8o", "123456", "80/sctp", "/tcp"})
      CHECK_MESSAGE(bad_port(bad), bad);
    CHECK(bad_port("53/udp", false));
    CHECK(bad_port("70000")->find("1 to 65535") != std::string::npos);
  }

  TEST_CASE("container env names and values, as WAGMIOS checks them") {
    CHECK(!bad_env("TZ", "UTC"));
    CHECK(!bad_env("_private", ""));
    CHECK(!bad_env("lower_case9", "x=y"));
    CHECK(bad_env("9LIVES", "x"));
    CHECK(bad_env("MY-VAR", "x"));
    CHECK(bad_env("", "x"));
    CHECK(bad_env("A", "line\nbreak"));
    CHECK(bad_env("A", std::string("nul\0here", 8)));
  }

  TEST_CASE("app settings are upper case") {
    CHECK(!bad_app_setting("PLEX_CLAIM", "claim-123"));
    CHECK(bad_app_setting("tz", "UTC"));
    CHECK(bad_app_setting("2FA", "x"));
    CHECK(bad_app_setting("TZ", "a\rb"));
  }

  TEST_CASE("names, images, app ids and project names") {
    CHECK(!bad_container_name("web"));
    CHECK(!bad_container_name("my_app.v2-1"));
    CHECK(bad_container_name("-web"));
    CHECK(bad_container_name("web server"));
    CHECK(bad_container_name(std::string(129, 'a')));
    CHECK(!bad_image("ghcr.io/org/app:1.2@sha256:abc"));
    CHECK(bad_image("nginx alpine"));
    CHECK(bad_image(":latest"));
    CHECK(!bad_app_id("uptime-kuma"));
    CHECK(bad_app_id("Uptime_Kuma"));
    CHECK(bad_app_id("Uptime_Kuma", "project name")->find("`uptime-kuma` would do") !=
          std::string::npos);
    CHECK(bad_app_id(std::string(64, 'a')));
    CHECK(slug("My App!") == "my-app");
  }

  TEST_CASE("volume targets are absolute, without ..") {
    CHECK(!bad_volume_target("/data"));
    CHECK(!bad_volume_target("/var/lib/app..old"));
    CHECK(bad_volume_target("data"));
    CHECK(bad_volume_target("/data/../etc"));
    CHECK(bad_volume_target("/.."));
    CHECK(bad_volume_target(""));
  }
}
