#pragma once
// The Matrix transport: logs in (reusing its persisted token and device), long-polls /sync,
// turns room messages and reactions into chat events for the dispatcher, and posts replies
// through the ordered outbox. Never executes a command twice, never replays history.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "wagbot/core/conversation.hpp"
#include "wagbot/core/log.hpp"
#include "wagbot/core/state.hpp"
#include "wagbot/core/transport.hpp"
#include "wagbot/matrix/client.hpp"
#include "wagbot/matrix/config.hpp"
#include "wagbot/matrix/e2ee.hpp"
#include "wagbot/matrix/outbox.hpp"
#include "wagbot/matrix/sync_fsm.hpp"

namespace wagbot::matrix {

/// The custom event type agents may use instead of a ```wagmios block; same JSON as content.
constexpr const char* agent_event_type = "org.wagmios.request";

/// True when a message's content holds a WAGMIOS key anywhere a client shows: its body, its
/// HTML twin, or the new content of an edit.
bool key_anywhere(const pm::json& content);

class bot : public core::chat_transport {
 public:
  bot(boost::asio::any_io_executor executor, const matrix::config& cfg, core::conversation& talk,
      net::http_client& http, core::transport_state state, core::logger log);

  /// Logs in, then syncs until stop(). Returns 0 after stop(), or an exit code.
  boost::asio::awaitable<int> run() override;
  /// Stops syncing; queued commands still run (see idle()).
  void stop() override { stopping_ = true; }
  core::transport_status status() const override;
  std::string network() const override { return "matrix"; }
  /// Posts an alert; its actions become reactions that run as whoever reacts.
  void post(const std::string& room, core::chat_reply reply,
            std::vector<core::alert_action> actions) override;
  void update(const core::message_ref& where, core::chat_reply reply) override;

  /// True when no command is queued or running.
  bool idle() const;
  /// True after the first successful /sync since the last failure.
  bool connected() const { return connected_; }
  const outbox& sender() const { return *outbox_; }
  /// Times syncing resumed after a failure.
  std::uint64_t reconnects() const { return reconnects_; }
  /// 429s on /sync (the outbox counts those on sends).
  std::uint64_t sync_rate_limited() const { return sync_rate_limited_; }

 private:
  struct room_state {
    std::deque<pm::json> queue;  ///< journalled events waiting to run, in order
    bool working = false;
    bool encrypted = false;
    std::optional<std::size_t> members;  ///< joined members, when known
  };

  // session.cpp
  boost::asio::awaitable<int> start_session();
  // bot.cpp
  boost::asio::awaitable<int> sync_loop();
  /// Uploads the sync filter (once per run), retrying as `fsm` says; 0 or an exit code.
  boost::asio::awaitable<int> upload_filter(sync_fsm& fsm);
  /// After a restart: notices for interrupted commands, then the journalled ones run.
  void replay_journal();
  /// /sync until stop() or an exit code, handing each batch to handle_batch.
  boost::asio::awaitable<int> sync_batches(sync_fsm& fsm);
  /// After a failed /sync: logs in again or waits, as `next` says; an exit code ends the run.
  boost::asio::awaitable<std::optional<int>> after_sync_failure(const wagbot::error& e,
                                                                const sync_action& next,
                                                                sync_fsm& fsm);
  boost::asio::awaitable<void> handle_batch(const pm::sync_response& batch, bool initial);
  // encrypted.cpp
  /// An encrypted event: taken like a plain one once decrypted, else kept for its room key.
  boost::asio::awaitable<void> take_encrypted(const pm::event& e);
  /// Events waiting for a key, tried again in the rooms that just received keys.
  boost::asio::awaitable<void> retry_undecrypted(const std::vector<std::string>& rooms);
  /// Events whose key never came: the sender hears about it once.
  void give_up_undecrypted();
  void tell_undecryptable(const pm::event& e, const std::string& why);
  /// After a crash: tells the room about a confirmation whose action a restart cut short.
  void interrupted_confirmation(const pm::event& reaction);
  void take(const pm::event& e);
  /// An event as the journal keeps it: only what replay needs, keys cut, sealed.
  std::string journal_text(const pm::json& payload) const;
  /// The event a journal entry holds (null when it cannot be read back).
  pm::json from_journal(const std::string& text) const;
  void enqueue(const std::string& room, pm::json payload);
  boost::asio::awaitable<void> room_worker(std::string room);
  void spawn(boost::asio::awaitable<void> work, const char* what);
  // events.cpp
  boost::asio::awaitable<void> on_invite(pm::invited_room invite);
  boost::asio::awaitable<void> on_message(const pm::event& e);
  boost::asio::awaitable<void> on_agent_event(const pm::event& e);
  boost::asio::awaitable<void> on_reaction(const pm::event& e);
  boost::asio::awaitable<void> encryption_notice(std::string room);
  boost::asio::awaitable<bool> is_direct(const std::string& room);
  /// True when the room's current members (joined or invited) are exactly `sender` and the bot.
  boost::asio::awaitable<bool> only_us(const std::string& room, const std::string& sender);
  std::optional<std::string> command_text(const pm::event& e, const std::string& body,
                                          bool direct) const;
  boost::asio::awaitable<void> leaked_key(const pm::event& e);
  boost::asio::awaitable<void> reply(const pm::event& to, const core::chat_reply& r);

  boost::asio::any_io_executor executor_;
  const matrix::config& cfg_;
  core::conversation& talk_;
  core::kv_state& kv_;
  core::journal& inbox_;
  const core::sealer& vault_;
  core::action_book& alert_actions_;  ///< what a reaction on an alert runs, by alert event
  core::logger log_;
  client api_;
  std::unique_ptr<e2ee> crypto_;  ///< null when E2EE is built out or switched off
  std::unique_ptr<outbox> outbox_;
  std::map<std::string, std::vector<undecrypted>> undecrypted_;  ///< by room
  std::set<std::string> told_undecryptable_;  ///< sender|device|reason already told
  std::string user_id_, device_id_, filter_id_;
  std::map<std::string, room_state> rooms_;
  std::set<std::string> direct_rooms_;  ///< from m.direct account data
  std::set<std::string> invites_;       ///< invites being answered
  std::set<std::string> notices_;       ///< encryption notices being sent
  /// The bot's own ✅/❌ reactions on each prompt it sent, removed when the prompt resolves.
  std::map<std::string, std::vector<std::string>> prompt_reactions_;
  /// Prompts a reaction is being resolved on, and those of them edited to show how their
  /// confirmation ended: that edit is the reaction's answer (one message per outcome).
  std::set<std::string> choosing_, settled_prompts_;
  bool stopping_ = false;
  bool connected_ = false;
  bool session_ready_ = false;    ///< logged in: alerts may be posted
  bool session_settled_ = false;  ///< the login succeeded or failed for good
  boost::asio::steady_timer session_wait_{executor_, boost::asio::steady_timer::time_point::max()};
  std::uint64_t reconnects_ = 0, sync_rate_limited_ = 0;
  std::size_t running_ = 0;
  std::size_t tasks_ = 0;  ///< spawned tasks under way
};

}  // namespace wagbot::matrix
