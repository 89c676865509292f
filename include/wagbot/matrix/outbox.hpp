#pragma once
// Everything the bot sends to a room goes through here: one ordered queue per room, so
// replies arrive in the order they were queued; 429s are waited out (Retry-After /
// retry_after_ms) and transient failures retried with the SAME txnId, which the homeserver
// deduplicates — a retry never posts twice.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "wagbot/core/log.hpp"
#include "wagbot/matrix/client.hpp"

namespace wagbot::matrix {

class e2ee;

class outbox {
 public:
  outbox(client& api, core::logger log);
  /// From now on, what goes to an encrypted room is encrypted first (once; retries resend it).
  void encrypt_with(e2ee* crypto) { crypto_ = crypto; }

  /// Sends one event; returns its event id once the homeserver accepted it. Gives up (with
  /// the last error) only on a permanent error or after `give_up` of retrying.
  task<std::string> send(const std::string& room, const std::string& type, pm::json content);
  /// Redacts an event, queued in the same order.
  task<std::string> redact(const std::string& room, const std::string& event_id,
                           const std::string& reason);

  /// Sends queued but not yet accepted, across rooms (for metrics and shutdown).
  std::size_t depth() const { return depth_; }
  /// 429 answers seen.
  std::uint64_t rate_limited() const { return rate_limited_; }

 private:
  struct lane {
    std::uint64_t next_ticket = 0;
    std::uint64_t serving = 0;
    /// The timer of each send waiting for its turn: only the next one is woken.
    std::map<std::uint64_t, boost::asio::steady_timer*> waiting;
  };
  std::string next_txn();
  boost::asio::awaitable<void> wait_turn(lane& l, std::uint64_t ticket);
  void finish_turn(lane& l);
  template <class Call>
  task<std::string> with_retries(std::string room, Call call);
  task<std::string> send_once(std::string room, std::string type, pm::json content, std::string txn,
                              std::shared_ptr<std::optional<pm::json>> sealed);

  client& api_;
  core::logger log_;
  e2ee* crypto_ = nullptr;
  std::map<std::string, lane> lanes_;
  std::string txn_prefix_;
  std::uint64_t txn_counter_ = 0;
  std::size_t depth_ = 0;
  std::uint64_t rate_limited_ = 0;
  std::chrono::seconds give_up_{300};
};

}  // namespace wagbot::matrix
