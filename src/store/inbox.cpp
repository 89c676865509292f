#include "wagbot/store/inbox.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace wagbot::store {

inbox::inbox(database& db) : db_(db) {}

bool inbox::add(const inbox_entry& e, std::int64_t now) {
  SQLite::Statement q(
      db_.sql(),
      "INSERT OR IGNORE INTO inbox (network, event_id, room, payload, state, received_at) "
      "VALUES (?, ?, ?, ?, 'queued', ?)");
  q.bind(1, e.network);
  q.bind(2, e.event_id);
  q.bind(3, e.room);
  q.bind(4, e.payload);
  q.bind(5, static_cast<std::int64_t>(now));
  return q.exec() == 1;
}

bool inbox::start(const std::string& network, const std::string& event_id) {
  SQLite::Statement q(
      db_.sql(),
      "UPDATE inbox SET state = 'started' WHERE network = ? AND event_id = ? AND state = 'queued'");
  q.bind(1, network);
  q.bind(2, event_id);
  return q.exec() == 1;
}

void inbox::finish(const std::string& network, const std::string& event_id) {
  SQLite::Statement q(db_.sql(),
                      "UPDATE inbox SET state = 'done' WHERE network = ? AND event_id = ?");
  q.bind(1, network);
  q.bind(2, event_id);
  q.exec();
}

namespace {
std::vector<inbox_entry> in_state(database& db, const std::string& network, const char* state) {
  SQLite::Statement q(
      db.sql(),
      "SELECT network, event_id, room, payload FROM inbox WHERE network = ? AND state = ? "
      "ORDER BY received_at, rowid");
  q.bind(1, network);
  q.bind(2, state);
  std::vector<inbox_entry> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                   q.getColumn(2).getString(), q.getColumn(3).getString()});
  return out;
}
}  // namespace

std::vector<inbox_entry> inbox::queued(const std::string& network) {
  return in_state(db_, network, "queued");
}

std::vector<inbox_entry> inbox::interrupted(const std::string& network) {
  return in_state(db_, network, "started");
}

void inbox::prune(std::int64_t before) {
  SQLite::Statement q(db_.sql(), "DELETE FROM inbox WHERE state = 'done' AND received_at < ?");
  q.bind(1, static_cast<std::int64_t>(before));
  q.exec();
}

}  // namespace wagbot::store
