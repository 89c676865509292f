#include "wagbot/store/kv_store.hpp"

namespace wagbot::store {

kv_store::kv_store(database& db) : db_(db) {}

std::optional<std::string> kv_store::get(const std::string& key) {
  auto query = db_.query("SELECT value FROM kv WHERE name = ?", key);
  if (!query.executeStep()) return std::nullopt;
  return query.getColumn(0).getString();
}

void kv_store::set(const std::string& key, const std::string& value) {
  db_.run(
      "INSERT INTO kv (name, value) VALUES (?, ?)"
      " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      key, value);
}

bool kv_store::erase(const std::string& key) {
  return db_.run("DELETE FROM kv WHERE name = ?", key) > 0;
}

}  // namespace wagbot::store
