#include "wagbot/store/audit_log.hpp"

#include <algorithm>
#include <limits>

namespace wagbot::store {

audit_log::audit_log(database& db) : db_(db) {}

void audit_log::append(const audit_entry& e) {
  db_.run(
      "INSERT INTO audit_log (at, user_name, network, room, host, action_name, target, outcome,"
      " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      e.time, e.user, e.network, e.room, e.host, e.action, e.target, e.outcome, e.detail);
}

std::vector<audit_entry> audit_log::recent(std::size_t n) {
  // Ties on the second are broken by insertion order, so "newest" is what was appended last.
  SQLite::Statement query(
      db_.sql(),
      "SELECT at, user_name, network, room, host, action_name, target, outcome, detail"
      " FROM audit_log ORDER BY at DESC, id DESC LIMIT ?");
  constexpr auto max_limit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  query.bind(1, static_cast<std::int64_t>(std::min(n, max_limit)));
  std::vector<audit_entry> entries;
  while (query.executeStep()) {
    audit_entry e;
    read_row(query, e.time, e.user, e.network, e.room, e.host, e.action, e.target, e.outcome,
             e.detail);
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace wagbot::store
