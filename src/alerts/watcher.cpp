#include "wagbot/alerts/watcher.hpp"

#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wagbot::alerts {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {
core::alert_settings from_config(const alerts::config& c) {
  core::alert_settings s;
  s.unreachable_after = c.unreachable_after;
  s.flap_window = c.flap_window_seconds;
  s.flap_threshold = c.flap_threshold;
  s.digest_threshold = c.digest_threshold;
  return s;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

watcher::watcher(asio::any_io_executor executor, const wagmios::host_config& host, const alerts::config& settings,
                 net::http_client& http, router& out, store::kv_store& kv, store::key_store& keys, core::logger log)
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
      ws_(executor, "wagbot/" WAGBOT_VERSION),
      feed_pause_(executor) {
  restore();
}

std::string watcher::state_key() const { return "alerts.watch." + host_.alias; }

void watcher::restore() {
  auto text = kv_.get(state_key());
  if (!text) return;
  const auto saved = protocol::json::parse(*text, nullptr, false);
  // Kept per alias: when the alias now names another machine, start from a blank baseline.
  if (!saved.is_object() || saved.value("base", "") != host_.base.origin() + host_.base.path) return;
  if (!watch_.resume(saved.value("containers", protocol::json()))) return;
  if (auto feed = saved.find("feed"); feed != saved.end() && feed->is_string() && !feed->get<std::string>().empty()) {
    last_event_ = feed->get<std::string>();
    feed_baseline_ = true;
  }
  saved_ = *text;
  log_.info("resuming the watch of @{} from what it saw before the restart", host_.alias);
}

void watcher::save() {
  auto containers = watch_.snapshot();
  if (containers.is_null()) return;
  protocol::json state = protocol::json::object();
  state["base"] = host_.base.origin() + host_.base.path;
  state["containers"] = std::move(containers);
  state["feed"] = last_event_;
  auto text = state.dump();
  if (text == saved_) return;
  kv_.set(state_key(), text);
  saved_ = std::move(text);
}

void watcher::stop() {
  stopping_ = true;
  ws_.abort();
  feed_pause_.cancel();
}

void watcher::seen(const protocol::activity_event& e) {
  const auto position = e.timestamp + "|" + e.id;
  if (position > last_event_) last_event_ = position;
  feed_baseline_ = true;
}

asio::awaitable<void> watcher::catch_up() {
  // The feed has no replay: while it is down, the activity list tells which changes were API
  // actions, before a poll would call them crashes. The first read only sets the baseline.
  if (no_activity_scope_) co_return;
  auto events = co_await api_.activity(host_.monitor_key);
  if (!events) {
    if (events.error().kind == errc::scope_required) {
      no_activity_scope_ = true;  // the monitor key has no system:read: polling alone it is
      log_.warn("the monitor key of @{} lacks system:read: API actions will be seen by polling only", host_.alias);
    }
    co_return;
  }
  const bool report = feed_baseline_;
  std::vector<core::alert> alerts;
  for (const auto& e : *events) {
    if (report && e.timestamp + "|" + e.id > last_event_)
      for (auto& a : watch_.on_activity(e, now_seconds())) alerts.push_back(std::move(a));
    seen(e);
  }
  feed_baseline_ = true;
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

asio::awaitable<void> watcher::run() { co_await (poll_loop() && feed_loop()); }

asio::awaitable<void> watcher::poll_loop() {
  asio::steady_timer tick(executor_);
  // Spread the hosts' polls: 1000 hosts must not all ask in the same second.
  std::mt19937 rng{std::random_device{}()};
  tick.expires_after(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 999)(rng)));
  co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  while (!stopping_) {
    const auto started = std::chrono::steady_clock::now();
    const bool was_reachable = watch_.reachable();
    if (!feed_connected_) co_await catch_up();
    auto list = co_await api_.containers(host_.monitor_key);
    if (stopping_) break;
    if (list) {
      emit(watch_.on_poll(*list, now_seconds()));
      save();
      if (!was_reachable || !feed_connected_) feed_pause_.cancel();  // the host is back: reconnect the feed now
    } else {
      emit(watch_.on_poll_failed(list.error().message, now_seconds()));
    }
    tick.expires_at(started + std::chrono::seconds(settings_.poll_interval_seconds));
    co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> watcher::feed_loop() {
  std::chrono::milliseconds backoff{1000};
  bool warned = false;
  net::url where = host_.base;
  where.scheme = host_.base.tls() ? "wss" : "ws";
  // The key goes in the query: the feed's documented alternative to the header.
  const std::string target = "/api/ws/activity?key=" + net::percent_encode(host_.monitor_key);
  while (!stopping_) {
    auto ec = co_await ws_.connect(where, target, host_.tls, std::chrono::seconds(10));
    if (!ec) {
      backoff = std::chrono::milliseconds(1000);
      warned = false;
      log_.debug("following the activity feed of @{}", host_.alias);
      feed_connected_ = true;
      co_await catch_up();  // what happened while it was down
      for (;;) {
        auto frame = co_await ws_.read();
        if (!frame) break;
        auto doc = protocol::json::parse(*frame, nullptr, false);
        if (!doc.is_object()) continue;
        const auto e = doc.get<protocol::activity_event>();
        seen(e);
        emit(watch_.on_activity(e, now_seconds()));
        save();
      }
      feed_connected_ = false;
    } else if (!warned) {
      // A key without system:read is refused at the upgrade: polling still sees most things.
      log_.warn("cannot follow the activity feed of @{} ({}); polling only, retrying with backoff",
                host_.alias, ec.message());
      warned = true;
    }
    if (stopping_) break;
    feed_pause_.expires_after(backoff);
    co_await feed_pause_.async_wait(asio::as_tuple(asio::use_awaitable));
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(60));
  }
}

}  // namespace wagbot::alerts
