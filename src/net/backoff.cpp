#include "wagbot/net/backoff.hpp"

#include <algorithm>

namespace wagbot::net {

backoff::backoff(backoff_policy policy, std::optional<std::uint64_t> seed)
    : policy_(policy), step_(policy.initial), seed_(seed) {}

std::chrono::milliseconds backoff::next() {
  if (!random_) random_.emplace(seed_ ? *seed_ : std::random_device{}());
  const auto step = std::min(step_, policy_.max);
  const double low = std::clamp(1.0 - policy_.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> share(low, 1.0);
  const auto wait = std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(step.count()) * share(*random_)));
  const auto grown = static_cast<std::int64_t>(static_cast<double>(step.count()) * policy_.factor);
  step_ = std::min(std::chrono::milliseconds(std::max<std::int64_t>(grown, 1)), policy_.max);
  ++failures_;
  return std::max(wait, std::chrono::milliseconds(1));
}

}  // namespace wagbot::net
