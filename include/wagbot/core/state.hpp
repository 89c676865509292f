#pragma once
// What a transport keeps across restarts, as interfaces: app/ backs them with the SQLite
// stores, so that transports never reach the database layer themselves.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wagbot::core {

/// Small named values (the Matrix sync position and session, the Discord session).
class kv_state {
 public:
  virtual ~kv_state() = default;
  virtual std::optional<std::string> get(const std::string& key) = 0;
  virtual void set(const std::string& key, const std::string& value) = 0;
  /// True when the key existed.
  virtual bool erase(const std::string& key) = 0;
};

/// One event taken from the network, as the journal keeps it.
struct journal_entry {
  std::string network, event_id, room, payload;
};

/// Events taken but not yet done: a restart runs what never started, reports what it cut short,
/// and never runs anything twice.
class journal {
 public:
  virtual ~journal() = default;
  /// False when the event was seen before (a duplicate delivery).
  virtual bool add(const journal_entry& e, std::int64_t now) = 0;
  /// False when it had already started.
  virtual bool start(const std::string& network, const std::string& event_id) = 0;
  /// add() and start() in one write, for what runs the moment it arrives (an interaction).
  virtual bool add_started(const journal_entry& e, std::int64_t now) = 0;
  virtual void finish(const std::string& network, const std::string& event_id) = 0;
  /// Journalled, never started, oldest first.
  virtual std::vector<journal_entry> queued(const std::string& network) = 0;
  /// Started and never finished (a crash).
  virtual std::vector<journal_entry> interrupted(const std::string& network) = 0;
};

/// A follow-up offered on a posted alert.
struct offered_action {
  std::int64_t id = 0;  ///< never reused (Discord buttons carry it)
  std::string network, room, message, label, emoji, command;
};

/// The follow-ups of posted alerts, kept so that they still work after a restart.
class action_book {
 public:
  virtual ~action_book() = default;
  /// Stores one action of an alert about to be posted; returns its id.
  virtual std::int64_t add(const std::string& network, const std::string& room,
                           const std::string& label, const std::string& emoji,
                           const std::string& command, std::int64_t now) = 0;
  /// Records the posted alert's id on the actions `ids`.
  virtual void set_message(const std::vector<std::int64_t>& ids, const std::string& message) = 0;
  virtual std::optional<offered_action> get(std::int64_t id) = 0;
  /// The action on `message` in `room` shown as `emoji`.
  virtual std::optional<offered_action> find(const std::string& network, const std::string& room,
                                             const std::string& message,
                                             const std::string& emoji) = 0;
};

/// Seals secrets at rest (the Matrix access token) with wagbot's master key.
class sealer {
 public:
  virtual ~sealer() = default;
  virtual std::string seal(std::string_view plaintext, std::string_view aad) const = 0;
  virtual std::optional<std::string> open(std::string_view sealed, std::string_view aad) const = 0;
};

/// What a transport is given to keep its state.
struct transport_state {
  kv_state& kv;
  journal& inbox;
  action_book& actions;
  const sealer& secrets;
};

}  // namespace wagbot::core
