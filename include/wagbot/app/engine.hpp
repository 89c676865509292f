#pragma once
// The shared services every command and transport uses: configuration, stores, the HTTP
// client, one WAGMIOS client per host, and the short-lived cache of each key's scopes.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "wagbot/app/command.hpp"
#include "wagbot/app/config.hpp"
#include "wagbot/core/log.hpp"
#include "wagbot/core/metrics.hpp"
#include "wagbot/core/policy.hpp"
#include "wagbot/net/http_client.hpp"
#include "wagbot/store/audit_log.hpp"
#include "wagbot/store/confirmation_store.hpp"
#include "wagbot/store/key_store.hpp"
#include "wagbot/store/room_settings.hpp"
#include "wagbot/store/subscriptions.hpp"
#include "wagbot/store/vault.hpp"
#include "wagbot/wagmios/client.hpp"

namespace wagbot::app {

/// Seconds since the epoch; tests and the dispatcher take time from here only.
using clock_fn = std::function<std::int64_t()>;
std::int64_t system_now();

class engine {
 public:
  engine(const config& cfg, core::logger log, net::http_client& http, store::key_store& keys,
         store::confirmation_store& confirmations, store::audit_log& audit,
         store::room_settings& rooms, const store::vault& vault,
         store::subscriptions& subscriptions, clock_fn now = system_now);

  const config& cfg() const { return cfg_; }
  const core::logger& log() const { return log_; }
  store::key_store& keys() { return keys_; }
  store::confirmation_store& confirmations() { return confirmations_; }
  store::audit_log& audit() { return audit_; }
  store::room_settings& rooms() { return rooms_; }
  store::subscriptions& subscriptions() { return subscriptions_; }
  /// Seals other secrets at rest (confirmation plans, the Matrix token).
  const store::vault& vault() const { return vault_; }
  const core::protection& guard() const { return guard_; }
  std::int64_t now() const { return now_(); }
  /// The shared HTTP client (the planner reaches its model with it).
  net::http_client& http() { return http_; }
  /// Counters and histograms for /metrics.
  core::metrics& metrics() { return metrics_; }

  /// The client for a host (configured TLS settings apply when the URL matches a configured host).
  wagmios::client& client_for(const std::string& alias, const std::string& url);
  /// The requester's key and client for `alias`, when they registered one.
  std::optional<host_call> host_for(const std::string& user, const std::string& alias);
  /// Aliases the user holds keys for, sorted.
  std::vector<std::string> hosts_of(const std::string& user);

  /// The key's scopes, from cache when fresh (fresh=true forces a call).
  boost::asio::awaitable<wagmios::result<protocol::key_info>> scopes(const std::string& user,
                                                                     const host_call& host,
                                                                     bool fresh = false);
  void forget_scopes(const std::string& user, const std::string& alias);

  /// An event a watcher heard on `alias`'s activity feed (the newest 100 a host are kept): where
  /// Docker's reason for a failed action shows up first.
  void heard(const std::string& alias, const protocol::activity_event& e);
  /// Whether a watcher follows `alias`'s activity feed now.
  void following(const std::string& alias, bool live) { following_[alias] = live; }
  bool follows(const std::string& alias) const;
  /// What the watchers heard on `alias`, oldest first.
  const std::vector<protocol::activity_event>& heard_on(const std::string& alias) const;

  /// Writes a line to the audit log (and the debug log).
  void record(const requester& who, const std::string& host, const std::string& action,
              const std::string& target, const std::string& outcome,
              const std::string& detail = {});

 private:
  struct cached_scopes {
    protocol::key_info info;
    std::string key_suffix;
    std::chrono::steady_clock::time_point at;
  };

  const config& cfg_;
  core::logger log_;
  net::http_client& http_;
  store::key_store& keys_;
  store::confirmation_store& confirmations_;
  store::audit_log& audit_;
  store::room_settings& rooms_;
  const store::vault& vault_;
  store::subscriptions& subscriptions_;
  clock_fn now_;
  core::protection guard_;
  wagmios::timeouts limits_;
  std::map<std::string, std::unique_ptr<wagmios::client>> clients_;
  std::map<std::string, cached_scopes> scopes_;
  core::metrics metrics_;
  std::map<std::string, std::vector<protocol::activity_event>> heard_;
  std::map<std::string, bool> following_;
};

/// Records a WAGMIOS client's request times and failures under `alias` and `purpose`.
wagmios::client::observer wagmios_observer(core::metrics& m, const std::string& alias,
                                           const char* purpose);

}  // namespace wagbot::app
