#pragma once
// Per-user, per-host WAGMIOS API keys, sealed with the vault before they touch the disk.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wagbot/store/database.hpp"
#include "wagbot/store/vault.hpp"

namespace wagbot::store {

/// One user's key for one host. `secret` is the decrypted wag_live_ key; `suffix` its last 8 chars.
struct host_key {
  std::string user, alias, url, secret, suffix;
  std::int64_t added_at = 0;
};

/// Per-user, per-host API keys, encrypted at rest (aad = user + '\n' + alias). url and suffix
/// are stored in clear; the key never is.
class key_store {
 public:
  /// Both must outlive the store.
  key_store(database& db, const vault& v);

  /// Inserts or replaces (user, alias).
  void put(const std::string& user, const std::string& alias, const std::string& url,
           const std::string& secret, std::int64_t now);

  /// True when a key was there to remove.
  bool remove(const std::string& user, const std::string& alias);

  /// Sorted by alias. A row that fails to decrypt (master key changed) is skipped from list and
  /// reported by get() as nullopt; log nothing secret.
  std::vector<host_key> list(const std::string& user);

  /// nullopt when the user has no key for alias or it no longer decrypts.
  std::optional<host_key> get(const std::string& user, const std::string& alias);

  /// The user whose key for `alias` ends in `suffix` (the activity feed's `agent`), if any.
  std::optional<std::string> owner(const std::string& alias, const std::string& suffix);

  /// Aliases whose stored key no longer decrypts, so the user can be told to register them again.
  std::vector<std::string> unreadable(const std::string& user);

 private:
  std::optional<host_key> decode_row(SQLite::Statement& row) const;

  database& db_;
  const vault& vault_;
};

}  // namespace wagbot::store
