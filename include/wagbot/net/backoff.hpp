#pragma once
// The one reconnect/retry schedule every long-lived link uses: exponential, capped, jittered
// ("full jitter" between half and all of the step), reset once a link has lived.
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace wagbot::net {

/// The shape of a backoff schedule; the defaults suit a long-lived connection.
struct backoff_policy {
  std::chrono::milliseconds initial{500};  ///< the first wait
  std::chrono::milliseconds max{60'000};   ///< no wait is longer than this
  double factor = 2.0;                     ///< growth per failure
  double jitter = 0.5;                     ///< each wait is drawn from [step*(1-jitter), step]
};

/// Successive waits after failures. Deterministic for a given seed (tests pass one); without
/// one, the generator is seeded from std::random_device at the first failure, so that a retry
/// loop around a call that succeeds (every Matrix send) costs nothing.
class backoff {
 public:
  explicit backoff(backoff_policy policy = {}, std::optional<std::uint64_t> seed = std::nullopt);

  /// The wait before the next attempt; each call grows the step up to the cap.
  std::chrono::milliseconds next();
  /// Back to the first step (after a success, or a link that lived long enough).
  void reset() {
    step_ = policy_.initial;
    failures_ = 0;
  }
  /// Failures since the last reset.
  unsigned failures() const { return failures_; }
  const backoff_policy& policy() const { return policy_; }

 private:
  backoff_policy policy_;
  std::chrono::milliseconds step_;
  unsigned failures_ = 0;
  std::optional<std::uint64_t> seed_;
  std::optional<std::mt19937_64> random_;
};

}  // namespace wagbot::net
