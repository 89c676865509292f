#include "wagbot/store/vault.hpp"

#include <cctype>
#include <fstream>
#include <iterator>

#include <sys/stat.h>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "temp_dir.hpp"
#include "wagbot/store/base64.hpp"

using wagbot::store::load_or_create_master_key;
using wagbot::store::master_key;
using wagbot::store::vault;

namespace {

master_key sample_key(unsigned char seed) {
  master_key key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(seed + i);
  return key;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned mode_of(const std::filesystem::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_SUITE("store") {
  TEST_CASE("vault round-trips a secret bound to its aad") {
    const vault v(sample_key(1));
    const std::string secret = "wag_live_0123456789abcdefghijklmnopqrstuv";
    const auto sealed = v.seal(secret, "alice\nnas");
    CHECK(sealed.starts_with("v1:"));
    CHECK(sealed.find(secret) == std::string::npos);
    CHECK(v.open(sealed, "alice\nnas") == secret);
    CHECK(v.open(v.seal("", "x"), "x") == std::string{});
  }

  TEST_CASE("vault refuses tampered, foreign or malformed ciphertext") {
    const vault v(sample_key(1));
    const auto sealed = v.seal("wag_live_secret", "alice\nnas");

    SUBCASE("one flipped byte anywhere in nonce, body or tag") {
      const auto raw = wagbot::store::base64_decode(sealed.substr(3));
      REQUIRE(raw);
      for (std::size_t i = 0; i < raw->size(); ++i) {
        auto tampered = *raw;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        CHECK_FALSE(v.open("v1:" + wagbot::store::base64_encode(tampered), "alice\nnas"));
      }
    }
    SUBCASE("wrong aad: the ciphertext of another row") {
      CHECK_FALSE(v.open(sealed, "mallory\nnas"));
      CHECK_FALSE(v.open(sealed, "alice\nnas2"));
      CHECK_FALSE(v.open(sealed, ""));
    }
    SUBCASE("another master key") {
      CHECK_FALSE(vault(sample_key(2)).open(sealed, "alice\nnas"));
    }
    SUBCASE("malformed text") {
      CHECK_FALSE(v.open("", "alice\nnas"));
      CHECK_FALSE(v.open("v2:" + sealed.substr(3), "alice\nnas"));
      CHECK_FALSE(v.open("v1:not base64!", "alice\nnas"));
      CHECK_FALSE(v.open("v1:" + wagbot::store::base64_encode("too short"), "alice\nnas"));
      CHECK_FALSE(v.open(sealed.substr(0, sealed.size() - 4), "alice\nnas"));
    }
  }

  TEST_CASE("two seals of the same text differ") {
    const vault v(sample_key(1));
    const auto a = v.seal("wag_live_same", "alice\nnas");
    const auto b = v.seal("wag_live_same", "alice\nnas");
    CHECK(a != b);
    CHECK(v.open(a, "alice\nnas") == v.open(b, "alice\nnas"));
  }

  TEST_CASE("master key file is generated owner-only and reused") {
    wagbot::store::test::temp_dir dir;
    const auto file = dir / "secrets/nested/master.key";
    const auto first = load_or_create_master_key(file, nullptr);
    CHECK(mode_of(file) == 0600);
    const auto text = read_file(file);
    const auto decoded = wagbot::store::base64_decode(text.substr(0, text.find('\n')));
    REQUIRE(decoded);
    CHECK(decoded->size() == 32);
    CHECK(load_or_create_master_key(file, nullptr) == first);
    CHECK(load_or_create_master_key(file, "") == first);  // empty env falls back to the file
    CHECK(first != master_key{});
  }

  TEST_CASE("master key file readable by others is refused") {
    wagbot::store::test::temp_dir dir;
    const auto file = dir / "master.key";
    load_or_create_master_key(file, nullptr);
    std::filesystem::permissions(file, std::filesystem::perms(0644));
    CHECK_THROWS_WITH_AS(load_or_create_master_key(file, nullptr), doctest::Contains("chmod 600"),
                         std::runtime_error);
    std::filesystem::permissions(file, std::filesystem::perms(0640));
    CHECK_THROWS_AS(load_or_create_master_key(file, nullptr), std::runtime_error);
  }

  TEST_CASE("master key file with bad content is refused") {
    wagbot::store::test::temp_dir dir;
    const auto file = dir / "master.key";
    std::ofstream(file) << "c2hvcnQ=\n";
    std::filesystem::permissions(file, std::filesystem::perms(0600));
    CHECK_THROWS_AS(load_or_create_master_key(file, nullptr), std::runtime_error);
  }

  TEST_CASE("master key from the environment: hex or base64, never echoed") {
    wagbot::store::test::temp_dir dir;
    const auto file = dir / "unused.key";
    const auto expected = sample_key(0xa0);
    std::string hex;
    for (const auto b : expected) hex += fmt::format("{:02x}", b);
    CHECK(load_or_create_master_key(file, hex.c_str()) == expected);
    std::string upper = hex;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(load_or_create_master_key(file, upper.c_str()) == expected);

    const auto b64 = wagbot::store::base64_encode(
        std::string_view(reinterpret_cast<const char*>(expected.data()), expected.size()));
    CHECK(load_or_create_master_key(file, b64.c_str()) == expected);
    CHECK(load_or_create_master_key(file, (b64 + "\n").c_str()) == expected);
    CHECK_FALSE(std::filesystem::exists(file));  // the env wins; nothing is written

    for (const std::string& bad :
         {std::string("not-a-key-at-all"), hex.substr(2), hex + "00", "zz" + hex.substr(2),
          wagbot::store::base64_encode("only sixteen b..")}) {
      try {
        load_or_create_master_key(file, bad.c_str());
        FAIL("accepted a bad key: length " << bad.size());
      } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        CHECK(message.find("WAGBOT_MASTER_KEY") != std::string::npos);
        CHECK(message.find(bad) == std::string::npos);
      }
    }
  }
}
