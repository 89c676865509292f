// Encrypted room events: decrypted, then taken exactly like plain ones; those whose room key
// has not arrived wait for it a while; a sender whose message cannot be read hears so once.
#include "wagbot/matrix/bot.hpp"

namespace wagbot::matrix {

namespace asio = boost::asio;

namespace {
/// How long an event waits for its room key before its sender is told.
constexpr auto key_wait = std::chrono::seconds(60);

std::string why_text(const std::string& sender, const std::string& reason) {
  if (reason == "untrusted")
    return "I do not act on encrypted messages from sessions their owner has not verified, " +
           sender +
           ". Verify this session (cross-sign it from another of your sessions, or with your "
           "recovery key), then send the command again.";
  if (reason == "withheld")
    return sender +
           "'s client withheld the room key from me, so I cannot read that message. "
           "If your client excludes unverified devices, note that mine is verified "
           "by its owner; send the command again.";
  return "I could not decrypt a message from " + sender +
         ": its room key never reached me. If it was a command, send it again; if this keeps "
         "happening, check that your session is verified.";
}
}  // namespace

asio::awaitable<void> bot::take_encrypted(const pm::event& e) {
  if (e.sender == user_id_ || e.event_id.empty()) co_return;
  auto clear = co_await crypto_->decrypt(e);
  if (clear) {
    take(*clear);
    co_return;
  }
  const auto reason = clear.error().code;
  if (reason == "missing_key") {
    log_.debug("event {} in {} waits for its room key", e.event_id, e.room_id);
    undecrypted_[e.room_id].push_back({e, reason, std::chrono::steady_clock::now()});
    co_return;
  }
  log_.debug("event {}: {}", e.event_id, clear.error().message);
  tell_undecryptable(e, reason);
}

asio::awaitable<void> bot::retry_undecrypted(const std::vector<std::string>& rooms) {
  for (const auto& room : rooms) {
    auto waiting = undecrypted_.find(room);
    if (waiting == undecrypted_.end()) continue;
    auto events = std::move(waiting->second);
    undecrypted_.erase(waiting);
    for (auto& held : events) {
      auto clear = co_await crypto_->decrypt(held.event);
      if (clear) {
        log_.debug("event {} in {} decrypted once its key came", held.event.event_id, room);
        take(*clear);
      } else if (clear.error().code == "missing_key") {
        undecrypted_[room].push_back(std::move(held));
      } else {
        tell_undecryptable(held.event, clear.error().code);
      }
    }
  }
}

void bot::give_up_undecrypted() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = undecrypted_.begin(); it != undecrypted_.end();) {
    auto& events = it->second;
    std::erase_if(events, [&](const undecrypted& held) {
      if (now - held.since < key_wait) return false;
      tell_undecryptable(held.event, held.reason);
      return true;
    });
    it = events.empty() ? undecrypted_.erase(it) : std::next(it);
  }
}

void bot::tell_undecryptable(const pm::event& e, const std::string& why) {
  log_.warn("cannot decrypt {} from {} in {}: {}", e.event_id, e.sender, e.room_id, why);
  // Once per sender and reason: a client that cannot share keys with us should not make the
  // bot answer every one of its messages.
  if (!told_undecryptable_.insert(e.sender + "|" + why).second) return;
  spawn(
      [](bot& self, pm::event e, core::chat_reply r) -> asio::awaitable<void> {
        co_await self.reply(e, r);
      }(*this, e, core::say(core::tone::warning, why_text(e.sender, why))),
      "decryption notice");
}

}  // namespace wagbot::matrix
