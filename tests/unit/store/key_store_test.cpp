#include "wagbot/store/key_store.hpp"

#include <fstream>
#include <iterator>

#include <doctest/doctest.h>

#include "temp_dir.hpp"

using wagbot::store::database;
using wagbot::store::key_store;
using wagbot::store::master_key;
using wagbot::store::vault;

namespace {

master_key filled_key(unsigned char fill) {
  master_key key{};
  key.fill(fill);
  return key;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_SUITE("store") {
  TEST_CASE("key_store put, get, list, overwrite, remove") {
    database db(":memory:");
    const vault v(filled_key(7));
    key_store keys(db, v);

    CHECK_FALSE(keys.get("alice", "nas"));
    CHECK(keys.list("alice").empty());

    keys.put("alice", "nas", "http://nas.lan:5179", "wag_live_aaaaaaaaaaaa12345678", 100);
    keys.put("alice", "media", "http://media.lan:5179", "wag_live_bbbbbbbbbbbbabcdefgh", 200);
    keys.put("bob", "nas", "http://nas.lan:5179", "wag_live_cccccccccccc87654321", 300);

    const auto nas = keys.get("alice", "nas");
    REQUIRE(nas);
    CHECK(nas->user == "alice");
    CHECK(nas->alias == "nas");
    CHECK(nas->url == "http://nas.lan:5179");
    CHECK(nas->secret == "wag_live_aaaaaaaaaaaa12345678");
    CHECK(nas->suffix == "12345678");
    CHECK(nas->added_at == 100);

    const auto listed = keys.list("alice");
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].alias == "media");  // sorted by alias
    CHECK(listed[1].alias == "nas");
    CHECK(listed[0].secret == "wag_live_bbbbbbbbbbbbabcdefgh");
    CHECK(keys.get("bob", "nas")->secret == "wag_live_cccccccccccc87654321");  // per user

    keys.put("alice", "nas", "https://nas.example:443", "wag_live_dddddddddddd00000000", 400);
    const auto replaced = keys.get("alice", "nas");
    REQUIRE(replaced);
    CHECK(replaced->url == "https://nas.example:443");
    CHECK(replaced->secret == "wag_live_dddddddddddd00000000");
    CHECK(replaced->suffix == "00000000");
    CHECK(replaced->added_at == 400);
    CHECK(keys.list("alice").size() == 2);

    CHECK(keys.remove("alice", "nas"));
    CHECK_FALSE(keys.remove("alice", "nas"));
    CHECK_FALSE(keys.get("alice", "nas"));
    CHECK(keys.list("alice").size() == 1);
    CHECK(keys.get("bob", "nas"));  // bob's key of the same alias is untouched
  }

  TEST_CASE("key_store names the owner of a key by its last 8 characters, per host") {
    database db(":memory:");
    const vault v(filled_key(7));
    key_store keys(db, v);
    keys.put("alice", "nas", "http://nas.lan:5179", "wag_live_aaaaaaaaaaaa12345678", 100);
    keys.put("bob", "nas", "http://nas.lan:5179", "wag_live_bbbbbbbbbbbbabcdefgh", 100);
    keys.put("carol", "media", "http://media.lan:5179", "wag_live_cccccccccccc12345678", 100);
    CHECK(keys.owner("nas", "12345678") == "alice");
    CHECK(keys.owner("media", "12345678") == "carol");
    CHECK(keys.owner("nas", "abcdefgh") == "bob");
    CHECK_FALSE(keys.owner("nas", "zzzzzzzz"));
    CHECK_FALSE(keys.owner("nas", ""));
    keys.put("dave", "nas", "http://nas.lan:5179", "wag_live_dddddddddddd12345678", 100);
    CHECK_FALSE(keys.owner("nas", "12345678"));  // two alike: neither is named
  }

  TEST_CASE("key_store skips keys that no longer decrypt") {
    wagbot::store::test::temp_dir dir;
    const auto path = (dir / "wagbot.db").string();
    {
      database db(path);
      const vault v(filled_key(1));
      key_store keys(db, v);
      keys.put("alice", "nas", "http://nas.lan", "wag_live_old_master_key_1", 1);
    }
    database db(path);
    const vault other(filled_key(2));
    key_store keys(db, other);
    keys.put("alice", "pi", "http://pi.lan", "wag_live_new_master_key_2", 2);
    CHECK_FALSE(keys.get("alice", "nas"));
    const auto listed = keys.list("alice");
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].alias == "pi");
    CHECK(keys.unreadable("alice") == std::vector<std::string>{"nas"});
  }

  TEST_CASE("a sealed key cannot be moved to another user's row") {
    database db(":memory:");
    const vault v(filled_key(3));
    key_store keys(db, v);
    keys.put("alice", "nas", "http://nas.lan", "wag_live_alice_only", 1);
    keys.put("mallory", "nas", "http://nas.lan", "wag_live_mallory", 1);
    // Copy alice's ciphertext into mallory's row, as someone with write access to the file could.
    db.sql().exec(
        "UPDATE host_keys SET sealed_key = (SELECT sealed_key FROM host_keys"
        " WHERE user_name = 'alice') WHERE user_name = 'mallory'");
    CHECK_FALSE(keys.get("mallory", "nas"));
    CHECK(keys.get("alice", "nas")->secret == "wag_live_alice_only");
  }

  TEST_CASE("the secret never reaches the database file or its WAL") {
    wagbot::store::test::temp_dir dir;
    const auto path = dir / "wagbot.db";
    const std::string secret = "wag_live_Zq8rT3vXk9LmN2pQ7sW4yB6cD1fG5hJ0";
    const vault v(filled_key(9));
    {
      database db(path.string());
      key_store keys(db, v);
      keys.put("alice", "nas", "http://nas.lan", secret, 1);
      keys.put("alice", "nas", "http://nas.lan", secret, 2);  // the replaced row too
      keys.put("alice", "pi", "http://pi.lan", secret, 3);
      REQUIRE(keys.get("alice", "nas")->secret == secret);

      // While open, the data sits in the WAL: check that first.
      const auto wal = std::filesystem::path(path.string() + "-wal");
      REQUIRE(std::filesystem::exists(wal));
      const auto wal_bytes = read_bytes(wal);
      CHECK(wal_bytes.size() > 0);
      CHECK(wal_bytes.find(secret) == std::string::npos);
      CHECK(wal_bytes.find("Zq8rT3vXk9LmN2pQ7sW4yB6cD1fG5hJ0") == std::string::npos);
      db.sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    bool found_any_file = false;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
      found_any_file = true;
      const auto bytes = read_bytes(entry.path());
      CHECK_MESSAGE(bytes.find(secret) == std::string::npos, entry.path().string());
      CHECK(bytes.find("Zq8rT3vXk9LmN2pQ7sW4yB6cD1fG5hJ0") == std::string::npos);
    }
    CHECK(found_any_file);
    // The suffix is stored in clear on purpose, so the file is not just empty or unreadable.
    const auto db_bytes = read_bytes(path);
    CHECK(db_bytes.find("D1fG5hJ0") != std::string::npos);
  }
}
