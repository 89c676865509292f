#pragma once
// The audit log: who did what, where, on which host, and how it ended. Append-only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wagbot/store/database.hpp"

namespace wagbot::store {

/// One audited action. detail must already be redacted: the log is kept forever.
struct audit_entry {
  std::int64_t time = 0;  ///< unix seconds
  std::string user, network, room, host, action, target, outcome, detail;
};

/// Append-only record of every action the bot ran or refused.
class audit_log {
 public:
  /// db must outlive the log.
  explicit audit_log(database& db);

  /// Stores e as a new row.
  void append(const audit_entry& e);

  /// Newest first, at most n.
  std::vector<audit_entry> recent(std::size_t n);

 private:
  database& db_;
};

}  // namespace wagbot::store
