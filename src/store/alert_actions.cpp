#include "wagbot/store/alert_actions.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace wagbot::store {

namespace {
constexpr const char* columns = "id, network, room, message, label, emoji, command, created_at";

std::optional<alert_action_row> one(SQLite::Statement& q) {
  if (!q.executeStep()) return std::nullopt;
  return alert_action_row{q.getColumn(0).getInt64(),  q.getColumn(1).getString(),
                          q.getColumn(2).getString(), q.getColumn(3).getString(),
                          q.getColumn(4).getString(), q.getColumn(5).getString(),
                          q.getColumn(6).getString(), q.getColumn(7).getInt64()};
}
}  // namespace

alert_actions::alert_actions(database& db, std::int64_t keep_seconds)
    : db_(db), keep_seconds_(keep_seconds) {}

std::int64_t alert_actions::add(const std::string& network, const std::string& room,
                                const std::string& label, const std::string& emoji,
                                const std::string& command, std::int64_t now) {
  db_.run("DELETE FROM alert_actions WHERE created_at < ?", now - keep_seconds_);
  db_.run(
      "INSERT INTO alert_actions (network, room, message, label, emoji, command, created_at) "
      "VALUES (?, ?, '', ?, ?, ?, ?)",
      network, room, label, emoji, command, now);
  return db_.sql().getLastInsertRowid();
}

void alert_actions::set_message(const std::vector<std::int64_t>& ids, const std::string& message) {
  SQLite::Statement q(db_.sql(), "UPDATE alert_actions SET message = ? WHERE id = ?");
  for (auto id : ids) {
    q.bind(1, message);
    q.bind(2, id);
    q.exec();
    q.reset();
  }
}

std::optional<alert_action_row> alert_actions::get(std::int64_t id) {
  auto q = db_.query(std::string("SELECT ") + columns + " FROM alert_actions WHERE id = ?", id);
  return one(q);
}

std::optional<alert_action_row> alert_actions::find(const std::string& network,
                                                    const std::string& room,
                                                    const std::string& message,
                                                    const std::string& emoji) {
  if (message.empty()) return std::nullopt;
  auto q = db_.query(
      std::string("SELECT ") + columns +
          " FROM alert_actions WHERE network = ? AND room = ? AND message = ? AND emoji = ?",
      network, room, message, emoji);
  return one(q);
}

}  // namespace wagbot::store
