#pragma once
// Settings that belong to a chat room rather than to a user.
#include <optional>
#include <string>

#include "wagbot/store/database.hpp"

namespace wagbot::store {

/// Per-room settings: the room's default host alias.
class room_settings {
 public:
  /// db must outlive the settings.
  explicit room_settings(database& db);

  /// The host alias commands in this room target when they name none.
  std::optional<std::string> default_host(const std::string& network, const std::string& room);

  /// Replaces the room's default host alias.
  void set_default_host(const std::string& network, const std::string& room,
                        const std::string& alias);

  /// Forgets the room's default host; true when there was one.
  bool clear_default_host(const std::string& network, const std::string& room);

 private:
  database& db_;
};

}  // namespace wagbot::store
