#include "wagbot/alerts/watcher.hpp"

#include <ctime>
#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wagbot::alerts {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using feed_kind = wagmios::feed_update::kind;

namespace {
std::string position_of(const protocol::activity_event& e) {
  return e.timestamp + "|" + e.id;
}

core::alert_settings from_config(const alerts::config& c) {
  core::alert_settings s;
  s.unreachable_after = c.unreachable_after;
  s.flap_window = c.flap_window_seconds;
  s.flap_threshold = c.flap_threshold;
  s.digest_threshold = c.digest_threshold;
  return s;
}

std::int64_t now_seconds() {
  return std::time(nullptr);
}
}  // namespace

std::vector<protocol::activity_event> feed_cursor::catch_up(
    const std::vector<protocol::activity_event>& events) {
  std::vector<protocol::activity_event> news;
  const bool report = known_;
  for (const auto& e : events) {
    if (report && position_of(e) > position_) news.push_back(e);
    advance(e);
  }
  known_ = true;
  return news;
}

void feed_cursor::advance(const protocol::activity_event& e) {
  if (auto position = position_of(e); position > position_) position_ = std::move(position);
  known_ = true;
}

void feed_cursor::restore(std::string position) {
  known_ = !position.empty();
  position_ = std::move(position);
}

std::string to_text(const watch_state& state) {
  protocol::json doc = protocol::json::object();
  doc["base"] = state.base;
  doc["containers"] = state.containers;
  doc["feed"] = state.feed;
  return doc.dump();
}

std::optional<watch_state> read_watch_state(std::string_view text, std::string_view base) {
  const auto doc = protocol::json::parse(text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  if (auto saved = doc.find("base"); saved == doc.end() || !saved->is_string() || *saved != base)
    return std::nullopt;
  watch_state state;
  state.base = std::string(base);
  state.containers = doc.value("containers", protocol::json());
  if (auto feed = doc.find("feed"); feed != doc.end() && feed->is_string()) state.feed = *feed;
  return state;
}

watcher::watcher(asio::any_io_executor executor, const wagmios::host_config& host,
                 const alerts::config& settings, net::http_client& http, router& out,
                 store::kv_store& kv, store::key_store& keys, core::logger log)
    : executor_(executor),
      host_(host),
      settings_(settings),
      api_(http, wagmios::endpoint{host.base, host.tls}),
      out_(out),
      kv_(kv),
      keys_(keys),
      log_(std::move(log)),
      watch_(host.alias, from_config(settings)),
      alert_settings_(from_config(settings)),
      feed_(executor, wagmios::endpoint{host.base, host.tls}, host.monitor_key) {
  restore();
}

std::string watcher::state_key() const {
  return "alerts.watch." + host_.alias;
}

std::string watcher::base() const {
  return host_.base.origin() + host_.base.path;
}

void watcher::restore() {
  auto text = kv_.get(state_key());
  if (!text) return;
  auto state = read_watch_state(*text, base());
  if (!state || !watch_.resume(state->containers)) return;
  cursor_.restore(std::move(state->feed));
  saved_ = *text;
  log_.info("resuming the watch of @{} from what it saw before the restart", host_.alias);
}

void watcher::save() {
  auto containers = watch_.snapshot();
  if (containers.is_null()) return;
  auto text = to_text({base(), std::move(containers), cursor_.position()});
  if (text == saved_) return;
  kv_.set(state_key(), text);
  saved_ = std::move(text);
}

void watcher::stop() {
  stopping_ = true;
  feed_.stop();
}

asio::awaitable<void> watcher::catch_up() {
  // The feed has no replay: while it is down, the activity list tells which changes were API
  // actions, before a poll would call them crashes. The first read only sets the baseline.
  if (no_activity_scope_) co_return;
  auto events = co_await api_.activity(host_.monitor_key);
  if (!events) {
    if (events.error().kind == errc::scope_required) {
      no_activity_scope_ = true;  // the monitor key has no system:read: polling alone it is
      log_.warn(
          "the monitor key of @{} lacks system:read: API actions will be seen by polling only",
          host_.alias);
    }
    co_return;
  }
  std::vector<core::alert> alerts;
  for (const auto& e : cursor_.catch_up(*events)) {
    if (listener_.event) listener_.event(e);
    for (auto& a : watch_.on_activity(e, now_seconds())) alerts.push_back(std::move(a));
  }
  emit(std::move(alerts));
  save();
}

void watcher::emit(std::vector<core::alert> alerts) {
  if (alerts.empty()) return;
  // An action made with a wagbot user's key names that user rather than the key's end.
  for (auto& a : alerts)
    if (a.kind == core::alert_kind::api_action && a.key != "system")
      if (auto who = keys_.owner(host_.alias, a.key)) a.user = *who;
  out_.deliver(core::group_bursts(std::move(alerts), alert_settings_));
}

asio::awaitable<void> watcher::run() {
  co_await (poll_loop() && feed_loop());
}

asio::awaitable<void> watcher::poll_loop() {
  asio::steady_timer tick(executor_);
  // Spread the hosts' polls: 1000 hosts must not all ask in the same second.
  std::mt19937 rng{std::random_device{}()};
  tick.expires_after(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 999)(rng)));
  co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  while (!stopping_) {
    const auto started = std::chrono::steady_clock::now();
    const bool was_reachable = watch_.reachable();
    if (!feed_.connected()) co_await catch_up();
    auto list = co_await api_.containers(host_.monitor_key);
    if (stopping_) break;
    if (list) {
      emit(watch_.on_poll(*list, now_seconds()));
      save();
      // The host is back: reconnect the feed now rather than at the end of its backoff.
      if (!was_reachable || !feed_.connected()) feed_.retry_now();
    } else {
      emit(watch_.on_poll_failed(list.error().message, now_seconds()));
    }
    tick.expires_at(started + std::chrono::seconds(settings_.poll_interval_seconds));
    co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> watcher::feed_loop() {
  bool warned = false;
  while (auto update = co_await feed_.next()) {
    switch (update->what) {
      case feed_kind::connected:
        warned = false;
        log_.debug("following the activity feed of @{}", host_.alias);
        if (listener_.link) listener_.link(true);
        co_await catch_up();  // what happened while it was down
        break;
      case feed_kind::event:
        if (listener_.event) listener_.event(update->event);
        cursor_.advance(update->event);
        emit(watch_.on_activity(update->event, now_seconds()));
        save();
        break;
      case feed_kind::refused:
        if (listener_.link) listener_.link(false);
        // A key without system:read is refused at the upgrade: polling still sees most things.
        if (!warned)
          log_.warn(
              "cannot follow the activity feed of @{} ({}); polling only, retrying with backoff",
              host_.alias, update->error.message());
        warned = true;
        break;
      case feed_kind::lost:
        if (listener_.link) listener_.link(false);
        break;
    }
  }
}

}  // namespace wagbot::alerts
