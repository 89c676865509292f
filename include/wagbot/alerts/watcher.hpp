#pragma once
// Watches one WAGMIOS host with its monitor key: polls /api/containers (what the activity feed
// cannot see: crashes, restarts by Docker, changes outside the API) and follows the activity
// WebSocket (what was done through the API), reconnecting with backoff. What it last saw is
// kept in the database, so that after a restart the first poll reports what changed while
// wagbot was stopped, and the feed's catch-up reports the API actions made meanwhile.
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "wagbot/alerts/router.hpp"
#include "wagbot/alerts/config.hpp"
#include "wagbot/wagmios/host_config.hpp"
#include "wagbot/core/alerts.hpp"
#include "wagbot/net/websocket.hpp"
#include "wagbot/store/key_store.hpp"
#include "wagbot/store/kv_store.hpp"
#include "wagbot/wagmios/client.hpp"

namespace wagbot::alerts {

class watcher {
 public:
  watcher(boost::asio::any_io_executor executor, const wagmios::host_config& host, const alerts::config& settings,
          net::http_client& http, router& out, store::kv_store& kv, store::key_store& keys, core::logger log);

  /// Polls and follows the feed until stop().
  boost::asio::awaitable<void> run();
  void stop();
  const std::string& alias() const { return host_.alias; }
  /// False once enough polls in a row failed.
  bool reachable() const { return watch_.reachable(); }
  /// Reports the watcher's own WAGMIOS requests (for metrics).
  void observe(wagmios::client::observer o) { api_.observe(std::move(o)); }

 private:
  boost::asio::awaitable<void> poll_loop();
  boost::asio::awaitable<void> feed_loop();
  void emit(std::vector<core::alert> alerts);
  boost::asio::awaitable<void> catch_up();
  void seen(const protocol::activity_event& e);
  std::string state_key() const;
  void restore();
  void save();

  boost::asio::any_io_executor executor_;
  const wagmios::host_config& host_;
  const alerts::config& settings_;
  wagmios::client api_;
  router& out_;
  store::kv_store& kv_;
  store::key_store& keys_;         ///< whose key an API action used
  std::string saved_;              ///< what was last written to kv_, to write only changes
  core::logger log_;
  core::host_watch watch_;
  core::alert_settings alert_settings_;
  net::websocket ws_;
  boost::asio::steady_timer feed_pause_;
  bool feed_connected_ = false;
  bool no_activity_scope_ = false;
  bool feed_baseline_ = false;     ///< the feed's position is known (catch-up may report)
  std::string last_event_;         ///< timestamp|id of the newest activity event handled
  bool stopping_ = false;
};

}  // namespace wagbot::alerts
