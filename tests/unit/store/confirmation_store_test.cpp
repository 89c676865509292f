#include "wagbot/store/confirmation_store.hpp"

#include <set>

#include <doctest/doctest.h>

#include "temp_dir.hpp"

using wagbot::store::confirmation;
using wagbot::store::confirmation_state;
using wagbot::store::confirmation_store;
using wagbot::store::database;

namespace {

confirmation sample(std::string requester, std::int64_t created_at, std::int64_t expires_at) {
  confirmation c;
  c.requester = std::move(requester);
  c.network = "matrix";
  c.room = "!ops:example.org";
  c.action_json = R"({"action":"remove","host":"nas","container":"jellyfin"})";
  c.summary = "remove container jellyfin on nas";
  c.created_at = created_at;
  c.expires_at = expires_at;
  return c;
}

}  // namespace

TEST_SUITE("store") {
  TEST_CASE("confirmation_state names round-trip") {
    for (const auto s : {confirmation_state::pending, confirmation_state::confirmed,
                         confirmation_state::cancelled, confirmation_state::expired}) {
      CHECK(wagbot::store::parse_confirmation_state(wagbot::store::to_string(s)) == s);
    }
    CHECK(wagbot::store::to_string(confirmation_state::cancelled) == "cancelled");
    CHECK_FALSE(wagbot::store::parse_confirmation_state("done"));
  }

  TEST_CASE("create generates typeable unique ids and get returns every field") {
    database db(":memory:");
    confirmation_store store(db);
    std::set<std::string> ids;
    for (int i = 0; i < 200; ++i) {
      const auto id = store.create(sample("alice", 1000, 1300));
      REQUIRE(id.size() == 6);
      CHECK(id.find_first_not_of("abcdefghijkmnpqrstuvwxyz23456789") == std::string::npos);
      ids.insert(id);
    }
    CHECK(ids.size() == 200);

    auto c = sample("alice", 1000, 1300);
    c.approvers = {"bob", "alice", "carol"};
    c.prompt_ref = "$event:example.org";
    const auto id = store.create(c);
    const auto got = store.get(id);
    REQUIRE(got);
    CHECK(got->id == id);
    CHECK(got->requester == "alice");
    CHECK(got->network == "matrix");
    CHECK(got->room == "!ops:example.org");
    CHECK(got->action_json == c.action_json);
    CHECK(got->summary == c.summary);
    CHECK(got->approvers == std::vector<std::string>{"bob", "alice", "carol"});
    CHECK(got->created_at == 1000);
    CHECK(got->expires_at == 1300);
    CHECK(got->state == confirmation_state::pending);
    CHECK(got->prompt_ref == "$event:example.org");

    CHECK_FALSE(store.get("zzzzzz"));
    auto named = sample("alice", 1, 2);
    named.id = "abc234";
    CHECK(store.create(named) == "abc234");
    CHECK(store.get("abc234"));
  }

  TEST_CASE("a confirmation resolves once") {
    database db(":memory:");
    confirmation_store store(db);
    const auto id = store.create(sample("alice", 1000, 1300));

    const auto won = store.resolve(id, confirmation_state::confirmed, 1100);
    REQUIRE(won);
    CHECK(won->id == id);
    CHECK(won->state == confirmation_state::confirmed);
    CHECK(won->action_json == R"({"action":"remove","host":"nas","container":"jellyfin"})");

    CHECK_FALSE(store.resolve(id, confirmation_state::confirmed, 1101));
    CHECK_FALSE(store.resolve(id, confirmation_state::cancelled, 1101));
    CHECK(store.get(id)->state == confirmation_state::confirmed);
    CHECK_FALSE(store.resolve("nosuch", confirmation_state::confirmed, 1100));
    CHECK_THROWS_AS(store.resolve(id, confirmation_state::pending, 1100), std::invalid_argument);
  }

  TEST_CASE("two connections racing: only one wins") {
    wagbot::store::test::temp_dir dir;
    const auto path = (dir / "wagbot.db").string();
    database first(path);
    database second(path);
    confirmation_store a(first);
    confirmation_store b(second);
    const auto id = a.create(sample("alice", 1000, 1300));
    const auto by_b = b.resolve(id, confirmation_state::cancelled, 1010);
    const auto by_a = a.resolve(id, confirmation_state::confirmed, 1010);
    CHECK(by_b.has_value());
    CHECK_FALSE(by_a.has_value());
    CHECK(a.get(id)->state == confirmation_state::cancelled);
  }

  TEST_CASE("an expired confirmation cannot be resolved") {
    database db(":memory:");
    confirmation_store store(db);
    const auto id = store.create(sample("alice", 1000, 1300));
    CHECK_FALSE(store.resolve(id, confirmation_state::confirmed, 1300));  // expires_at is the end
    CHECK_FALSE(store.resolve(id, confirmation_state::confirmed, 5000));
    CHECK(store.get(id)->state == confirmation_state::pending);  // until expire_due runs

    CHECK(store.expire_due(1300).size() == 1);
    CHECK(store.get(id)->state == confirmation_state::expired);
    CHECK_FALSE(store.resolve(id, confirmation_state::cancelled, 1000));  // even with an old clock
  }

  TEST_CASE("expire_due returns only the pending ones that are due") {
    database db(":memory:");
    confirmation_store store(db);
    const auto due_early = store.create(sample("alice", 100, 200));
    const auto due_now = store.create(sample("bob", 150, 300));
    const auto later = store.create(sample("alice", 160, 301));
    const auto done = store.create(sample("alice", 100, 250));
    REQUIRE(store.resolve(done, confirmation_state::confirmed, 120));

    const auto expired = store.expire_due(300);
    REQUIRE(expired.size() == 2);
    CHECK(expired[0].id == due_early);
    CHECK(expired[1].id == due_now);
    for (const auto& c : expired) CHECK(c.state == confirmation_state::expired);
    CHECK(store.get(later)->state == confirmation_state::pending);
    CHECK(store.get(done)->state == confirmation_state::confirmed);

    CHECK(store.expire_due(300).empty());  // each one is reported once
    CHECK(store.expire_due(301).size() == 1);
  }

  TEST_CASE("find_by_prompt matches the network and the prompt message") {
    database db(":memory:");
    confirmation_store store(db);
    const auto id = store.create(sample("alice", 1000, 1300));
    CHECK_FALSE(store.find_by_prompt("matrix", ""));  // not posted yet
    store.set_prompt_ref(id, "$prompt1:example.org");

    const auto found = store.find_by_prompt("matrix", "$prompt1:example.org");
    REQUIRE(found);
    CHECK(found->id == id);
    CHECK_FALSE(store.find_by_prompt("discord", "$prompt1:example.org"));
    CHECK_FALSE(store.find_by_prompt("matrix", "$other:example.org"));
  }

  TEST_CASE("pending_for lists one requester's pending confirmations, oldest first") {
    database db(":memory:");
    confirmation_store store(db);
    const auto newer = store.create(sample("alice", 2000, 9000));
    const auto older = store.create(sample("alice", 1000, 9000));
    store.create(sample("bob", 1500, 9000));
    const auto resolved = store.create(sample("alice", 500, 9000));
    REQUIRE(store.resolve(resolved, confirmation_state::cancelled, 600));

    const auto pending = store.pending_for("alice");
    REQUIRE(pending.size() == 2);
    CHECK(pending[0].id == older);
    CHECK(pending[1].id == newer);
    CHECK(store.pending_for("carol").empty());
  }
}
