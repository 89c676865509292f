#pragma once
// Which rooms receive alerts from which hosts, persisted so they survive restarts.
#include <cstdint>
#include <string>
#include <vector>

#include "wagbot/store/database.hpp"

namespace wagbot::store {

struct subscription {
  std::string network, room, host;
  std::vector<std::string> patterns;  ///< container name globs; empty = every container
  std::string created_by;
  std::int64_t created_at = 0;
};

class subscriptions {
 public:
  explicit subscriptions(database& db);
  /// Adds or replaces the room's subscription to `host`.
  void put(const subscription& s);
  /// Removes the room's subscription to `host`; false when there was none.
  bool remove(const std::string& network, const std::string& room, const std::string& host);
  std::vector<subscription> of_room(const std::string& network, const std::string& room);
  std::vector<subscription> of_host(const std::string& host);

 private:
  database& db_;
};

}  // namespace wagbot::store
