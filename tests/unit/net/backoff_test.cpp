#include "wagbot/net/backoff.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using wagbot::net::backoff;
using wagbot::net::backoff_policy;

TEST_CASE("backoff grows by its factor up to the cap, each wait jittered below the step") {
  backoff b(backoff_policy{100ms, 1000ms, 2.0, 0.5}, 7);
  const std::chrono::milliseconds steps[] = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
  for (auto step : steps) {
    const auto wait = b.next();
    CHECK(wait <= step);
    CHECK(wait >= step / 2);
  }
  CHECK(b.failures() == 6);
}

TEST_CASE("backoff starts over after reset") {
  backoff b(backoff_policy{100ms, 10'000ms, 2.0, 0.0}, 1);
  b.next();
  b.next();
  CHECK(b.next() == 400ms);
  b.reset();
  CHECK(b.failures() == 0);
  CHECK(b.next() == 100ms);
}

TEST_CASE("backoff with the same seed draws the same waits; jitter spreads them") {
  backoff a(backoff_policy{}, 42), b(backoff_policy{}, 42), c(backoff_policy{}, 43);
  bool differs = false;
  for (int i = 0; i < 8; ++i) {
    const auto x = a.next();
    CHECK(x == b.next());
    differs = differs || x != c.next();
  }
  CHECK(differs);
}
