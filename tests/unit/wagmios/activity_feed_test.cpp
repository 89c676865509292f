#include "wagbot/wagmios/activity_feed.hpp"

#include <doctest/doctest.h>

#include "../support/fixtures.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

using namespace wagbot::wagmios;
using wagbot::protocol::activity_event;
using wagbot::protocol::json;

using wagbot::test::fixture_text;

namespace {

wagbot::net::url url_of(std::string_view text) {
  auto parsed = wagbot::net::parse_url(text);
  REQUIRE(parsed);
  return *parsed;
}

}  // namespace

TEST_SUITE("wagmios") {
  TEST_CASE("a feed frame captured from a server is one event") {
    const auto e = parse_activity_frame(fixture_text("wagmios", "activity_frame.json"));
    REQUIRE(e);
    CHECK(e->id == "7c1e0f9a2b4d6e83");
    CHECK(e->timestamp == "2025-05-18T10:12:00.004Z");
    CHECK(e->type == "container_action");
    CHECK(e->action == "stop");
    CHECK(e->target == "jellyfin");
    CHECK(e->status == "success");
    CHECK(e->details["details"] == "jellyfin");
  }

  TEST_CASE("every event of the activity list reads the same when it comes as a frame") {
    const auto list = json::parse(fixture_text("wagmios", "activity.json"))["data"]["events"];
    REQUIRE(list.size() > 1);
    for (const auto& item : list) {
      const auto from_list = item.get<activity_event>();
      const auto from_frame = parse_activity_frame(item.dump());
      REQUIRE(from_frame);
      CHECK(from_frame->id == from_list.id);
      CHECK(from_frame->timestamp == from_list.timestamp);
      CHECK(from_frame->type == from_list.type);
      CHECK(from_frame->action == from_list.action);
      CHECK(from_frame->target == from_list.target);
      CHECK(from_frame->status == from_list.status);
      CHECK(from_frame->details == from_list.details);
    }
  }

  TEST_CASE("a frame that is not a JSON object is skipped, not an event") {
    CHECK_FALSE(parse_activity_frame(""));
    CHECK_FALSE(parse_activity_frame("not json"));
    CHECK_FALSE(parse_activity_frame("{\"id\": "));  // cut short
    CHECK_FALSE(parse_activity_frame("[]"));
    CHECK_FALSE(parse_activity_frame("\"ping\""));
    CHECK_FALSE(parse_activity_frame("42"));
  }

  TEST_CASE("a frame with numbers where text is expected still reads") {
    const auto e =
        parse_activity_frame(R"({"id":17,"timestamp":"t","type":"api_call","status":401})");
    REQUIRE(e);
    CHECK(e->id == "17");
    CHECK(e->status == "401");
    CHECK(e->target.empty());
  }

  TEST_CASE("the feed is the host's URL with ws or wss, the same port and base path") {
    const auto plain = activity_url(url_of("http://nas.home.arpa:8080/wagmios"));
    CHECK(plain.scheme == "ws");
    CHECK(plain.host == "nas.home.arpa");
    CHECK(plain.port == 8080);
    CHECK(plain.path == "/wagmios");
    CHECK_FALSE(plain.tls());

    const auto secure = activity_url(url_of("https://media.home.arpa"));
    CHECK(secure.scheme == "wss");
    CHECK(secure.port == 443);
    CHECK(secure.tls());
  }

  TEST_CASE("the key travels in the query, encoded so that it stays one value") {
    CHECK(activity_target("abc123") == "/api/ws/activity?key=abc123");
    CHECK(activity_target("a+b/c=&d") == "/api/ws/activity?key=a%2Bb%2Fc%3D%26d");
  }

  TEST_CASE("a stopped feed ends without connecting") {
    boost::asio::io_context io;
    activity_feed feed(io.get_executor(), endpoint{url_of("http://127.0.0.1:9"), {}}, "key");
    feed.stop();
    bool ended = false;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { ended = !(co_await feed.next()); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io.run();
    CHECK(ended);
    CHECK_FALSE(feed.connected());
  }
}
