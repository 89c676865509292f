#include "wagbot/matrix/sync_fsm.hpp"

#include <algorithm>

namespace wagbot::matrix {

namespace pm = protocol::matrix;
using std::chrono::milliseconds;

namespace {
sync_action go() {
  return sync_action{};
}
sync_action exit_with(int code, sync_cause cause = sync_cause::none) {
  return sync_action{sync_step::exit, milliseconds(0), code, cause};
}
}  // namespace

sync_fsm::sync_fsm(sync_fsm_options options, std::uint64_t seed)
    : options_(options), backoff_(options.backoff, seed) {}

void sync_fsm::begin_probe(clock::time_point now) {
  probe_deadline_ = now + options_.start_deadline;
}

sync_action sync_fsm::on_probe_answer(bool has_versions) const {
  return has_versions ? go() : exit_with(exit_bad_homeserver, sync_cause::not_matrix);
}

sync_action sync_fsm::on_probe_failed(const wagbot::error& e, clock::time_point now) const {
  // A 4xx is an answer, from something that is not a homeserver: waiting will not change it.
  if (e.http_status != 0 && e.http_status < 500)
    return exit_with(exit_bad_homeserver, sync_cause::not_matrix);
  if (now >= probe_deadline_ || stopping_)
    return exit_with(exit_bad_homeserver, sync_cause::unreachable);
  return sync_action{sync_step::wait, options_.probe_interval, 0, sync_cause::unreachable};
}

sync_action sync_fsm::on_filter_uploaded() {
  return stopping_ ? exit_with(0) : go();
}

sync_action sync_fsm::on_filter_failed(const wagbot::error& e) {
  if (stopping_) return exit_with(0);
  if (e.bad_token()) return exit_with(exit_bad_credentials, sync_cause::bad_token);
  return sync_action{sync_step::wait, backoff_.next(), 0, sync_cause::failed};
}

milliseconds sync_fsm::sync_timeout(bool have_since) const {
  return have_since && connected_ ? options_.long_poll : milliseconds(0);
}

sync_action sync_fsm::on_sync_ok() {
  if (stopping_) return exit_with(0);
  just_connected_ = !connected_;
  if (just_connected_ && ever_connected_) ++reconnects_;
  connected_ = ever_connected_ = true;
  backoff_.reset();
  return go();
}

sync_action sync_fsm::on_sync_failed(const wagbot::error& e) {
  if (stopping_) return exit_with(0);
  connected_ = false;
  just_connected_ = false;
  if (e.bad_token()) {
    // A soft logout (or a token revoked by an admin) is mended by logging in again with the
    // same device, when a password is configured; otherwise there is nothing to do.
    if (!options_.can_relogin) return exit_with(exit_bad_credentials, sync_cause::bad_token);
    return sync_action{sync_step::relogin, milliseconds(0), 0, sync_cause::bad_token};
  }
  return retry(e);
}

sync_action sync_fsm::retry(const wagbot::error& e) {
  // The backoff grows on a 429 too, so that a failure right after one is not hammered.
  const auto step = backoff_.next();
  if (!e.rate_limited()) return sync_action{sync_step::wait, step, 0, sync_cause::failed};
  ++rate_limited_;
  const auto asked = std::max(milliseconds(e.retry_after_ms), options_.min_rate_limit_wait);
  return sync_action{sync_step::wait, asked, 0, sync_cause::rate_limited};
}

sync_action sync_fsm::on_relogin(int code) {
  if (code != 0) return exit_with(code);
  return stopping_ ? exit_with(0) : go();
}

}  // namespace wagbot::matrix
