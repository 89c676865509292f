#include "wagbot/matrix/outbox.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wagbot/matrix/e2ee.hpp"
#include "wagbot/net/backoff.hpp"

namespace wagbot::matrix {

namespace asio = boost::asio;

namespace {
// Retries a transient failure after ¼–½ s, doubling to 15–30 s: a restarting homeserver is
// back within seconds, and the same txnId makes every retry safe.
constexpr net::backoff_policy send_backoff{std::chrono::milliseconds(500), std::chrono::seconds(30),
                                           2.0, 0.5};
}  // namespace

outbox::outbox(client& api, core::logger log) : api_(api), log_(std::move(log)) {
  // Unique across restarts: a txnId is idempotent per device, so a reused one would be
  // swallowed by the homeserver as a duplicate of an old message.
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  txn_prefix_ = "wagbot." +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) +
                "." + std::to_string(std::random_device{}() % 100000) + ".";
}

std::string outbox::next_txn() {
  return txn_prefix_ + std::to_string(++txn_counter_);
}

asio::awaitable<void> outbox::wait_turn(lane& l, std::uint64_t ticket) {
  if (l.serving == ticket) co_return;
  // A timer of its own: re-arming one shared timer would cancel every other waiter on it, and
  // they would wake each other in a loop for as long as the head of the queue waits.
  asio::steady_timer turn(co_await asio::this_coro::executor,
                          asio::steady_timer::time_point::max());
  l.waiting[ticket] = &turn;
  while (l.serving != ticket) co_await turn.async_wait(asio::as_tuple(asio::use_awaitable));
  l.waiting.erase(ticket);
}

void outbox::finish_turn(lane& l) {
  ++l.serving;
  if (auto next = l.waiting.find(l.serving); next != l.waiting.end()) next->second->cancel();
}

template <class Call>
task<std::string> outbox::with_retries(std::string room, Call call) {
  auto& l = lanes_[room];
  const auto ticket = l.next_ticket++;
  ++depth_;
  co_await wait_turn(l, ticket);
  const auto txn = next_txn();
  const auto deadline = std::chrono::steady_clock::now() + give_up_;
  net::backoff retry(send_backoff);
  asio::steady_timer pause(co_await asio::this_coro::executor);
  result<std::string> outcome{wagbot::error{}};
  for (;;) {
    outcome = co_await call(txn);
    if (outcome) break;
    const auto& e = outcome.error();
    if (!e.transient() || std::chrono::steady_clock::now() >= deadline) {
      log_.warn("send to {} failed: {}", room, e);
      break;
    }
    // The homeserver's own wait wins over ours, and does not grow our backoff.
    std::chrono::milliseconds wait;
    if (e.rate_limited()) {
      ++rate_limited_;
      wait = std::chrono::milliseconds(std::max<std::int64_t>(e.retry_after_ms, 100));
      log_.debug("rate limited in {}: waiting {} ms", room, wait.count());
    } else {
      wait = retry.next();
    }
    pause.expires_after(wait);
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  --depth_;
  finish_turn(l);
  co_return outcome;
}

task<std::string> outbox::send(const std::string& room, const std::string& type, pm::json content) {
  auto sealed = std::make_shared<std::optional<pm::json>>();
  return with_retries(
      room, [this, room, type, content = std::move(content), sealed](const std::string& txn) {
        return send_once(room, type, content, txn, sealed);
      });
}

task<std::string> outbox::send_once(std::string room, std::string type, pm::json content,
                                    std::string txn,
                                    std::shared_ptr<std::optional<pm::json>> sealed) {
  if (!crypto_ || !co_await crypto_->is_encrypted(room))
    co_return co_await api_.send(room, type, txn, content);
  // Encrypted once: a retry with the same txnId must carry the same event.
  if (!*sealed) {
    auto encrypted = co_await crypto_->encrypt(room, type, content);
    if (!encrypted) co_return encrypted.error();
    *sealed = std::move(*encrypted);
  }
  co_return co_await api_.send(room, "m.room.encrypted", txn, **sealed);
}

task<std::string> outbox::redact(const std::string& room, const std::string& event_id,
                                 const std::string& reason) {
  return with_retries(room, [this, room, event_id, reason](const std::string& txn) {
    return api_.redact(room, event_id, txn, reason);
  });
}

}  // namespace wagbot::matrix
