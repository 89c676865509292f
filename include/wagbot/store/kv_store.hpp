#pragma once
// Named values that must survive a restart but deserve no table of their own.
#include <optional>
#include <string>

#include "wagbot/store/database.hpp"

namespace wagbot::store {

/// Small named values: Matrix next_batch, Discord session, ...
class kv_store {
 public:
  /// db must outlive the store.
  explicit kv_store(database& db);

  /// The value stored under key, if any.
  std::optional<std::string> get(const std::string& key);

  /// Stores value under key, replacing any previous one.
  void set(const std::string& key, const std::string& value);

  /// Deletes key; true when it existed.
  bool erase(const std::string& key);

 private:
  database& db_;
};

}  // namespace wagbot::store
