#pragma once
// Watches one WAGMIOS host with its monitor key: polls /api/containers (what the activity feed
// cannot see: crashes, restarts by Docker, changes outside the API) and follows the activity
// feed (what was done through the API), which reconnects with backoff. What it last saw is
// kept in the database, so that after a restart the first poll reports what changed while
// wagbot was stopped, and the feed's catch-up reports the API actions made meanwhile.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "wagbot/alerts/config.hpp"
#include "wagbot/alerts/router.hpp"
#include "wagbot/core/alerts.hpp"
#include "wagbot/store/key_store.hpp"
#include "wagbot/store/kv_store.hpp"
#include "wagbot/wagmios/activity_feed.hpp"
#include "wagbot/wagmios/client.hpp"
#include "wagbot/wagmios/host_config.hpp"

namespace wagbot::alerts {

/// How far a watcher has read a host's activity history. The feed has no sequence number and
/// no replay, so the position is the newest "timestamp|id" handled; a catch-up list reports
/// only what lies past it, and only once the position is known (the first list is a baseline).
class feed_cursor {
 public:
  /// The events of a catch-up list not handled yet (none while the position is unknown), in
  /// the list's order; the position moves past every event of the list and becomes known.
  std::vector<protocol::activity_event> catch_up(
      const std::vector<protocol::activity_event>& events);
  /// A live event was handled: the position moves past it and becomes known.
  void advance(const protocol::activity_event& e);
  /// Starts from a position saved before a restart ("" leaves it unknown).
  void restore(std::string position);
  /// The newest "timestamp|id" handled, "" when none.
  const std::string& position() const { return position_; }
  bool known() const { return known_; }

 private:
  std::string position_;
  bool known_ = false;
};

/// What a watcher keeps across restarts (under "alerts.watch.<alias>").
struct watch_state {
  std::string base;           ///< the host's URL (origin + path) when saved
  protocol::json containers;  ///< core::host_watch::snapshot()
  std::string feed;           ///< the feed_cursor position
};
/// The stored text of a state.
std::string to_text(const watch_state& state);
/// The state in `text` if it was saved for `base`; nullopt when the text is not a state or the
/// alias now names another machine (then the watch starts from a blank baseline).
std::optional<watch_state> read_watch_state(std::string_view text, std::string_view base);

class watcher {
 public:
  watcher(boost::asio::any_io_executor executor, const wagmios::host_config& host,
          const alerts::config& settings, net::http_client& http, router& out, store::kv_store& kv,
          store::key_store& keys, core::logger log);

  /// Polls and follows the feed until stop().
  boost::asio::awaitable<void> run();
  void stop();
  const std::string& alias() const { return host_.alias; }
  /// False once enough polls in a row failed.
  bool reachable() const { return watch_.reachable(); }
  /// Told of every activity event the watcher reads, and of its feed's link going up or down
  /// (the engine keeps them, for Docker's reasons of failed actions).
  struct listener {
    std::function<void(const protocol::activity_event&)> event;
    std::function<void(bool connected)> link;
  };
  void listen(listener l) { listener_ = std::move(l); }
  /// Reports the watcher's own WAGMIOS requests (for metrics).
  void observe(wagmios::client::observer o) { api_.observe(std::move(o)); }

 private:
  boost::asio::awaitable<void> poll_loop();
  boost::asio::awaitable<void> feed_loop();
  void emit(std::vector<core::alert> alerts);
  boost::asio::awaitable<void> catch_up();
  std::string state_key() const;
  std::string base() const;
  void restore();
  void save();

  boost::asio::any_io_executor executor_;
  const wagmios::host_config& host_;
  const alerts::config& settings_;
  wagmios::client api_;
  router& out_;
  store::kv_store& kv_;
  store::key_store& keys_;  ///< whose key an API action used
  std::string saved_;       ///< what was last written to kv_, to write only changes
  core::logger log_;
  core::host_watch watch_;
  core::alert_settings alert_settings_;
  wagmios::activity_feed feed_;
  feed_cursor cursor_;
  listener listener_;
  bool no_activity_scope_ = false;
  bool stopping_ = false;
};

}  // namespace wagbot::alerts
