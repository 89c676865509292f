#include "wagbot/discord/gateway_fsm.hpp"

#include "wagbot/protocol/discord.hpp"

namespace wagbot::discord {

namespace pd = protocol::discord;
using std::chrono::milliseconds;

namespace {
gateway_action step(gateway_step s) {
  return gateway_action{s};
}
}  // namespace

gateway_fsm::gateway_fsm(gateway_fsm_options options, core::logger log, std::uint64_t seed)
    : options_(options), log_(std::move(log)), backoff_(options.backoff, seed), random_(seed + 1) {}

gateway_action gateway_fsm::stop_action() const {
  return gateway_action{gateway_step::stop, {}, {}, exit_code_};
}

gateway_action gateway_fsm::start() {
  return on_woken();
}

gateway_action gateway_fsm::on_woken() {
  if (stopping_) return stop_action();
  return step(gateway_url_.empty() ? gateway_step::fetch_url : gateway_step::connect);
}

gateway_action gateway_fsm::on_gateway_url(std::string url) {
  if (url.empty()) return on_gateway_url_failed(false);
  gateway_url_ = std::move(url);
  return on_woken();
}

gateway_action gateway_fsm::on_gateway_url_failed(bool rest_stopped) {
  if (stopping_) return stop_action();
  // REST stops everything after a 401: the token is bad, and so the gateway would be too.
  if (rest_stopped) return gateway_action{gateway_step::stop, {}, {}, exit_gateway_fatal};
  return gateway_action{gateway_step::sleep, backoff_.next()};
}

void gateway_fsm::on_connected(clock::time_point now) {
  connected_at_ = now;
  hello_ = false;
  ready_ = false;
  acked_ = true;
}

gateway_action gateway_fsm::on_connect_failed() {
  if (stopping_) return stop_action();
  return next_attempt(false);
}

gateway_action gateway_fsm::on_hello(milliseconds heartbeat_interval) {
  hello_ = true;
  // The first beat comes after interval × random[0,1), so that reconnecting bots spread out.
  std::uniform_real_distribution<double> share(0.0, 1.0);
  gateway_action a;
  a.delay = milliseconds(
      static_cast<std::int64_t>(static_cast<double>(heartbeat_interval.count()) * share(random_)));
  a.heartbeat_interval = heartbeat_interval;
  if (resumable_ && !session_id_.empty()) {
    ++resumes_;
    a.step = gateway_step::resume;
  } else {
    ++identifies_;
    a.step = gateway_step::identify;
  }
  return a;
}

gateway_action gateway_fsm::on_dispatch(std::optional<std::int64_t> seq) {
  if (seq) seq_ = seq;
  return step(gateway_step::read);
}

gateway_action gateway_fsm::on_ready(std::string session_id, std::string resume_url) {
  session_id_ = std::move(session_id);
  if (!resume_url.empty()) resume_url_ = std::move(resume_url);
  resumable_ = true;
  ready_ = true;
  return step(gateway_step::read);
}

gateway_action gateway_fsm::on_resumed() {
  ready_ = true;
  return step(gateway_step::read);
}

gateway_action gateway_fsm::on_heartbeat_due() {
  if (!acked_) {
    // A zombie: dropped without a close frame, so the session stays resumable.
    log_.warn("no heartbeat ACK since the last beat: the connection is a zombie; reconnecting");
    return step(gateway_step::drop);
  }
  acked_ = false;
  return step(gateway_step::heartbeat);
}

gateway_action gateway_fsm::on_heartbeat_request() {
  return step(gateway_step::heartbeat);
}

gateway_action gateway_fsm::on_heartbeat_ack() {
  acked_ = true;
  return step(gateway_step::read);
}

gateway_action gateway_fsm::on_reconnect_request() {
  log_.info("gateway asked to reconnect (op 7)");
  resumable_ = true;
  return step(gateway_step::drop);
}

gateway_action gateway_fsm::on_invalid_session(bool resumable) {
  log_.info("invalid session (op 9, resumable={})", resumable);
  resumable_ = resumable;
  if (!resumable) {
    forget_session();
    std::uniform_int_distribution<std::int64_t> wait(options_.invalid_session_min.count(),
                                                     options_.invalid_session_max.count());
    wait_next_ = milliseconds(wait(random_));
  }
  return step(gateway_step::drop);
}

gateway_action gateway_fsm::on_corrupt_stream() {
  resumable_ = true;
  return step(gateway_step::drop);
}

gateway_action gateway_fsm::on_closed(std::uint16_t close_code, clock::time_point now) {
  // A connection lived if it got as far as READY/RESUMED, or said Hello and lasted a while:
  // only then does the backoff start over, so a gateway that drops us at once is not hammered.
  const bool lived = hello_ && (ready_ || now - connected_at_ > options_.lived_after);
  ready_ = false;
  if (stopping_) return stop_action();
  if (close_code != 0) {
    switch (pd::classify_close(close_code)) {
      case pd::close_action::fatal:
        log_.error("Discord gateway closed with {}: {}", close_code, pd::close_meaning(close_code));
        return gateway_action{gateway_step::stop, {}, {}, exit_gateway_fatal};
      case pd::close_action::new_session:
        log_.warn("gateway closed with {}: starting a new session", close_code);
        forget_session();
        break;
      case pd::close_action::resume:
        log_.info("gateway closed with {}: resuming", close_code);
        break;
    }
  }
  return next_attempt(lived);
}

gateway_action gateway_fsm::next_attempt(bool lived) {
  ++reconnects_;
  if (lived) backoff_.reset();
  // Op 9's own wait replaces the backoff's draw (it asks for 1–5 s whatever came before).
  const auto wait = wait_next_.count() > 0 ? wait_next_ : backoff_.next();
  wait_next_ = milliseconds(0);
  return gateway_action{gateway_step::sleep, wait};
}

void gateway_fsm::forget_session() {
  session_id_.clear();
  seq_.reset();
  resumable_ = false;
}

void gateway_fsm::on_stop() {
  stopping_ = true;
}

void gateway_fsm::on_fail(int code) {
  stopping_ = true;
  exit_code_ = code;
}

const std::string& gateway_fsm::url() const {
  return resumable_ && !resume_url_.empty() ? resume_url_ : gateway_url_;
}

}  // namespace wagbot::discord
