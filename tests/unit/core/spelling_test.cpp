#include "wagbot/core/spelling.hpp"

#include <doctest/doctest.h>

using namespace wagbot::core;

TEST_SUITE("core") {
  TEST_CASE("edit distance counts a swap of neighbours as one edit") {
    CHECK(edit_distance("nsa", "nas") == 1);
    CHECK(edit_distance("nas", "nas") == 0);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("ab", "ba") == 1);
    CHECK(edit_distance("ca", "abc") == 3);  // optimal string alignment, not full Damerau
  }

  TEST_CASE(
      "nearest: one edit for short words, two for longer, a whole part counts, case ignored") {
    const std::vector<spelling> names{{"nas", {"nas"}},
                                      {"media", {"media"}},
                                      {"media-jellyfin-1", {"media-jellyfin-1", "jellyfin"}}};
    auto near = nearest("NSA", names);
    REQUIRE(near.size() == 1);
    CHECK(near[0].name == "nas");
    CHECK(near[0].distance == 1);
    CHECK(nearest("jelyfin", names).front().name == "media-jellyfin-1");  // 7 letters: 2 edits
    CHECK(nearest("jelly", names).front().distance == 0);                 // held whole
    CHECK(nearest("redis", names).empty());  // "media" is two edits away: too far for 5 letters
    CHECK(nearest("", names).empty());
    CHECK(nearest("med", names, 1).size() == 1);  // at most `most`
  }

  TEST_CASE("the one meant is the nearest only when nothing else is as near") {
    CHECK(the_one_meant("nsa", {{"nas", {"nas"}}, {"pi", {"pi"}}}) == "nas");
    CHECK(the_one_meant("na", {{"nas", {"nas"}}, {"nap", {"nap"}}}).empty());
    CHECK(the_one_meant("fridge", {{"nas", {"nas"}}}).empty());
  }

  TEST_CASE("choices are written as people list them") {
    CHECK(choices({{"a", 0}}) == "`a`");
    CHECK(choices({{"a", 0}, {"b", 1}}) == "`a` or `b`");
    CHECK(choices({{"a", 0}, {"b", 1}, {"c", 1}}) == "`a`, `b` or `c`");
  }
}
