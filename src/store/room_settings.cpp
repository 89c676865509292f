#include "wagbot/store/room_settings.hpp"

namespace wagbot::store {

room_settings::room_settings(database& db) : db_(db) {}

std::optional<std::string> room_settings::default_host(const std::string& network,
                                                       const std::string& room) {
  SQLite::Statement query(db_.sql(),
                          "SELECT default_host FROM room_settings WHERE network = ? AND room = ?");
  query.bind(1, network);
  query.bind(2, room);
  if (!query.executeStep() || query.getColumn(0).isNull()) return std::nullopt;
  return query.getColumn(0).getString();
}

void room_settings::set_default_host(const std::string& network, const std::string& room,
                                     const std::string& alias) {
  SQLite::Statement upsert(
      db_.sql(),
      "INSERT INTO room_settings (network, room, default_host) VALUES (?, ?, ?)"
      " ON CONFLICT (network, room) DO UPDATE SET default_host = excluded.default_host");
  upsert.bind(1, network);
  upsert.bind(2, room);
  upsert.bind(3, alias);
  upsert.exec();
}

bool room_settings::clear_default_host(const std::string& network, const std::string& room) {
  SQLite::Statement update(db_.sql(),
                           "UPDATE room_settings SET default_host = NULL"
                           " WHERE network = ? AND room = ? AND default_host IS NOT NULL");
  update.bind(1, network);
  update.bind(2, room);
  return update.exec() > 0;
}

}  // namespace wagbot::store
