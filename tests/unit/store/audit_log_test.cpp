#include "wagbot/store/audit_log.hpp"

#include <doctest/doctest.h>

using wagbot::store::audit_entry;
using wagbot::store::audit_log;
using wagbot::store::database;

namespace {

audit_entry entry(std::int64_t time, std::string target) {
  return audit_entry{time,      "alice",           "matrix", "!ops:example.org", "nas",
                     "restart", std::move(target), "ok",     "HTTP 200"};
}

}  // namespace

TEST_SUITE("store") {
  TEST_CASE("audit log keeps every field") {
    database db(":memory:");
    audit_log log(db);
    log.append(audit_entry{42, "bob", "discord", "1234", "pi", "remove", "grafana", "refused",
                           "missing scope containers:delete"});
    const auto all = log.recent(10);
    REQUIRE(all.size() == 1);
    CHECK(all[0].time == 42);
    CHECK(all[0].user == "bob");
    CHECK(all[0].network == "discord");
    CHECK(all[0].room == "1234");
    CHECK(all[0].host == "pi");
    CHECK(all[0].action == "remove");
    CHECK(all[0].target == "grafana");
    CHECK(all[0].outcome == "refused");
    CHECK(all[0].detail == "missing scope containers:delete");
  }

  TEST_CASE("audit log recent is newest first and limited") {
    database db(":memory:");
    audit_log log(db);
    CHECK(log.recent(5).empty());
    log.append(entry(100, "a"));
    log.append(entry(300, "c"));
    log.append(entry(200, "b"));
    log.append(entry(300, "d"));  // same second as c, appended later

    const auto three = log.recent(3);
    REQUIRE(three.size() == 3);
    CHECK(three[0].target == "d");
    CHECK(three[1].target == "c");
    CHECK(three[2].target == "b");
    CHECK(log.recent(100).size() == 4);
    CHECK(log.recent(100).back().target == "a");
    CHECK(log.recent(0).empty());
  }
}
