#pragma once
// The composition root: builds every part from the config, in order, and owns them. No globals.
#include <iosfwd>
#include <memory>
#include <vector>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "wagbot/alerts/router.hpp"
#include "wagbot/alerts/watcher.hpp"
#include "wagbot/app/config.hpp"
#include "wagbot/app/conversation.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/engine.hpp"
#include "wagbot/app/ports.hpp"
#include "wagbot/core/transport.hpp"
#include "wagbot/net/http_server.hpp"
#include "wagbot/shell/shell.hpp"
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
  conversation& talk() { return *conversation_; }
  engine& eng() { return *engine_; }
  const config& cfg() const { return cfg_; }

  /// `wagbot run`: every configured transport until SIGINT/SIGTERM; returns the exit code.
  int run();
  /// `wagbot shell`: the terminal as the one transport, until its input ends.
  int run_shell(std::istream& in, std::ostream& out, shell::options opts);
  /// The observability listener's port once run() bound it (0 before, or when it is off).
  std::uint16_t listening_port() const { return listening_port_; }

 private:
  /// The transports the config asks for (Matrix, Discord), in that order.
  void build_transports();
  /// Keys written in the config (key_env / key_file) go into the vault at every start.
  void import_preset_keys();
  /// Registers what /metrics reads from the parts at scrape time.
  void watch_metrics();
  /// Starts /healthz, /readyz and /metrics when configured; false when it cannot bind.
  bool start_listener();
  /// Expiry of confirmations, pruning of the journal, and returning freed heap pages, until
  /// the stop signal fires.
  void start_housekeeping();
  /// Starts watching every host with a monitor key.
  void start_watchers();
  /// Watches `host` for alerts (it has a monitor key).
  void start_watcher(const wagmios::host_config& host);
  /// SIGHUP: reads the config file again and applies its users (their preset keys imported)
  /// and hosts in place, connections kept; a file with problems changes nothing.
  void reload();
  void wait_for_reload();
  /// Runs `t`; a fatal exit code ends the process with it.
  void start_transport(core::chat_transport& t, int& code);
  /// Graceful stop: no new work; what was taken finishes, up to a deadline.
  void finish();

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
  std::unique_ptr<kv_port> kv_port_;
  std::unique_ptr<journal_port> journal_port_;
  std::unique_ptr<action_port> action_port_;
  std::unique_ptr<sealer_port> sealer_port_;
  std::unique_ptr<alerts::router> router_;
  std::vector<std::unique_ptr<alerts::watcher>> watchers_;
  /// What a reload replaced, kept: a command under way may still point into it, and a stopped
  /// watcher runs until its next tick.
  std::vector<std::vector<wagmios::host_config>> retired_hosts_;
  std::vector<std::vector<user_config>> retired_users_;
  std::vector<std::unique_ptr<alerts::watcher>> retired_watchers_;
  std::unique_ptr<boost::asio::signal_set> hangup_;
  std::unique_ptr<engine> engine_;
  std::unique_ptr<dispatcher> dispatcher_;
  std::unique_ptr<conversation> conversation_;
  std::vector<std::unique_ptr<core::chat_transport>> transports_;
  std::unique_ptr<net::http_server> listener_;
  boost::asio::cancellation_signal housekeeping_stop_;  ///< ends the periodic loops
  bool stopping_ = false;
  std::uint16_t listening_port_ = 0;
};

}  // namespace wagbot::app
