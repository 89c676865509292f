#pragma once
// Delivers alerts to the rooms that subscribed to them, on every network.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "wagbot/core/alerts.hpp"
#include "wagbot/core/log.hpp"
#include "wagbot/core/transport.hpp"
#include "wagbot/store/subscriptions.hpp"

namespace wagbot::alerts {

class router {
 public:
  router(store::subscriptions& subs, core::logger log);
  void add(core::chat_transport& transport);
  /// Sends each alert to every room subscribed to its host (and, for container alerts, whose
  /// patterns match the container).
  void deliver(const std::vector<core::alert>& alerts);
  std::uint64_t sent() const { return sent_; }
  /// Alerts posted on `network`.
  std::uint64_t sent(const std::string& network) const {
    auto it = sent_by_network_.find(network);
    return it == sent_by_network_.end() ? 0 : it->second;
  }

 private:
  store::subscriptions& subs_;
  core::logger log_;
  std::vector<core::chat_transport*> transports_;
  std::uint64_t sent_ = 0;
  std::map<std::string, std::uint64_t> sent_by_network_;
};

/// Whether a subscription wants this alert.
bool wants(const store::subscription& s, const core::alert& a);

}  // namespace wagbot::alerts
