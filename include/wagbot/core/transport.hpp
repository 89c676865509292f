#pragma once
// What the rest of wagbot needs from a chat network (Matrix, Discord, the terminal): run it,
// ask how it is, post a message nobody asked for (alerts), and update a prompt it sent. Each
// transport turns its own traffic into chat_events for the conversation (core/conversation.hpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "wagbot/core/reply.hpp"

namespace wagbot::core {

/// A follow-up to an alert; `command` is a command line run as the user who triggers it, so
/// it passes the same scope checks and confirmations as if they had typed it.
struct alert_action {
  std::string label;    ///< "Restart"
  std::string emoji;    ///< "🔄" (Matrix reactions)
  std::string command;  ///< "restart nginx @nas"
};

/// Where a sent message is, in its network's own terms.
struct message_ref {
  std::string room;  ///< room / channel id
  std::string id;    ///< Matrix event id, Discord "channel:message"; empty when unknown
};

/// How a transport is doing, for /readyz and /metrics.
struct transport_status {
  bool connected = false;           ///< logged in and receiving
  bool idle = true;                 ///< nothing queued or running (a graceful stop waits for it)
  std::size_t queue_depth = 0;      ///< messages waiting to be sent
  std::uint64_t rate_limited = 0;   ///< 429s met so far
  std::uint64_t reconnects = 0;     ///< times the link came back after a failure
  std::uint64_t undecryptable = 0;  ///< encrypted events that could not be read
  std::string degraded;  ///< why it works only in part (for /readyz); empty when all is well
};

class chat_transport {
 public:
  virtual ~chat_transport() = default;
  /// "matrix", "discord", "shell": the key of users' ids and of stored prompts.
  virtual std::string network() const = 0;
  /// Connects and serves until stop(); 0 then, or a process exit code for a fatal failure.
  virtual boost::asio::awaitable<int> run() = 0;
  /// Takes no new work; what was taken finishes (see status().idle).
  virtual void stop() = 0;
  virtual transport_status status() const = 0;
  /// Posts to a room; queued and rate-limited by the transport. Actions become reactions,
  /// buttons or words, and run as whoever picks them.
  virtual void post(const std::string& room, chat_reply reply,
                    std::vector<alert_action> actions) = 0;
  /// Replaces the text of the prompt `where` (confirmation `reply.confirmation_id`) with
  /// `reply`, and retires its choices.
  virtual void update(const message_ref& where, chat_reply reply) = 0;
};

}  // namespace wagbot::core
