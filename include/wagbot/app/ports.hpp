#pragma once
// The SQLite stores behind the state interfaces transports are given (core/state.hpp).
#include "wagbot/core/state.hpp"
#include "wagbot/store/alert_actions.hpp"
#include "wagbot/store/inbox.hpp"
#include "wagbot/store/kv_store.hpp"
#include "wagbot/store/vault.hpp"

namespace wagbot::app {

/// core::kv_state over the kv table.
class kv_port final : public core::kv_state {
 public:
  explicit kv_port(store::kv_store& kv) : kv_(kv) {}
  std::optional<std::string> get(const std::string& key) override { return kv_.get(key); }
  void set(const std::string& key, const std::string& value) override { kv_.set(key, value); }
  bool erase(const std::string& key) override { return kv_.erase(key); }

 private:
  store::kv_store& kv_;
};

/// core::journal over the inbox table.
class journal_port final : public core::journal {
 public:
  explicit journal_port(store::inbox& inbox) : inbox_(inbox) {}
  bool add(const core::journal_entry& e, std::int64_t now) override;
  bool add_started(const core::journal_entry& e, std::int64_t now) override;
  bool start(const std::string& network, const std::string& event_id) override {
    return inbox_.start(network, event_id);
  }
  void finish(const std::string& network, const std::string& event_id) override {
    inbox_.finish(network, event_id);
  }
  std::vector<core::journal_entry> queued(const std::string& network) override;
  std::vector<core::journal_entry> interrupted(const std::string& network) override;

 private:
  store::inbox& inbox_;
};

/// core::action_book over the alert_actions table.
class action_port final : public core::action_book {
 public:
  explicit action_port(store::alert_actions& actions) : actions_(actions) {}
  std::int64_t add(const std::string& network, const std::string& room, const std::string& label,
                   const std::string& emoji, const std::string& command,
                   std::int64_t now) override {
    return actions_.add(network, room, label, emoji, command, now);
  }
  void set_message(const std::vector<std::int64_t>& ids, const std::string& message) override {
    actions_.set_message(ids, message);
  }
  std::optional<core::offered_action> get(std::int64_t id) override;
  std::optional<core::offered_action> find(const std::string& network, const std::string& room,
                                           const std::string& message,
                                           const std::string& emoji) override;

 private:
  store::alert_actions& actions_;
};

/// core::sealer over the vault.
class sealer_port final : public core::sealer {
 public:
  explicit sealer_port(const store::vault& vault) : vault_(vault) {}
  std::string seal(std::string_view plaintext, std::string_view aad) const override {
    return vault_.seal(plaintext, aad);
  }
  std::optional<std::string> open(std::string_view sealed, std::string_view aad) const override {
    return vault_.open(sealed, aad);
  }

 private:
  const store::vault& vault_;
};

}  // namespace wagbot::app
