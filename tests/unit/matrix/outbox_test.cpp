#include "wagbot/matrix/outbox.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "../support/fake_http.hpp"

namespace asio = boost::asio;
using namespace wagbot;
using test::canned;
using test::seen_request;

namespace {

/// The txn id: the last segment of PUT …/send/{type}/{txn}.
std::string txn_of(const seen_request& r) {
  return r.path.substr(r.path.rfind('/') + 1);
}

/// The `n` of a sent {"body": "<n>"}.
std::string body_of(const seen_request& r) {
  return nlohmann::json::parse(r.body).value("body", std::string{});
}

/// A homeserver whose answer to each request is decided by `rule`, given how many times that
/// very path (room + txn) was asked before.
struct homeserver {
  using rule_fn = std::function<canned(const seen_request&, int times_before)>;
  explicit homeserver(rule_fn rule)
      : rule_(std::move(rule)), server_([this](const seen_request& r) {
          std::lock_guard lock(mutex_);
          return rule_(r, hits_[r.path]++);
        }) {}

  std::vector<seen_request> requests() const { return server_.requests(); }
  std::string url() const { return server_.url(); }

 private:
  std::mutex mutex_;
  std::map<std::string, int> hits_;
  rule_fn rule_;
  test::fake_http server_;
};

canned event_id(const std::string& id) {
  return {200, nlohmann::json{{"event_id", id}}.dump()};
}
canned limited(int retry_after_ms) {
  return {429, nlohmann::json{{"errcode", "M_LIMIT_EXCEEDED"},
                              {"error", "Too Many Requests"},
                              {"retry_after_ms", retry_after_ms}}
                   .dump()};
}

/// The bot's side: an HTTP client, the Matrix client with its token, the outbox.
struct sender {
  asio::io_context io;
  net::http_client http{io.get_executor(), "wagbot-test"};
  matrix::client api;
  matrix::outbox out{api, core::logger()};
  std::size_t handlers_run = 0;  ///< completion handlers the io_context ran for send_all()

  explicit sender(const std::string& url) : api(http, *net::parse_url(url)) {
    api.set_token("tok");
  }

  /// Queues one m.room.message per (room, n) at once, then runs until all are answered.
  std::vector<matrix::result<std::string>> send_all(
      const std::vector<std::pair<std::string, int>>& messages) {
    std::vector<std::future<matrix::result<std::string>>> done;
    for (const auto& [room, n] : messages)
      done.push_back(asio::co_spawn(
          io,
          out.send(room, "m.room.message", {{"msgtype", "m.text"}, {"body", std::to_string(n)}}),
          asio::use_future));
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto all_ready = [&] {
      for (auto& f : done)
        if (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
      return true;
    };
    while (!all_ready()) {
      if (std::chrono::steady_clock::now() > deadline) FAIL("the sends took more than 10 s");
      handlers_run += io.run_one_for(std::chrono::milliseconds(50));
      if (io.stopped()) io.restart();
    }
    std::vector<matrix::result<std::string>> out_results;
    for (auto& f : done) out_results.push_back(f.get());
    return out_results;
  }
};

}  // namespace

TEST_SUITE("matrix") {
  TEST_CASE(
      "a 429 is waited out for as long as the homeserver asked, and retried with the same txn") {
    homeserver hs([](const seen_request&, int before) {
      return before == 0 ? limited(150) : event_id("$one");
    });
    sender bot(hs.url());
    const auto started = std::chrono::steady_clock::now();
    auto results = bot.send_all({{"!a:hs", 1}});
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE(results[0].has_value());
    CHECK(*results[0] == "$one");
    const auto seen = hs.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].method == "PUT");
    CHECK(seen[0].path.starts_with("/_matrix/client/v3/rooms/%21a%3Ahs/send/m.room.message/"));
    CHECK(seen[0].path == seen[1].path);  // the same txn id: the homeserver dedups a retry
    CHECK(seen[0].authorization == "Bearer tok");
    CHECK(body_of(seen[1]) == "1");
    CHECK(took >= std::chrono::milliseconds(140));
    CHECK(bot.out.rate_limited() == 1);
    CHECK(bot.out.depth() == 0);
  }

  TEST_CASE("a server error is retried with the same txn; a permanent error is not retried") {
    homeserver hs([](const seen_request& r, int before) {
      if (body_of(r) == "2")
        return canned{403, R"({"errcode":"M_FORBIDDEN","error":"not in room"})"};
      return before == 0 ? canned{502, "<html>bad gateway</html>", "text/html"} : event_id("$ok");
    });
    sender bot(hs.url());
    auto results = bot.send_all({{"!a:hs", 1}});
    REQUIRE(results[0].has_value());
    CHECK(*results[0] == "$ok");
    auto seen = hs.requests();
    REQUIRE(seen.size() == 2);
    CHECK(txn_of(seen[0]) == txn_of(seen[1]));

    results = bot.send_all({{"!a:hs", 2}});
    REQUIRE_FALSE(results[0].has_value());
    CHECK(results[0].error().http_status == 403);
    CHECK(results[0].error().code == "M_FORBIDDEN");
    seen = hs.requests();
    REQUIRE(seen.size() == 3);                  // one try, no retry
    CHECK(txn_of(seen[2]) != txn_of(seen[0]));  // a new message, a new txn
    CHECK(bot.out.rate_limited() == 0);
  }

  TEST_CASE("messages to one room go out in order, even around a 429; other rooms do not wait") {
    // The first message to !a is rate limited: the two queued behind it must not overtake it,
    // while !b's message goes out during the wait.
    homeserver hs([](const seen_request& r, int before) {
      if (body_of(r) == "1" && before == 0) return limited(300);
      return event_id("$" + body_of(r));
    });
    sender bot(hs.url());
    auto results = bot.send_all({{"!a:hs", 1}, {"!a:hs", 2}, {"!a:hs", 3}, {"!b:hs", 4}});
    for (std::size_t i = 0; i < results.size(); ++i) {
      REQUIRE(results[i].has_value());
      CHECK(*results[i] == "$" + std::to_string(i + 1));
    }
    std::vector<std::string> room_a, order;
    std::map<std::string, std::string> txn_by_body;
    std::set<std::string> txns;
    for (const auto& r : hs.requests()) {
      order.push_back(body_of(r));
      if (r.path.find("/rooms/%21a%3Ahs/") != std::string::npos) room_a.push_back(body_of(r));
      if (txn_by_body.count(body_of(r))) CHECK(txn_by_body[body_of(r)] == txn_of(r));
      txn_by_body[body_of(r)] = txn_of(r);
      txns.insert(txn_of(r));
    }
    CHECK(room_a == std::vector<std::string>{"1", "1", "2", "3"});
    REQUIRE(order.size() == 5);
    // !b went out while !a waited: before the retry of 1.
    const auto b_at = std::find(order.begin(), order.end(), "4");
    const auto retry_at =
        std::find(std::find(order.begin(), order.end(), "1") + 1, order.end(), "1");
    CHECK(b_at < retry_at);
    CHECK(txns.size() == 4);  // four messages, four txn ids
    CHECK(bot.out.depth() == 0);
  }

  // outbox::wait_turn once re-armed the room's one shared timer with expires_at(), which
  // cancelled every other wait on it: two messages queued behind a rate-limited one woke each
  // other in a loop (~100 000 wake-ups, a busy core, per 300 ms wait).
  TEST_CASE("messages queued behind a rate-limited one wait without spinning") {
    homeserver hs([](const seen_request& r, int before) {
      if (body_of(r) == "1" && before == 0) return limited(300);
      return event_id("$" + body_of(r));
    });
    sender bot(hs.url());
    auto results = bot.send_all({{"!a:hs", 1}, {"!a:hs", 2}, {"!a:hs", 3}});
    for (const auto& r : results) CHECK(r.has_value());
    // Three sends with one retry need a few dozen handlers (connect, write, read, timers).
    CHECK(bot.handlers_run < 1000);
  }
}
