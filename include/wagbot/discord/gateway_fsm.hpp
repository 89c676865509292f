#pragma once
// The decisions of the Discord gateway, without a socket: what to send after Hello (Identify
// or Resume), when a heartbeat goes out and when a missing ACK makes the link a zombie, what
// each opcode and close code means for the session, where to connect next and how long to
// wait first. The gateway's coroutines do the I/O and feed this machine what happened; the
// unit tests feed it by hand. (The same split as Boost.Redis's run_fsm.)
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "wagbot/core/log.hpp"
#include "wagbot/net/backoff.hpp"

namespace wagbot::discord {

/// `wagbot run` exits with this when the gateway closes with a fatal code (4004, 4010–4014).
constexpr int exit_gateway_fatal = 5;

/// What the gateway's I/O does next.
enum class gateway_step {
  fetch_url,  ///< GET /gateway/bot, then on_gateway_url() or on_gateway_url_failed()
  connect,    ///< open url(), then on_connected() or on_connect_failed()
  read,       ///< nothing to send: read the next payload
  identify,   ///< send IDENTIFY (once the identify budget allows), then read on
  resume,     ///< send RESUME with session_id() and seq(), then read on
  heartbeat,  ///< send op 1 with seq(), then read on
  drop,       ///< abort the link without a close frame (the session stays resumable)
  sleep,      ///< wait `delay`, then on_woken()
  stop,       ///< run() returns `exit_code`
};

/// One decision of the gateway_fsm.
struct gateway_action {
  gateway_step step = gateway_step::read;
  std::chrono::milliseconds delay{0};  ///< sleep: the wait; identify/resume: the first heartbeat
  std::chrono::milliseconds heartbeat_interval{0};  ///< identify/resume: the beat after the first
  int exit_code = 0;                                ///< stop: what run() returns
};

/// Tunables; the defaults are Discord's rules and the reconnect schedule wagbot has always used.
struct gateway_fsm_options {
  /// Waits between failed connects (reset after a connection that lived).
  net::backoff_policy backoff{std::chrono::seconds(1), std::chrono::seconds(60), 2.0, 0.5};
  /// A connection that said Hello and lasted this long counts as lived even without READY.
  std::chrono::seconds lived_after{30};
  /// After op 9 (not resumable), Discord asks for a random wait in this range before Identify.
  std::chrono::milliseconds invalid_session_min{1000}, invalid_session_max{5000};
};

/// The gateway's session and connection state, driven by inputs; never touches a socket.
class gateway_fsm {
 public:
  using clock = std::chrono::steady_clock;

  /// `seed` makes the jitter repeatable (tests); `log` hears why each decision was taken.
  explicit gateway_fsm(gateway_fsm_options options = {}, core::logger log = {},
                       std::uint64_t seed = std::random_device{}());

  /// The first step of a run: fetch the gateway URL (or connect, when one is known).
  gateway_action start();
  /// GET /gateway/bot answered with `url`; after an identify's answer the action is ignored.
  gateway_action on_gateway_url(std::string url);
  /// GET /gateway/bot failed; `rest_stopped` means REST gave up for good (a 401).
  gateway_action on_gateway_url_failed(bool rest_stopped);
  /// A sleep ended.
  gateway_action on_woken();
  /// The WebSocket is open at `now`.
  void on_connected(clock::time_point now);
  /// The WebSocket could not be opened (bad URL, refused, TLS, timeout).
  gateway_action on_connect_failed();

  /// op 10 Hello: Identify or Resume, and when the heartbeats start.
  gateway_action on_hello(std::chrono::milliseconds heartbeat_interval);
  /// op 0, any event: remembers its sequence number.
  gateway_action on_dispatch(std::optional<std::int64_t> seq);
  /// The READY event's session (its sequence number goes through on_dispatch).
  gateway_action on_ready(std::string session_id, std::string resume_url);
  /// The RESUMED event: the session is back.
  gateway_action on_resumed();
  /// Our heartbeat timer fired: beat, or drop a zombie whose last beat was never ACKed.
  gateway_action on_heartbeat_due();
  /// op 1 from Discord: beat at once.
  gateway_action on_heartbeat_request();
  /// op 11.
  gateway_action on_heartbeat_ack();
  /// op 7: reconnect and resume.
  gateway_action on_reconnect_request();
  /// op 9: the session is gone, unless `resumable`.
  gateway_action on_invalid_session(bool resumable);
  /// The zlib stream could not be inflated: drop the link and resume on a fresh one.
  gateway_action on_corrupt_stream();
  /// The link ended at `now` with the peer's `close_code` (0: no close frame, a dropped link).
  gateway_action on_closed(std::uint16_t close_code, clock::time_point now);

  /// stop(): the next decision is stop with 0.
  void on_stop();
  /// fail(code): the next decision is stop with `code`.
  void on_fail(int code);

  /// Where to connect: the resume URL when resuming, else the gateway URL.
  const std::string& url() const;
  const std::string& session_id() const { return session_id_; }
  std::optional<std::int64_t> seq() const { return seq_; }
  /// READY or RESUMED received on the current connection.
  bool ready() const { return ready_; }
  std::uint64_t identifies() const { return identifies_; }
  std::uint64_t resumes() const { return resumes_; }
  std::uint64_t reconnects() const { return reconnects_; }

 private:
  gateway_action stop_action() const;
  gateway_action next_attempt(bool lived);
  void forget_session();
  void apply_close_code(std::uint16_t code);

  gateway_fsm_options options_;
  core::logger log_;
  net::backoff backoff_;
  std::mt19937_64 random_;

  std::string gateway_url_, session_id_, resume_url_;
  std::optional<std::int64_t> seq_;
  bool resumable_ = false;
  bool hello_ = false;
  bool ready_ = false;
  bool acked_ = true;
  bool stopping_ = false;
  int exit_code_ = 0;
  clock::time_point connected_at_{};
  std::chrono::milliseconds wait_next_{0};  ///< set by op 9 (not resumable), else the backoff
  std::uint64_t identifies_ = 0, resumes_ = 0, reconnects_ = 0;
};

}  // namespace wagbot::discord
