#include "wagbot/store/inbox.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace wagbot::store {

inbox::inbox(database& db) : db_(db) {}

bool inbox::add(const inbox_entry& e, std::int64_t now, const char* state) {
  return db_.run(
             "INSERT OR IGNORE INTO inbox (network, event_id, room, payload, state, received_at) "
             "VALUES (?, ?, ?, ?, ?, ?)",
             e.network, e.event_id, e.room, e.payload, std::string(state),
             static_cast<std::int64_t>(now)) == 1;
}

bool inbox::start(const std::string& network, const std::string& event_id) {
  return db_.run(
             "UPDATE inbox SET state = 'started' WHERE network = ? AND event_id = ? AND state = "
             "'queued'",
             network, event_id) == 1;
}

void inbox::finish(const std::string& network, const std::string& event_id) {
  db_.run("UPDATE inbox SET state = 'done' WHERE network = ? AND event_id = ?", network, event_id);
}

namespace {
std::vector<inbox_entry> in_state(database& db, const std::string& network, const char* state) {
  auto q = db.query(
      "SELECT network, event_id, room, payload FROM inbox WHERE network = ? AND state = ? "
      "ORDER BY received_at, rowid",
      network, state);
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
  // Asked every second. Rows come in arrival order, so the first one says at once whether any
  // can be due, without a scan of the table or a write lock (a clock set back only delays it).
  {
    auto first = db_.query("SELECT received_at FROM inbox ORDER BY rowid LIMIT 1");
    if (!first.executeStep() || first.getColumn(0).getInt64() >= before) return;
  }
  db_.run("DELETE FROM inbox WHERE state = 'done' AND received_at < ?",
          static_cast<std::int64_t>(before));
}

}  // namespace wagbot::store
