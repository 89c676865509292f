#pragma once
// Chat events a transport has taken for execution. An event is journalled (queued) before the
// sync position moves past it, marked started just before it runs, and done after: a restart
// re-runs what was queued, never what had started (at most once) — and never replays history.
#include <cstdint>
#include <string>
#include <vector>

#include "wagbot/store/database.hpp"

namespace wagbot::store {

struct inbox_entry {
  std::string network, event_id, room, payload;
};

class inbox {
 public:
  explicit inbox(database& db);

  /// Journals an event; false when it was seen before (a duplicate delivery).
  /// Journals `e` as `state` ('queued', or 'started' for what runs at once); false when it
  /// was seen before.
  bool add(const inbox_entry& e, std::int64_t now, const char* state = "queued");
  /// Marks it started; false when it had already started (never run it twice).
  bool start(const std::string& network, const std::string& event_id);
  void finish(const std::string& network, const std::string& event_id);
  /// Events journalled but never started, oldest first (to run after a restart).
  std::vector<inbox_entry> queued(const std::string& network);
  /// Events that started and never finished (interrupted by a crash).
  std::vector<inbox_entry> interrupted(const std::string& network);
  /// Forgets finished entries older than `before` (they only serve deduplication).
  void prune(std::int64_t before);

 private:
  database& db_;
};

}  // namespace wagbot::store
