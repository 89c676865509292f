#pragma once
// The decisions of the Matrix link, without a socket: at start, whether the homeserver is
// there (and is a Matrix homeserver); then, from each sync-filter upload and each /sync
// outcome, whether to go on, wait (how long), log in again, or give up with an exit code; and
// when the bot counts as connected. bot.cpp does the requests and feeds this machine what they
// returned; the unit tests feed it by hand. (The same split as Boost.Redis's run_fsm.)
#include <chrono>
#include <cstdint>
#include <random>

#include "wagbot/net/backoff.hpp"
#include "wagbot/protocol/matrix.hpp"

namespace wagbot::matrix {

/// Exit codes of `wagbot run` for Matrix start-up failures.
constexpr int exit_bad_credentials = 3;
constexpr int exit_bad_homeserver = 4;
/// The encryption identity cannot be used: the store does not open, or the account's
/// cross-signing identity is not the one this bot holds (see README, "Encrypted rooms").
constexpr int exit_identity = 6;

/// What the Matrix link does next.
enum class sync_step {
  go,       ///< send the next request (the same one again after a failure)
  wait,     ///< wait `delay`, then the same request again
  relogin,  ///< log in again (then on_relogin()), then sync
  exit,     ///< run() returns `exit_code` (0 after a stop)
};

/// Why a request did not simply succeed, for the caller's log line.
enum class sync_cause {
  none,          ///< it succeeded, or the run was stopped
  not_matrix,    ///< the server answered, but not as a Matrix homeserver
  unreachable,   ///< no answer (refused, timeout, 5xx) past the start-up deadline
  bad_token,     ///< the access token was rejected
  rate_limited,  ///< 429: the wait is the server's
  failed,        ///< anything else worth retrying
};

/// One decision of the sync_fsm.
struct sync_action {
  sync_step step = sync_step::go;
  std::chrono::milliseconds delay{0};  ///< wait: how long
  int exit_code = 0;                   ///< exit: what run() returns
  sync_cause cause = sync_cause::none;
};

/// Tunables; the defaults are what wagbot has always done.
struct sync_fsm_options {
  std::chrono::milliseconds long_poll{30'000};  ///< /sync's timeout once connected
  bool can_relogin = false;                     ///< a password is configured
  /// Waits between failed requests, reset by a successful /sync.
  net::backoff_policy backoff{std::chrono::milliseconds(1000), std::chrono::seconds(60), 2.0, 0.5};
  /// A 429 is honoured, but never retried sooner than this.
  std::chrono::milliseconds min_rate_limit_wait{500};
  /// How long an unreachable homeserver is waited for at start (it may be booting with us).
  std::chrono::seconds start_deadline{60};
  std::chrono::milliseconds probe_interval{1000};  ///< between start-up probes
};

/// The Matrix link's state, driven by request outcomes; never touches a socket.
class sync_fsm {
 public:
  using clock = std::chrono::steady_clock;

  /// `seed` makes the jitter repeatable (tests).
  explicit sync_fsm(sync_fsm_options options = {}, std::uint64_t seed = std::random_device{}());

  /// Start-up probing (GET /versions) begins at `now`: the deadline counts from here.
  void begin_probe(clock::time_point now);
  /// The probe answered; `has_versions` is false when the answer is not a Matrix one.
  sync_action on_probe_answer(bool has_versions) const;
  /// The probe failed at `now`: a 4xx is not Matrix; else wait until the deadline runs out.
  sync_action on_probe_failed(const wagbot::error& e, clock::time_point now) const;

  /// The sync filter was uploaded: start syncing.
  sync_action on_filter_uploaded();
  /// The filter upload failed: a bad token ends the run; anything else is retried.
  sync_action on_filter_failed(const wagbot::error& e);

  /// The long-poll timeout for the next /sync: none until a sync has succeeded (at start, after
  /// a failure) so the bot counts as connected at once; none for the very first sync ever.
  std::chrono::milliseconds sync_timeout(bool have_since) const;
  /// A /sync returned a batch.
  sync_action on_sync_ok();
  /// A /sync failed.
  sync_action on_sync_failed(const wagbot::error& e);
  /// The log-in after a rejected token ended with `code` (0: logged in).
  sync_action on_relogin(int code);

  /// stop(): every later decision is exit 0.
  void on_stop() { stopping_ = true; }
  bool stopping() const { return stopping_; }

  /// A /sync has succeeded since the last failure.
  bool connected() const { return connected_; }
  /// The last on_sync_ok() turned a failed or new link into a connected one.
  bool just_connected() const { return just_connected_; }
  /// Times syncing resumed after a failure.
  std::uint64_t reconnects() const { return reconnects_; }
  /// 429s on /sync.
  std::uint64_t rate_limited() const { return rate_limited_; }

 private:
  sync_action retry(const wagbot::error& e);

  sync_fsm_options options_;
  net::backoff backoff_;
  clock::time_point probe_deadline_{};
  bool stopping_ = false;
  bool connected_ = false;
  bool ever_connected_ = false;
  bool just_connected_ = false;
  std::uint64_t reconnects_ = 0, rate_limited_ = 0;
};

}  // namespace wagbot::matrix
