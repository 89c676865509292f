#include "wagbot/store/subscriptions.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <sstream>

namespace wagbot::store {

namespace {
std::string joined(const std::vector<std::string>& words) {
  std::ostringstream out;
  for (std::size_t i = 0; i < words.size(); ++i) out << (i == 0 ? "" : " ") << words[i];
  return out.str();
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<subscription> read(SQLite::Statement& q) {
  std::vector<subscription> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                   q.getColumn(2).getString(), split(q.getColumn(3).getString()),
                   q.getColumn(4).getString(), q.getColumn(5).getInt64()});
  return out;
}
}  // namespace

subscriptions::subscriptions(database& db) : db_(db) {}

void subscriptions::put(const subscription& s) {
  db_.run(
      "INSERT OR REPLACE INTO alert_subscriptions (network, room, host, patterns, "
      "created_by, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      s.network, s.room, s.host, joined(s.patterns), s.created_by,
      static_cast<std::int64_t>(s.created_at));
}

bool subscriptions::remove(const std::string& network, const std::string& room,
                           const std::string& host) {
  return db_.run("DELETE FROM alert_subscriptions WHERE network = ? AND room = ? AND host = ?",
                 network, room, host) > 0;
}

std::vector<subscription> subscriptions::of_room(const std::string& network,
                                                 const std::string& room) {
  auto q = db_.query(
      "SELECT network, room, host, patterns, created_by, created_at FROM alert_subscriptions "
      "WHERE network = ? AND room = ? ORDER BY host",
      network, room);
  return read(q);
}

std::vector<subscription> subscriptions::of_host(const std::string& host) {
  auto q = db_.query(
      "SELECT network, room, host, patterns, created_by, created_at FROM alert_subscriptions "
      "WHERE host = ? ORDER BY network, room",
      host);
  return read(q);
}

}  // namespace wagbot::store
