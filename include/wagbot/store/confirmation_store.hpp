#pragma once
// Pending confirmations of destructive actions: persisted so a restart does not lose them, and
// resolved at most once even when two people click at the same moment.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagbot/store/database.hpp"

namespace wagbot::store {

/// Where a confirmation is in its life; only `pending` can change.
enum class confirmation_state { pending, confirmed, cancelled, expired };

/// "pending", "confirmed", "cancelled" or "expired" — also the stored form.
std::string_view to_string(confirmation_state s);

/// The inverse of to_string; nullopt for anything else.
std::optional<confirmation_state> parse_confirmation_state(std::string_view text);

/// A destructive action waiting for a human yes or no.
struct confirmation {
  /// Short code people can type, e.g. "k3x9p2": 6 chars of [a-z0-9] without 0/o/1/l.
  std::string id;
  std::string requester;                        ///< canonical wagbot user name
  std::string network, room;                    ///< where it was asked ("shell", "matrix", ...)
  std::string action_json;                      ///< the serialized plan to run when confirmed
  std::string summary;                          ///< human text: what will happen
  std::vector<std::string> approvers;           ///< who may resolve it; empty = the requester only
  std::int64_t created_at = 0, expires_at = 0;  ///< unix seconds
  confirmation_state state = confirmation_state::pending;  ///< only pending ones can be resolved
  std::string prompt_ref;  ///< transport id of the prompt message (event id / message id)
};

/// Confirmations in the state database, keyed by their short id.
class confirmation_store {
 public:
  /// db must outlive the store.
  explicit confirmation_store(database& db);

  /// Persists c (generating a unique id when c.id is empty) and returns the id.
  std::string create(confirmation c);

  /// The confirmation with this id, in whatever state.
  std::optional<confirmation> get(const std::string& id);

  /// The confirmation whose prompt message is prompt_ref on network (a reaction or button click).
  std::optional<confirmation> find_by_prompt(const std::string& network,
                                             const std::string& prompt_ref);

  /// Records the transport id of the prompt once it has been posted.
  void set_prompt_ref(const std::string& id, const std::string& prompt_ref);

  /// Atomically moves a pending, unexpired (expires_at > now) confirmation to `to`; returns it
  /// (with the new state) only to the one caller that won. Single use: a second call gets nullopt.
  /// Throws std::invalid_argument when `to` is pending.
  std::optional<confirmation> resolve(const std::string& id, confirmation_state to,
                                      std::int64_t now);

  /// Marks every pending confirmation with expires_at <= now as expired and returns them.
  std::vector<confirmation> expire_due(std::int64_t now);

  /// Pending ones of this requester, oldest first.
  std::vector<confirmation> pending_for(const std::string& requester);
  /// How many are waiting for an answer, everyone's.
  std::size_t pending_count();

 private:
  SQLite::Statement select(const char* condition);
  std::vector<confirmation> read_all(SQLite::Statement& query);
  std::string unused_id();

  database& db_;
};

}  // namespace wagbot::store
