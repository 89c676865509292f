#include "wagbot/store/migrations.hpp"

#include <doctest/doctest.h>

TEST_SUITE("store") {
  TEST_CASE("every migration has SQL to run") {
    const auto all = wagbot::store::migrations();
    REQUIRE_FALSE(all.empty());
    for (const auto sql : all) CHECK(sql.find("CREATE") != std::string_view::npos);
  }
}
