#include "wagbot/core/alerts.hpp"

#include <map>

#include <doctest/doctest.h>

using namespace wagbot::core;
using wagbot::protocol::activity_event;
using wagbot::protocol::container;

namespace {
container c(std::string name, std::string status, std::string id = "") {
  container x;
  x.name = name;
  x.id = id.empty() ? "id-" + name : id;
  x.image = "img";
  x.status = std::move(status);
  return x;
}
activity_event api_action(std::string verb, std::string target, std::string status = "success") {
  activity_event e;
  e.type = "container_action";
  e.action = std::move(verb);
  e.target = std::move(target);
  e.status = std::move(status);
  e.agent = "ab12cd34";
  return e;
}
}  // namespace

TEST_SUITE("core") {
  TEST_CASE("alerts: the first poll is a baseline; a crash is reported once, then its recovery") {
    host_watch w("nas");
    CHECK(w.on_poll({c("nginx", "running"), c("db", "running")}, 0).empty());
    auto crash = w.on_poll({c("nginx", "exited"), c("db", "running")}, 10);
    REQUIRE(crash.size() == 1);
    CHECK(crash[0].kind == alert_kind::exited);
    CHECK(crash[0].container == "nginx");
    CHECK(render_alert(crash[0]).plain().find("stopped unexpectedly (exited)") !=
          std::string::npos);
    CHECK(w.on_poll({c("nginx", "exited"), c("db", "running")}, 20).empty());  // no repeat
    auto back = w.on_poll({c("nginx", "running"), c("db", "running")}, 30);
    REQUIRE(back.size() == 1);
    CHECK(back[0].kind == alert_kind::recovered);
    CHECK(w.on_poll({c("nginx", "running"), c("db", "running")}, 40).empty());
  }

  TEST_CASE("alerts: resumed from a snapshot, the first poll reports what changed while stopped") {
    host_watch before("nas");
    CHECK(before.snapshot().is_null());  // nothing seen yet: nothing to keep
    before.on_poll(
        {c("nginx", "running"), c("db", "running"), c("old", "running"), c("web", "running")}, 0);
    auto crash = before.on_poll(
        {c("nginx", "running"), c("db", "running"), c("old", "running"), c("web", "exited")}, 10);
    REQUIRE(crash.size() == 1);
    const auto saved = before.snapshot();
    REQUIRE(saved.is_array());
    CHECK(saved.size() == 4);

    host_watch after("nas");  // the bot restarted
    REQUIRE(after.resume(saved));
    CHECK(after.snapshot() == saved);
    auto changes = after.on_poll(
        {c("nginx", "exited"), c("db", "running"), c("web", "running"), c("new", "running")}, 100);
    std::map<std::string, alert_kind> by_name;
    for (const auto& a : changes) by_name[a.container] = a.kind;
    CHECK(by_name == std::map<std::string, alert_kind>{
                         {"nginx", alert_kind::exited},
                         {"old", alert_kind::removed},
                         {"web", alert_kind::recovered},  // its crash was alerted
                         {"new", alert_kind::created}});

    // Only a change of state changes the snapshot, not Docker's "Up N minutes" ticking on.
    auto up = [](std::string text) {
      auto x = c("db", "running");
      x.status_text = std::move(text);
      return x;
    };
    host_watch ticking("nas");
    ticking.on_poll({up("Up 2 minutes")}, 0);
    const auto two = ticking.snapshot();
    ticking.on_poll({up("Up 3 minutes")}, 60);
    CHECK(ticking.snapshot() == two);
    ticking.on_poll({up("Up 4 minutes (unhealthy)")}, 120);
    CHECK(ticking.snapshot() != two);

    host_watch fresh("nas");  // without a snapshot the first poll is only a baseline
    CHECK(fresh.on_poll({c("nginx", "exited")}, 100).empty());
  }

  TEST_CASE("alerts: a snapshot that is not one is refused and the first poll stays a baseline") {
    using wagbot::protocol::json;
    for (const auto& bad :
         {json(nullptr), json::object(), json::array({1}), json::array({json::object()}),
          json::array({{{"id", "x"}}}), json::parse(R"([{"name":"a","state":"running"},7])")}) {
      host_watch w("nas");
      CHECK_FALSE(w.resume(bad));
      CHECK(w.on_poll({c("nginx", "exited")}, 0).empty());
    }
  }

  TEST_CASE(
      "alerts: a change made through the API is reported from the feed, not again by polling") {
    host_watch w("nas");
    w.on_poll({c("nginx", "running")}, 0);
    auto feed = w.on_activity(api_action("stop", "nginx"), 5);
    REQUIRE(feed.size() == 1);
    CHECK(feed[0].kind == alert_kind::api_action);
    CHECK(feed[0].detail == "stop");
    CHECK(feed[0].key == "ab12cd34");
    CHECK(render_alert(feed[0]).plain() ==
          "`nginx` on @nas: stop by key …ab12cd34 through the WAGMIOS API.");
    auto mine = feed[0];
    mine.user = "alice";  // the watcher knows whose key it is
    CHECK(render_alert(mine).plain() == "`nginx` on @nas: stop with alice's key.");
    CHECK(w.on_poll({c("nginx", "exited")}, 10).empty());
    CHECK(w.on_activity(api_action("stop", "nginx", "error"), 11)
              .empty());                                            // failed actions change nothing
    auto feed2 = w.on_activity(api_action("delete", "id-ng"), 12);  // by id prefix
    CHECK(w.on_poll({}, 20).empty());
    // After the expectation lapses, the same change is unexplained again.
    w.on_poll({c("web", "running")}, 100);
    auto later = w.on_poll({c("web", "exited")}, 200);
    CHECK(later.size() == 1);
  }

  TEST_CASE("alerts: a restart loop is summarised once, then held back with a growing pause") {
    alert_settings s;
    s.flap_window = 600;
    s.flap_threshold = 3;
    host_watch w("nas", s);
    w.on_poll({c("app", "running")}, 0);
    std::vector<alert> all;
    std::int64_t t = 0;
    for (int i = 0; i < 6; ++i) {
      for (auto& a : w.on_poll({c("app", "exited")}, t += 10)) all.push_back(a);
      for (auto& a : w.on_poll({c("app", "running")}, t += 10)) all.push_back(a);
    }
    // two plain exits (with a recovery after each), then one loop summary, then silence
    int exits = 0, loops = 0;
    for (const auto& a : all) {
      exits += a.kind == alert_kind::exited;
      loops += a.kind == alert_kind::restart_loop;
    }
    CHECK(exits == 2);
    CHECK(loops == 1);
    const auto summary = std::find_if(
        all.begin(), all.end(), [](const alert& a) { return a.kind == alert_kind::restart_loop; });
    CHECK(summary->count == 3);
    CHECK(render_alert(*summary).plain().find("went down 3 times in") != std::string::npos);
    // After the pause, a still-flapping container gets a second summary, counting again.
    std::vector<alert> later;
    for (int i = 0; i < 3; ++i) {
      for (auto& a : w.on_poll({c("app", "exited")}, 700 + i * 20)) later.push_back(a);
      for (auto& a : w.on_poll({c("app", "running")}, 710 + i * 20)) later.push_back(a);
    }
    CHECK(std::count_if(later.begin(), later.end(),
                        [](const alert& a) { return a.kind == alert_kind::restart_loop; }) == 1);
  }

  TEST_CASE("alerts: an unreachable host is announced once after N failures, and once when back") {
    alert_settings s;
    s.unreachable_after = 3;
    host_watch w("nas", s);
    w.on_poll({c("a", "running")}, 0);
    CHECK(w.on_poll_failed("refused", 10).empty());
    CHECK(w.on_poll_failed("refused", 20).empty());
    auto down = w.on_poll_failed("refused", 30);
    REQUIRE(down.size() == 1);
    CHECK(down[0].kind == alert_kind::host_down);
    CHECK(w.on_poll_failed("refused", 40).empty());
    auto up = w.on_poll({c("a", "running")}, 50);
    REQUIRE(up.size() == 1);
    CHECK(up[0].kind == alert_kind::host_up);
    CHECK(w.on_poll_failed("refused", 60).empty());  // one blip is not an outage
    CHECK(w.on_poll({c("a", "running")}, 70).empty());
  }

  TEST_CASE("alerts: containers created and removed outside the API; pulls from the feed") {
    host_watch w("nas");
    w.on_poll({c("a", "running")}, 0);
    auto changes = w.on_poll({c("b", "running")}, 10);
    REQUIRE(changes.size() == 2);
    CHECK(changes[0].kind == alert_kind::created);
    CHECK(changes[1].kind == alert_kind::removed);
    activity_event pull;
    pull.type = "image_pull";
    pull.target = "nginx:alpine";
    pull.status = "pending";
    CHECK(w.on_activity(pull, 11).empty());
    pull.status = "error";
    pull.details = "manifest unknown";
    auto failed = w.on_activity(pull, 12);
    REQUIRE(failed.size() == 1);
    CHECK(render_alert(failed[0]).plain() ==
          "Pulling `nginx:alpine` failed on @nas: manifest unknown.");
  }

  TEST_CASE("alerts: a reboot's burst becomes one digest") {
    host_watch w("nas");
    std::vector<container> up, down;
    for (int i = 0; i < 20; ++i) {
      up.push_back(c("svc" + std::to_string(i), "running"));
      down.push_back(c("svc" + std::to_string(i), "exited"));
    }
    w.on_poll(up, 0);
    auto burst = group_bursts(w.on_poll(down, 10), alert_settings{});
    REQUIRE(burst.size() == 1);
    CHECK(burst[0].kind == alert_kind::digest);
    CHECK(burst[0].count == 20);
    const auto text = render_alert(burst[0]).plain();
    CHECK(text.find("20 changes on @nas at once") != std::string::npos);
    CHECK(text.find("svc19") != std::string::npos);
    auto few = group_bursts(w.on_poll(up, 20), alert_settings{});  // 20 recoveries: a digest too
    CHECK(few.size() == 1);
  }

  TEST_CASE("glob patterns") {
    CHECK(glob_match("*", "anything"));
    CHECK(glob_match("web-*", "web-1"));
    CHECK_FALSE(glob_match("web-*", "db-1"));
    CHECK(glob_match("db?", "db1"));
    CHECK(glob_match("*sql*", "postgresql-main"));
    CHECK_FALSE(glob_match("", "x"));
  }
}
