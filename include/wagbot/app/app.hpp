#pragma once
// The composition root: builds every part from the config, in order, and owns them. No globals.
#include <memory>

#include <boost/asio/io_context.hpp>

#include "wagbot/app/config.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/engine.hpp"
#include "wagbot/alerts/router.hpp"
#include "wagbot/alerts/watcher.hpp"
#include "wagbot/discord/bot.hpp"
#include "wagbot/matrix/bot.hpp"
#include "wagbot/net/http_server.hpp"
#include "wagbot/store/alert_actions.hpp"
#include "wagbot/store/database.hpp"
#include "wagbot/store/inbox.hpp"
#include "wagbot/store/kv_store.hpp"
#include "wagbot/store/vault.hpp"

namespace wagbot::app {

class application {
 public:
  /// Opens the state database (creating the master key on first run) and wires everything.
  explicit application(config cfg);
  ~application();

  boost::asio::io_context& io() { return io_; }
  dispatcher& dispatch() { return *dispatcher_; }
  engine& eng() { return *engine_; }
  const config& cfg() const { return cfg_; }
  /// The Matrix transport, when configured.
  matrix::bot* matrix() { return matrix_.get(); }
  /// The Discord transport, when configured.
  discord::bot* discord() { return discord_.get(); }

  /// `wagbot run`: every configured transport until SIGINT/SIGTERM; returns the exit code.
  int run();
  /// The observability listener's port once run() bound it (0 before, or when it is off).
  std::uint16_t listening_port() const { return listening_port_; }

 private:
  /// Keys written in the config (key_env / key_file) go into the vault at every start.
  void import_preset_keys();
  /// Registers what /metrics reads from the parts at scrape time.
  void watch_metrics();
  /// Starts /healthz, /readyz and /metrics when configured; false when it cannot bind.
  bool start_listener(const bool& stopping);

  config cfg_;
  core::logger log_;
  boost::asio::io_context io_{1};
  std::unique_ptr<net::http_client> http_;
  std::unique_ptr<store::database> db_;
  std::unique_ptr<store::vault> vault_;
  std::unique_ptr<store::key_store> keys_;
  std::unique_ptr<store::confirmation_store> confirmations_;
  std::unique_ptr<store::audit_log> audit_;
  std::unique_ptr<store::room_settings> rooms_;
  std::unique_ptr<store::kv_store> kv_;
  std::unique_ptr<store::inbox> inbox_;
  std::unique_ptr<store::subscriptions> subscriptions_;
  std::unique_ptr<store::alert_actions> alert_actions_;
  std::unique_ptr<alerts::router> router_;
  std::vector<std::unique_ptr<alerts::watcher>> watchers_;
  std::unique_ptr<engine> engine_;
  std::unique_ptr<dispatcher> dispatcher_;
  std::unique_ptr<matrix::bot> matrix_;
  std::unique_ptr<discord::bot> discord_;
  std::unique_ptr<net::http_server> listener_;
  std::uint16_t listening_port_ = 0;
};

}  // namespace wagbot::app
