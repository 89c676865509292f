#include "wagbot/store/key_store.hpp"

namespace wagbot::store {

namespace {

constexpr std::size_t suffix_size = 8;

std::string row_aad(const std::string& user, const std::string& alias) {
  return user + '\n' + alias;
}

std::string suffix_of(const std::string& secret) {
  return secret.size() <= suffix_size ? secret : secret.substr(secret.size() - suffix_size);
}

constexpr const char* select_columns =
    "SELECT user_name, alias, url, sealed_key, suffix, added_at FROM host_keys ";

}  // namespace

key_store::key_store(database& db, const vault& v) : db_(db), vault_(v) {}

void key_store::put(const std::string& user, const std::string& alias, const std::string& url,
                    const std::string& secret, std::int64_t now) {
  db_.run(
      "INSERT INTO host_keys (user_name, alias, url, sealed_key, suffix, added_at)"
      " VALUES (?, ?, ?, ?, ?, ?)"
      " ON CONFLICT (user_name, alias) DO UPDATE SET url = excluded.url,"
      " sealed_key = excluded.sealed_key, suffix = excluded.suffix, added_at = excluded.added_at",
      user, alias, url, vault_.seal(secret, row_aad(user, alias)), suffix_of(secret), now);
}

bool key_store::remove(const std::string& user, const std::string& alias) {
  return db_.run("DELETE FROM host_keys WHERE user_name = ? AND alias = ?", user, alias) > 0;
}

std::vector<host_key> key_store::list(const std::string& user) {
  auto query = db_.query(std::string(select_columns) + "WHERE user_name = ? ORDER BY alias", user);
  std::vector<host_key> keys;
  while (query.executeStep()) {
    if (auto key = decode_row(query)) keys.push_back(std::move(*key));
  }
  return keys;
}

std::optional<host_key> key_store::get(const std::string& user, const std::string& alias) {
  auto query =
      db_.query(std::string(select_columns) + "WHERE user_name = ? AND alias = ?", user, alias);
  if (!query.executeStep()) return std::nullopt;
  return decode_row(query);
}

std::vector<std::string> key_store::unreadable(const std::string& user) {
  auto query = db_.query(std::string(select_columns) + "WHERE user_name = ? ORDER BY alias", user);
  std::vector<std::string> aliases;
  while (query.executeStep()) {
    if (!decode_row(query)) aliases.push_back(query.getColumn(1).getString());
  }
  return aliases;
}

std::optional<host_key> key_store::decode_row(SQLite::Statement& row) const {
  host_key key;
  key.user = row.getColumn(0).getString();
  key.alias = row.getColumn(1).getString();
  auto secret = vault_.open(row.getColumn(3).getString(), row_aad(key.user, key.alias));
  if (!secret) return std::nullopt;
  key.url = row.getColumn(2).getString();
  key.secret = std::move(*secret);
  key.suffix = row.getColumn(4).getString();
  key.added_at = row.getColumn(5).getInt64();
  return key;
}

std::optional<std::string> key_store::owner(const std::string& alias, const std::string& suffix) {
  if (suffix.empty()) return std::nullopt;
  auto q = db_.query(
      "SELECT user_name FROM host_keys WHERE alias = ? AND suffix = ? ORDER BY user_name LIMIT 2",
      alias, suffix);
  std::optional<std::string> found;
  while (q.executeStep()) {
    if (found) return std::nullopt;  // two keys alike in their last 8 characters: say neither
    found = q.getColumn(0).getString();
  }
  return found;
}

}  // namespace wagbot::store
