#include "wagbot/store/room_settings.hpp"

namespace wagbot::store {

room_settings::room_settings(database& db) : db_(db) {}

std::optional<std::string> room_settings::default_host(const std::string& network,
                                                       const std::string& room) {
  auto query = db_.query("SELECT default_host FROM room_settings WHERE network = ? AND room = ?",
                         network, room);
  if (!query.executeStep() || query.getColumn(0).isNull()) return std::nullopt;
  return query.getColumn(0).getString();
}

void room_settings::set_default_host(const std::string& network, const std::string& room,
                                     const std::string& alias) {
  db_.run(
      "INSERT INTO room_settings (network, room, default_host) VALUES (?, ?, ?)"
      " ON CONFLICT (network, room) DO UPDATE SET default_host = excluded.default_host",
      network, room, alias);
}

bool room_settings::clear_default_host(const std::string& network, const std::string& room) {
  return db_.run(
             "UPDATE room_settings SET default_host = NULL"
             " WHERE network = ? AND room = ? AND default_host IS NOT NULL",
             network, room) > 0;
}

}  // namespace wagbot::store
