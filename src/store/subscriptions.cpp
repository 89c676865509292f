#include "wagbot/store/subscriptions.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <sstream>

namespace wagbot::store {

namespace {
std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
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
  SQLite::Statement q(db_.sql(),
                      "INSERT OR REPLACE INTO alert_subscriptions (network, room, host, patterns, "
                      "created_by, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)");
  q.bind(1, s.network);
  q.bind(2, s.room);
  q.bind(3, s.host);
  q.bind(4, joined(s.patterns));
  q.bind(5, s.created_by);
  q.bind(6, static_cast<std::int64_t>(s.created_at));
  q.exec();
}

bool subscriptions::remove(const std::string& network, const std::string& room,
                           const std::string& host) {
  SQLite::Statement q(
      db_.sql(), "DELETE FROM alert_subscriptions WHERE network = ? AND room = ? AND host = ?");
  q.bind(1, network);
  q.bind(2, room);
  q.bind(3, host);
  return q.exec() > 0;
}

std::vector<subscription> subscriptions::of_room(const std::string& network,
                                                 const std::string& room) {
  SQLite::Statement q(
      db_.sql(),
      "SELECT network, room, host, patterns, created_by, created_at FROM alert_subscriptions "
      "WHERE network = ? AND room = ? ORDER BY host");
  q.bind(1, network);
  q.bind(2, room);
  return read(q);
}

std::vector<subscription> subscriptions::of_host(const std::string& host) {
  SQLite::Statement q(
      db_.sql(),
      "SELECT network, room, host, patterns, created_by, created_at FROM alert_subscriptions "
      "WHERE host = ? ORDER BY network, room");
  q.bind(1, host);
  return read(q);
}

}  // namespace wagbot::store
