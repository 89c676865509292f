#pragma once
// What the alert router needs from a chat network: post a message nobody asked for, with
// follow-up actions (Restart, Logs) that run as whoever triggers them.
#include <string>
#include <vector>

#include "wagbot/core/reply.hpp"

namespace wagbot::core {

/// A follow-up to an alert; `command` is a command line run as the user who triggers it, so
/// it passes the same scope checks and confirmations as if they had typed it.
struct alert_action {
  std::string label;    ///< "Restart"
  std::string emoji;    ///< "🔄" (Matrix reactions)
  std::string command;  ///< "restart nginx @nas"
};

class chat_transport {
 public:
  virtual ~chat_transport() = default;
  /// "matrix", "discord".
  virtual std::string network() const = 0;
  /// Posts to a room; queued and rate-limited by the transport.
  virtual void post(const std::string& room, chat_reply reply, std::vector<alert_action> actions) = 0;
};

}  // namespace wagbot::core
