#pragma once
// Follows one WAGMIOS host's activity WebSocket (`GET /api/ws/activity`, one JSON event per
// text frame, no replay of older events) and reconnects with net::backoff. The reader pulls one
// update at a time, so that between "connected" and the first event it can fetch what it
// missed while the link was down (`GET /api/activity`).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "wagbot/net/backoff.hpp"
#include "wagbot/net/websocket.hpp"
#include "wagbot/protocol/wagmios.hpp"
#include "wagbot/wagmios/client.hpp"

namespace wagbot::wagmios {

/// What the feed tells its reader.
struct feed_update {
  enum class kind {
    connected,  ///< the link is up: later events arrive here, earlier ones only by the HTTP list
    event,      ///< one activity event
    refused,    ///< a connect failed (the host is down, or the key lacks system:read)
    lost,       ///< an open link ended
  };
  kind what = kind::event;
  protocol::activity_event event;   ///< for kind::event
  boost::system::error_code error;  ///< for kind::refused and kind::lost
};

/// The feed's URL for a host's http(s) base: ws:// or wss://, same host, port and path.
net::url activity_url(const net::url& base);
/// The feed's path and query; the key goes in the query, the feed's documented alternative to
/// the X-API-Key header.
std::string activity_target(std::string_view key);
/// One text frame as an event; nullopt for a frame that is not a JSON object (skipped).
std::optional<protocol::activity_event> parse_activity_frame(std::string_view frame);

/// Reconnects after 1 s, doubling to a minute, jittered so that many watchers do not retry in
/// step after a shared outage.
inline constexpr net::backoff_policy activity_backoff{std::chrono::seconds(1),
                                                      std::chrono::seconds(60), 2.0, 0.5};

class activity_feed {
 public:
  /// `key` is the monitor key, which must have system:read.
  activity_feed(boost::asio::any_io_executor executor, endpoint where, std::string key,
                net::backoff_policy policy = activity_backoff);

  /// The next update, connecting first and waiting out the backoff after a failure or a lost
  /// link. nullopt once stopped.
  boost::asio::awaitable<std::optional<feed_update>> next();
  /// Ends a backoff wait now (the host answered a poll again); no-op when not waiting.
  void retry_now();
  /// Drops the link and ends any wait; next() returns nullopt from then on.
  void stop();
  /// True from a `connected` update until the link is lost.
  bool connected() const { return connected_; }

 private:
  net::websocket ws_;
  endpoint where_;
  std::string key_;
  net::backoff backoff_;
  boost::asio::steady_timer pause_;
  bool connected_ = false;
  bool must_wait_ = false;  ///< the last connect failed or the link was lost
  bool stopping_ = false;
};

}  // namespace wagbot::wagmios
