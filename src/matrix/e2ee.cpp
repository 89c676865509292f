// The crypto machine at work: fed from /sync, its requests sent, room keys shared before a
// message is encrypted, encrypted events read back.
#include "wagbot/matrix/e2ee.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wagbot::matrix {

namespace asio = boost::asio;
using pm::json;

e2ee::e2ee(client& api, const matrix::config& cfg, core::kv_state& kv, const core::sealer& secrets,
           core::logger log)
    : api_(api), cfg_(cfg), kv_(kv), secrets_(secrets), log_(std::move(log)) {}

e2ee::~e2ee() = default;

asio::awaitable<void> e2ee::lock() {
  // One sequence at a time: a pump, or the steps of sharing a room key, must not interleave
  // with another (they would send the same request twice).
  if (!busy_) {
    busy_ = true;
    co_return;
  }
  asio::steady_timer turn(co_await asio::this_coro::executor,
                          asio::steady_timer::time_point::max());
  waiting_.push_back(&turn);
  co_await turn.async_wait(asio::as_tuple(asio::use_awaitable));
  // unlock() handed the lock over: busy_ stays true.
}

void e2ee::unlock() {
  if (waiting_.empty()) {
    busy_ = false;
    return;
  }
  auto* next = waiting_.front();
  waiting_.pop_front();
  next->cancel();
}

namespace {
/// Releases e2ee's lock when a sequence ends, however it ends.
template <class Unlock>
struct unlock_at_exit {
  Unlock unlock;
  ~unlock_at_exit() { unlock(); }
};
template <class Unlock>
unlock_at_exit(Unlock) -> unlock_at_exit<Unlock>;  // clang 16 has no aggregate deduction
}  // namespace

asio::awaitable<bool> e2ee::send_request(const json& request) {
  auto answer = co_await api_.request(request.value("method", ""), request.value("path", ""),
                                      request.value("body", json::object()));
  if (!answer) {
    log_.warn("{} failed: {}", request.value("kind", "a crypto request"), answer.error());
    co_return false;
  }
  const auto id = request.value("id", "");
  if (id.empty()) co_return true;  // cross-signing uploads: nothing to mark
  auto marked = machine_->mark_sent(
      {{"id", id}, {"kind", request.value("kind", "")}, {"status", 200}, {"body", *answer}});
  if (!marked) log_.warn("the crypto machine refused an answer: {}", marked.error().message);
  co_return static_cast<bool>(marked);
}

asio::awaitable<void> e2ee::pump() {
  if (!machine_) co_return;
  co_await lock();
  // A frame destroyed at shutdown may outlive this object: unlock only while it lives.
  unlock_at_exit done{[this, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.expired()) unlock();
  }};
  // Each answer may bring new requests (an upload answered with a low key count, a query
  // naming new devices); a few rounds settle it, and failures wait for the next sync.
  for (int round = 0; round < 4; ++round) {
    auto pending = machine_->outgoing_requests();
    if (!pending || pending->empty()) break;
    bool all_sent = true;
    for (const auto& request : *pending) all_sent = co_await send_request(request) && all_sent;
    if (!all_sent) break;
  }
}

asio::awaitable<std::vector<std::string>> e2ee::on_sync(const pm::sync_response& batch) {
  std::vector<std::string> rooms;
  if (!machine_) co_return rooms;
  // Most syncs carry nothing for the crypto machine: no to-device message, no device change,
  // the same key counts as last time. Those are not fed to it (each feed is store work).
  const auto lists_empty = [&](const char* which) {
    const auto it = batch.device_lists.find(which);
    return it == batch.device_lists.end() || !it->is_array() || it->empty();
  };
  if (batch.to_device.empty() && lists_empty("changed") && lists_empty("left") &&
      batch.one_time_keys_count == last_key_counts_ &&
      batch.unused_fallback_key_types == last_fallback_types_)
    co_return rooms;
  last_key_counts_ = batch.one_time_keys_count;
  last_fallback_types_ = batch.unused_fallback_key_types;
  auto changed =
      machine_->receive_sync({{"to_device", batch.to_device},
                              {"device_lists", batch.device_lists},
                              {"one_time_keys_count", batch.one_time_keys_count},
                              {"unused_fallback_key_types", batch.unused_fallback_key_types},
                              {"next_batch", batch.next_batch}});
  if (!changed) {
    log_.warn("the crypto machine could not take a sync: {}", changed.error().message);
  } else {
    for (const auto& r : changed->value("rooms_with_new_keys", json::array()))
      if (r.is_string()) rooms.push_back(r.get<std::string>());
  }
  for (const auto& list : {"changed", "left"})
    for (const auto& user : batch.device_lists.value(list, json::array()))
      if (user.is_string())
        for (auto& [room, members] : members_)
          if (std::find(members.begin(), members.end(), user.get<std::string>()) != members.end())
            members.clear();  // listed again before the next key is shared there
  co_await pump();
  co_return rooms;
}

asio::awaitable<bool> e2ee::is_encrypted(const std::string& room) {
  if (auto known = encrypted_.find(room); known != encrypted_.end()) co_return known->second;
  auto state = co_await api_.state(room, "m.room.encryption");
  if (state) co_return encrypted_[room] = true;
  if (state.error().http_status == 404) co_return encrypted_[room] = false;
  // Unknown: better an encrypted reply someone cannot read than a clear one in a private room.
  co_return true;
}

asio::awaitable<result<std::vector<std::string>>> e2ee::room_members(const std::string& room) {
  if (auto known = members_.find(room); known != members_.end() && !known->second.empty())
    co_return known->second;
  auto listed = co_await api_.members(room);
  if (!listed) co_return listed.error();
  std::vector<std::string> users;
  for (const auto& e : listed->value("chunk", json::array())) {
    const auto membership = pm::string_at(e.value("content", json::object()), "membership");
    if (membership == "join" || membership == "invite") users.push_back(e.value("state_key", ""));
  }
  members_[room] = users;
  co_return users;
}

asio::awaitable<result<pm::event>> e2ee::decrypt(const pm::event& e) {
  wagbot::error not_ready;
  not_ready.code = "not_ready";
  not_ready.message = "end-to-end encryption is not running";
  if (!machine_) co_return not_ready;
  // The sender's devices must be known (and their signatures checked) before the trust rule
  // can pass: track the sender, and let the query go out first.
  if (tracked_.insert(e.sender).second) {
    machine_->track_users(json::array({e.sender}));
    co_await pump();
  }
  json event{{"type", e.type},       {"content", e.content},
             {"sender", e.sender},   {"event_id", e.event_id},
             {"room_id", e.room_id}, {"origin_server_ts", e.origin_server_ts}};
  auto clear = machine_->decrypt({{"room_id", e.room_id}, {"event", event}});
  if (!clear) {
    ++failures_in_a_row_;
    ++failures_total_;
    co_return clear.error();
  }
  failures_in_a_row_ = 0;
  const auto& inner = (*clear)["event"];
  pm::event out = e;
  out.type = inner.value("type", "");
  out.content = inner.value("content", json::object());
  co_return out;
}

asio::awaitable<result<json>> e2ee::encrypt(const std::string& room, const std::string& type,
                                            const json& content) {
  wagbot::error failed;
  failed.code = "encrypt";
  if (!machine_) {
    failed.message = "end-to-end encryption is not running";
    co_return failed;
  }
  auto members = co_await room_members(room);
  if (!members) co_return members.error();
  const json users(*members);
  // Someone new: their devices are queried first (a known member's changes come by /sync).
  const auto before = tracked_.size();
  tracked_.insert(members->begin(), members->end());
  if (tracked_.size() != before) {
    machine_->track_users(users);
    co_await pump();
  }
  co_await lock();
  // A frame destroyed at shutdown may outlive this object: unlock only while it lives.
  unlock_at_exit done{[this, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.expired()) unlock();
  }};
  // Olm sessions with every device that lacks one, then the room key to each trusted device.
  if (auto claim = machine_->missing_sessions(users); claim && claim->is_object())
    co_await send_request(*claim);
  auto shares = machine_->share_room_key({{"room_id", room}, {"users", users}});
  if (!shares) co_return shares.error();
  for (const auto& request : *shares)
    if (!co_await send_request(request)) {
      failed.message = "the room key could not be sent to every device";
      failed.kind = errc::host_unreachable;  // retried by the outbox
      co_return failed;
    }
  co_return machine_->encrypt({{"room_id", room}, {"type", type}, {"content", content}});
}

}  // namespace wagbot::matrix
