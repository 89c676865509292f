#include "wagbot/wagmios/activity_feed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wagbot/net/url.hpp"

namespace wagbot::wagmios {

namespace asio = boost::asio;
using kind = feed_update::kind;

constexpr auto connect_timeout = std::chrono::seconds(10);

net::url activity_url(const net::url& base) {
  net::url where = base;
  where.scheme = base.tls() ? "wss" : "ws";
  return where;
}

std::string activity_target(std::string_view key) {
  return "/api/ws/activity?key=" + net::percent_encode(key);
}

std::optional<protocol::activity_event> parse_activity_frame(std::string_view frame) {
  const auto doc = protocol::json::parse(frame, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  return doc.get<protocol::activity_event>();
}

activity_feed::activity_feed(asio::any_io_executor executor, endpoint where, std::string key,
                             net::backoff_policy policy)
    : ws_(executor, "wagbot/" WAGBOT_VERSION),
      where_(std::move(where)),
      key_(std::move(key)),
      backoff_(policy),
      pause_(executor) {}

asio::awaitable<std::optional<feed_update>> activity_feed::next() {
  while (!stopping_) {
    if (connected_) {
      auto frame = co_await ws_.read();
      if (stopping_) break;
      if (!frame) {
        connected_ = false;
        must_wait_ = true;
        co_return feed_update{kind::lost, {}, frame.error()};
      }
      if (auto event = parse_activity_frame(*frame))
        co_return feed_update{kind::event, std::move(*event), {}};
      continue;
    }
    if (must_wait_) {
      pause_.expires_after(backoff_.next());
      co_await pause_.async_wait(asio::as_tuple(asio::use_awaitable));
      must_wait_ = false;
      if (stopping_) break;
    }
    const auto ec = co_await ws_.connect(activity_url(where_.base), activity_target(key_),
                                         where_.tls, connect_timeout);
    if (stopping_) break;
    if (ec) {
      must_wait_ = true;
      co_return feed_update{kind::refused, {}, ec};
    }
    backoff_.reset();
    connected_ = true;
    co_return feed_update{kind::connected, {}, {}};
  }
  co_return std::nullopt;
}

void activity_feed::retry_now() {
  pause_.cancel();
}

void activity_feed::stop() {
  stopping_ = true;
  connected_ = false;
  ws_.abort();
  pause_.cancel();
}

}  // namespace wagbot::wagmios
