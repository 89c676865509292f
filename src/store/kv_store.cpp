#include "wagbot/store/kv_store.hpp"

namespace wagbot::store {

kv_store::kv_store(database& db) : db_(db) {}

std::optional<std::string> kv_store::get(const std::string& key) {
  SQLite::Statement query(db_.sql(), "SELECT value FROM kv WHERE name = ?");
  query.bind(1, key);
  if (!query.executeStep()) return std::nullopt;
  return query.getColumn(0).getString();
}

void kv_store::set(const std::string& key, const std::string& value) {
  SQLite::Statement upsert(db_.sql(),
                           "INSERT INTO kv (name, value) VALUES (?, ?)"
                           " ON CONFLICT (name) DO UPDATE SET value = excluded.value");
  upsert.bind(1, key);
  upsert.bind(2, value);
  upsert.exec();
}

bool kv_store::erase(const std::string& key) {
  SQLite::Statement erase(db_.sql(), "DELETE FROM kv WHERE name = ?");
  erase.bind(1, key);
  return erase.exec() > 0;
}

}  // namespace wagbot::store
