#include "wagbot/store/kv_store.hpp"

#include <doctest/doctest.h>

using wagbot::store::database;
using wagbot::store::kv_store;

TEST_SUITE("store") {
  TEST_CASE("kv_store sets, replaces and erases named values") {
    database db(":memory:");
    kv_store kv(db);
    CHECK_FALSE(kv.get("matrix.next_batch"));

    kv.set("matrix.next_batch", "s1_2_3");
    kv.set("discord.session", R"({"session_id":"abc","seq":42})");
    CHECK(kv.get("matrix.next_batch") == std::string("s1_2_3"));
    CHECK(kv.get("discord.session") == std::string(R"({"session_id":"abc","seq":42})"));

    kv.set("matrix.next_batch", "s9_9_9");
    CHECK(kv.get("matrix.next_batch") == std::string("s9_9_9"));

    kv.set("empty", "");
    CHECK(kv.get("empty") == std::string{});

    CHECK(kv.erase("matrix.next_batch"));
    CHECK_FALSE(kv.erase("matrix.next_batch"));
    CHECK_FALSE(kv.get("matrix.next_batch"));
    CHECK(kv.get("discord.session"));
  }
}
