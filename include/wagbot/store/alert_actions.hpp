#pragma once
// The follow-ups (Restart, Logs) offered on posted alerts, kept in the database so that a
// button or reaction on an alert posted before a restart still runs what it showed, and an
// id handed out once is never handed out again for another alert.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wagbot/store/database.hpp"

namespace wagbot::store {

struct alert_action_row {
  std::int64_t id = 0;  ///< never reused (Discord buttons carry it)
  std::string network, room;
  std::string message;  ///< the posted alert's event/message id once known (Matrix)
  std::string label, emoji, command;
  std::int64_t created_at = 0;
};

class alert_actions {
 public:
  /// Rows older than `keep_seconds` are dropped as new ones are added.
  explicit alert_actions(database& db, std::int64_t keep_seconds = 30 * 24 * 3600);

  /// Stores one action of an alert about to be posted to `room`; returns its id.
  std::int64_t add(const std::string& network, const std::string& room, const std::string& label,
                   const std::string& emoji, const std::string& command, std::int64_t now);
  /// Records the posted alert's id on the actions `ids`.
  void set_message(const std::vector<std::int64_t>& ids, const std::string& message);
  /// The action with this id, if it is still kept.
  std::optional<alert_action_row> get(std::int64_t id);
  /// The action on `message` (in `room`) shown as `emoji`, if any.
  std::optional<alert_action_row> find(const std::string& network, const std::string& room,
                                       const std::string& message, const std::string& emoji);

 private:
  database& db_;
  std::int64_t keep_seconds_;
};

}  // namespace wagbot::store
