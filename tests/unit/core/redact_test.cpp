#include "wagbot/core/redact.hpp"

#include <doctest/doctest.h>

#include "wagbot/core/log.hpp"

using namespace wagbot::core;

namespace {
const std::string key = "wag_live_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde=";
}

TEST_SUITE("core") {
  TEST_CASE("a key shape is recognised exactly") {
    REQUIRE(key.size() == 53);
    CHECK(is_key(key));
    CHECK_FALSE(is_key(key.substr(0, 52)));
    CHECK_FALSE(is_key("wag_test_" + key.substr(9)));
    CHECK(contains_key("my key is " + key + ", thanks"));
    CHECK_FALSE(contains_key("wag_live_ is the prefix"));
  }

  TEST_CASE("redaction keeps the last four characters and nothing else of the key") {
    const auto out = redact("key add nas " + key + " please");
    CHECK(out == "key add nas wag_live_…cde= please");
    CHECK(out.find(key.substr(9, 20)) == std::string::npos);
    CHECK(redact("token=s3cr3t!", "s3cr3t!") == "token=***");
  }

  TEST_CASE("a logger never lets a key through to its sink") {
    std::string seen;
    logger log(log_level::debug,
               [&](log_level, std::string_view, std::string_view line) { seen = line; });
    log.info("user pasted {}", key);
    CHECK(seen.find(key) == std::string::npos);
    CHECK(seen.find("wag_live_…") != std::string::npos);
    logger quiet(log_level::error,
                 [&](log_level, std::string_view, std::string_view line) { seen = line; });
    seen.clear();
    quiet.info("not shown");
    CHECK(seen.empty());
  }
}
