#pragma once
// End-to-end encryption for the Matrix transport: the crypto machine (crypto_machine.hpp) fed
// from every /sync, its requests sent over the bot's own client, the bot's cross-signed
// identity, and encrypting/decrypting room events. Commands that arrive encrypted are handled
// exactly like plain ones once decrypted; everything sent into an encrypted room is encrypted.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "wagbot/core/log.hpp"
#include "wagbot/core/state.hpp"
#include "wagbot/matrix/client.hpp"
#include "wagbot/matrix/config.hpp"
#include "wagbot/matrix/crypto_machine.hpp"

namespace wagbot::matrix {

/// An encrypted event that could not be read yet, and why.
struct undecrypted {
  pm::event event;
  std::string reason;  ///< the crypto library's kind: missing_key, untrusted, withheld, …
  std::chrono::steady_clock::time_point since;
};

class e2ee {
 public:
  e2ee(client& api, const matrix::config& cfg, core::kv_state& kv, const core::sealer& secrets,
       core::logger log);
  ~e2ee();

  /// Opens the store and makes sure the bot's device is cross-signed by the identity the
  /// account holds; 0, or exit_identity with the reason logged.
  boost::asio::awaitable<int> start(const std::string& user_id, const std::string& device_id);
  bool ready() const { return machine_ != nullptr; }

  /// A sync's to-device events, device lists and key counts, then the requests that follow.
  /// Returns the rooms that received new room keys (events waiting there may now decrypt).
  boost::asio::awaitable<std::vector<std::string>> on_sync(const pm::sync_response& batch);
  /// The room is encrypted (its m.room.encryption state, or an encrypted event, was seen).
  void mark_encrypted(const std::string& room) { encrypted_[room] = true; }
  /// Its membership changed: members are listed again before the next room key is shared.
  void members_changed(const std::string& room) { members_.erase(room); }
  /// Whether the room is encrypted; asks the homeserver once when no event said so.
  boost::asio::awaitable<bool> is_encrypted(const std::string& room);

  /// The event in the clear (type, content, sender…), or why not (error.code as undecrypted).
  boost::asio::awaitable<result<pm::event>> decrypt(const pm::event& e);
  /// m.room.encrypted content for `content`, once every member's trusted devices hold the key.
  boost::asio::awaitable<result<pm::json>> encrypt(const std::string& room, const std::string& type,
                                                   const pm::json& content);
  /// Sends what the machine wants sent (key uploads, queries, to-device), until none is left.
  boost::asio::awaitable<void> pump();

  /// Events that could not be decrypted in a row, for /readyz and the metrics.
  std::uint64_t failures_in_a_row() const { return failures_in_a_row_; }
  std::uint64_t failures_total() const { return failures_total_; }

 private:
  // e2ee_identity.cpp
  boost::asio::awaitable<int> set_up_identity();
  /// The account's master key as the homeserver publishes it ("" when none, nullopt on error).
  boost::asio::awaitable<std::optional<std::string>> published_master_key();
  boost::asio::awaitable<int> bootstrap();
  boost::asio::awaitable<int> import_identity();
  std::string store_key();
  // e2ee.cpp
  boost::asio::awaitable<bool> send_request(const pm::json& request);
  boost::asio::awaitable<void> lock();
  void unlock();
  boost::asio::awaitable<result<std::vector<std::string>>> room_members(const std::string& room);

  client& api_;
  const matrix::config& cfg_;
  core::kv_state& kv_;
  const core::sealer& secrets_;
  core::logger log_;
  std::unique_ptr<crypto_machine> machine_;
  std::string user_id_;
  std::map<std::string, bool> encrypted_;
  pm::json last_key_counts_, last_fallback_types_;  ///< as fed last; unchanged ones are not
  std::map<std::string, std::vector<std::string>> members_;
  std::set<std::string> tracked_;  ///< users the crypto machine was told to track in this run
  bool busy_ = false;              ///< one key-sharing or request pump at a time
  std::deque<boost::asio::steady_timer*> waiting_;
  std::uint64_t failures_in_a_row_ = 0, failures_total_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  ///< expires with this object
};

}  // namespace wagbot::matrix
