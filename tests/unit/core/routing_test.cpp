#include "wagbot/core/routing.hpp"

#include <doctest/doctest.h>

using wagbot::core::route;
using host_list = std::vector<std::string>;

TEST_SUITE("core") {
  TEST_CASE("explicit host, all, room default, then the only host") {
    const host_list mine{"media", "nas"};
    CHECK(*route("nas", std::nullopt, mine, false) == host_list{"nas"});
    CHECK(*route("all", std::nullopt, mine, true) == mine);
    CHECK(*route("", std::string("media"), mine, false) == host_list{"media"});
    CHECK(*route("", std::nullopt, host_list{"nas"}, false) == host_list{"nas"});
  }

  TEST_CASE("a listing with no host named runs on every host; the room's default still wins") {
    const host_list mine{"media", "nas"};
    CHECK(*route("", std::nullopt, mine, true, true) == mine);
    CHECK(*route("", std::string("nas"), mine, true, true) == host_list{"nas"});
    CHECK(route("pi", std::nullopt, host_list{"nas"}, true, true)
              .error()
              .starts_with("You have no key for `pi`"));
  }

  TEST_CASE("a mistyped host gets the one it most likely meant") {
    const host_list mine{"backup", "media", "nas"};
    CHECK(route("nsa", std::nullopt, mine, true).error() ==
          "You have no key for `nsa`: did you mean @nas?");
    CHECK(route("meda", std::nullopt, mine, false).error() ==
          "You have no key for `meda`: did you mean @media?");
    CHECK(route("bakcup", std::nullopt, mine, false).error().ends_with("did you mean @backup?"));
    // Too far from every host, or as near to two: the list instead of a guess.
    CHECK(route("pi", std::nullopt, mine, false).error() ==
          "You have no key for `pi`. Your hosts: @backup, @media, @nas.");
    CHECK(route("na", std::nullopt, host_list{"nas", "nap"}, false).error().find("Your hosts") !=
          std::string::npos);
  }

  TEST_CASE("every dead end says what to do") {
    const host_list mine{"media", "nas"};
    auto which = route("", std::nullopt, mine, true);
    REQUIRE_FALSE(which.has_value());
    CHECK(which.error().find("@media, @nas or @all") != std::string::npos);

    auto foreign = route("pi", std::nullopt, mine, false);
    REQUIRE_FALSE(foreign.has_value());
    CHECK(foreign.error().find("no key for `pi`") != std::string::npos);

    auto none = route("", std::nullopt, {}, false);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().find("key add") != std::string::npos);

    // A room default the user holds no key for is not used.
    CHECK_FALSE(route("", std::string("pi"), mine, false).has_value());
    CHECK_FALSE(route("all", std::nullopt, mine, false).has_value());
  }
}
