#include "wagbot/store/base64.hpp"

#include <doctest/doctest.h>

using wagbot::store::base64_decode;
using wagbot::store::base64_encode;

TEST_SUITE("store") {
  TEST_CASE("base64 matches the RFC 4648 test vectors") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_decode("") == std::string{});
    CHECK(base64_decode("Zg==") == std::string("f"));
    CHECK(base64_decode("Zm8=") == std::string("fo"));
    CHECK(base64_decode("Zm9vYmFy") == std::string("foobar"));
  }

  TEST_CASE("base64 round-trips binary bytes, including NUL") {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    for (std::size_t len = 0; len <= bytes.size(); len += 17) {
      const auto part = bytes.substr(0, len);
      CHECK(base64_decode(base64_encode(part)) == part);
    }
  }

  TEST_CASE("base64 rejects malformed text") {
    CHECK_FALSE(base64_decode("Zg="));    // length not a multiple of 4
    CHECK_FALSE(base64_decode("Zg=a"));   // padding in the middle
    CHECK_FALSE(base64_decode("Z==="));   // too much padding
    CHECK_FALSE(base64_decode("Zm9*"));   // not in the alphabet
    CHECK_FALSE(base64_decode(" Zm9v"));  // whitespace is the caller's business
    CHECK_FALSE(base64_decode("Zm9v\n"));
  }
}
