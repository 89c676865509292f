#include "wagbot/app/app.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "commands/commands.hpp"
#include "wagbot/app/log_sink.hpp"
#include "wagbot/app/memory.hpp"
#include "wagbot/app/observability.hpp"
#include "wagbot/discord/bot.hpp"
#include "wagbot/matrix/bot.hpp"

namespace wagbot::app {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {
/// Logs what escaped a spawned coroutine: nothing is lost silently.
auto log_failure(core::logger log, std::string what) {
  return [log = std::move(log), what = std::move(what)](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log.error("{} failed: {}", what, ex.what());
    }
  };
}

/// Waits `d`; false when the wait was cancelled (wagbot is stopping).
asio::awaitable<bool> pause(std::chrono::steady_clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}
}  // namespace

application::application(config cfg) : cfg_(std::move(cfg)) {
  log_ =
      core::logger(core::parse_log_level(cfg_.log_level), stream_sink(cfg_.log_format == "json"));
  std::filesystem::create_directories(cfg_.data_dir);
  std::filesystem::permissions(cfg_.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  http_ = std::make_unique<net::http_client>(io_.get_executor(), "wagbot/" WAGBOT_VERSION);
  db_ = std::make_unique<store::database>((cfg_.data_dir / "wagbot.db").string());
  vault_ = std::make_unique<store::vault>(
      store::load_or_create_master_key(cfg_.master_key_file, std::getenv("WAGBOT_MASTER_KEY")));
  keys_ = std::make_unique<store::key_store>(*db_, *vault_);
  confirmations_ = std::make_unique<store::confirmation_store>(*db_);
  audit_ = std::make_unique<store::audit_log>(*db_);
  rooms_ = std::make_unique<store::room_settings>(*db_);
  kv_ = std::make_unique<store::kv_store>(*db_);
  inbox_ = std::make_unique<store::inbox>(*db_);
  subscriptions_ = std::make_unique<store::subscriptions>(*db_);
  alert_actions_ = std::make_unique<store::alert_actions>(*db_);
  kv_port_ = std::make_unique<kv_port>(*kv_);
  journal_port_ = std::make_unique<journal_port>(*inbox_);
  action_port_ = std::make_unique<action_port>(*alert_actions_);
  sealer_port_ = std::make_unique<sealer_port>(*vault_);
  engine_ = std::make_unique<engine>(cfg_, log_.child("engine"), *http_, *keys_, *confirmations_,
                                     *audit_, *rooms_, *vault_, *subscriptions_);
  dispatcher_ = std::make_unique<dispatcher>(*engine_, commands::all());
  conversation_ = std::make_unique<conversation>(*engine_, *dispatcher_);
  router_ = std::make_unique<alerts::router>(*subscriptions_, log_.child("alerts"));
  build_transports();
  import_preset_keys();
  watch_metrics();
}

void application::build_transports() {
  const core::transport_state state{*kv_port_, *journal_port_, *action_port_, *sealer_port_};
  if (cfg_.matrix.enabled)
    transports_.push_back(std::make_unique<matrix::bot>(
        io_.get_executor(), cfg_.matrix, *conversation_, *http_, state, log_.child("matrix")));
  if (cfg_.discord.enabled)
    transports_.push_back(std::make_unique<discord::bot>(
        io_.get_executor(), cfg_.discord, *conversation_, *http_, state, log_.child("discord")));
  for (auto& t : transports_) {
    conversation_->attach(*t);
    router_->add(*t);
  }
}

void application::watch_metrics() {
  auto& m = engine_->metrics();
  m.set("wagbot_build_info", {{"version", WAGBOT_VERSION}}, 1);
  const double started =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // Numbers kept by the parts themselves are read at scrape time.
  m.on_collect([this, started](core::metrics& m) {
    collect_process(m, started);
    m.set("wagbot_confirmations_pending", {}, static_cast<double>(confirmations_->pending_count()));
    for (const auto& t : transports_) {
      const auto s = t->status();
      const core::metric_labels net{{"network", t->network()}};
      m.set("wagbot_transport_connected", net, s.connected ? 1 : 0);
      m.set("wagbot_send_queue_depth", net, static_cast<double>(s.queue_depth));
      m.set("wagbot_rate_limited_total", net, static_cast<double>(s.rate_limited));
      m.set("wagbot_reconnects_total", net, static_cast<double>(s.reconnects));
      if (t->network() == "matrix")
        m.set("wagbot_undecryptable_events_total", net, static_cast<double>(s.undecryptable));
      m.set("wagbot_alerts_sent_total", net, static_cast<double>(router_->sent(t->network())));
    }
    for (const auto& w : watchers_)
      m.set("wagbot_host_reachable", {{"host", w->alias()}}, w->reachable() ? 1 : 0);
  });
}

bool application::start_listener() {
  const auto& where = cfg_.observability;
  if (!where.enabled()) return true;
  listener_ =
      std::make_unique<net::http_server>(io_.get_executor(), [this](std::string_view target) {
        readiness ready;
        for (const auto& t : transports_) {
          const auto s = t->status();
          ready.push_back({t->network(), s.connected, s.degraded});
        }
        return observe_endpoint(target, engine_->metrics(), ready, stopping_);
      });
  auto port = listener_->listen(where.address, where.port);
  if (!port) {
    log_.error("cannot listen on {}:{} (observability.listen): {}", where.address, where.port,
               port.error().message());
    return false;
  }
  listening_port_ = *port;
  const auto host =
      where.address.find(':') != std::string::npos ? "[" + where.address + "]" : where.address;
  log_.info("observability on http://{}:{} (/healthz /readyz /metrics)", host, *port);
  if (where.address != "127.0.0.1" && where.address != "::1")
    log_.warn(
        "observability.listen is not a loopback address; the endpoints have no authentication");
  asio::co_spawn(io_, listener_->run(), log_failure(log_, "the observability listener"));
  return true;
}

void application::start_housekeeping() {
  // Coroutines from plain functions: their parameters live in the coroutine frame (a lambda's
  // captures would die with the lambda).
  // Expired confirmations are announced (and their prompts updated) within a second or two.
  auto expiry = [](conversation& talk, store::inbox& inbox) -> asio::awaitable<void> {
    do {
      talk.expire_due();
      inbox.prune(system_now() - 7 * 24 * 3600);
    } while (co_await pause(std::chrono::seconds(1)));
  };
  // Freed heap pages go back to the kernel once start-up is over, then every minute.
  auto trim = [](core::logger log) -> asio::awaitable<void> {
    for (auto wait = first_memory_trim; co_await pause(wait); wait = memory_trim_interval)
      if (const long kb = release_free_memory(); kb > 0)
        log.debug("released {} kB of free heap", kb);
  };
  asio::co_spawn(
      io_, expiry(*conversation_, *inbox_) && trim(log_),
      asio::bind_cancellation_slot(housekeeping_stop_.slot(), log_failure(log_, "housekeeping")));
}

void application::start_watchers() {
  // Every host with a monitor key is watched; rooms get what they subscribed to.
  for (const auto& host : cfg_.hosts)
    if (!host.monitor_key.empty()) start_watcher(host);
}

void application::start_watcher(const wagmios::host_config& host) {
  watchers_.push_back(std::make_unique<alerts::watcher>(io_.get_executor(), host, cfg_.alerts,
                                                        *http_, *router_, *kv_, *keys_,
                                                        log_.child("alerts." + host.alias)));
  watchers_.back()->observe(wagmios_observer(engine_->metrics(), host.alias, "alerts"));
  watchers_.back()->listen(
      {[this, alias = host.alias](const protocol::activity_event& e) { engine_->heard(alias, e); },
       [this, alias = host.alias](bool live) { engine_->following(alias, live); }});
  asio::co_spawn(io_, watchers_.back()->run(), log_failure(log_, "watching @" + host.alias));
}

namespace {
bool same_watch(const wagmios::host_config& a, const wagmios::host_config& b) {
  return a.alias == b.alias && a.url == b.url && a.monitor_key == b.monitor_key && a.tls == b.tls;
}
}  // namespace

void application::reload() {
  config fresh;
  try {
    fresh = load_config(cfg_.path);
  } catch (const config_error& e) {
    const auto* many = dynamic_cast<const config_errors*>(&e);
    log_.error("SIGHUP: {} has {} problem(s); still running the config loaded before: {}",
               cfg_.path.string(), many ? many->all().size() : 1, e.what());
    return;
  }
  // Watchers of hosts whose address or monitor key changed, or that are gone, stop; new or
  // changed monitored hosts get one. What they pointed into is kept (retired_*).
  std::vector<std::unique_ptr<alerts::watcher>> kept;
  for (auto& w : watchers_) {
    const auto* now = fresh.find_host(w->alias());
    const auto* was = cfg_.find_host(w->alias());
    if (now && was && same_watch(*now, *was)) {
      kept.push_back(std::move(w));
    } else {
      w->stop();
      retired_watchers_.push_back(std::move(w));
    }
  }
  watchers_ = std::move(kept);
  retired_hosts_.push_back(std::move(cfg_.hosts));
  retired_users_.push_back(std::move(cfg_.users));
  cfg_.hosts = std::move(fresh.hosts);
  cfg_.users = std::move(fresh.users);
  for (const auto& host : cfg_.hosts) {
    const bool watched = std::any_of(watchers_.begin(), watchers_.end(),
                                     [&](const auto& w) { return w->alias() == host.alias; });
    if (!host.monitor_key.empty() && !watched) start_watcher(host);
  }
  import_preset_keys();
  log_.info("SIGHUP: reloaded {}: {} host(s), {} user(s), {} watched; connections kept",
            cfg_.path.string(), cfg_.hosts.size(), cfg_.users.size(), watchers_.size());
}

void application::wait_for_reload() {
  hangup_->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec || stopping_) return;
    reload();
    wait_for_reload();
  });
}

void application::start_transport(core::chat_transport& t, int& code) {
  asio::co_spawn(io_, t.run(),
                 [this, &code, network = t.network()](std::exception_ptr e, int result) {
                   if (e) {
                     log_failure(log_, network + " transport")(e);
                     result = 1;
                   }
                   if (result != 0) {
                     code = result;
                     io_.stop();
                   }
                 });
}

void application::finish() {
  // No new work; the commands already taken finish, up to a deadline. The listener stays:
  // /readyz says "stopping" until the process ends.
  stopping_ = true;
  housekeeping_stop_.emit(asio::cancellation_type::terminal);
  for (auto& t : transports_) t->stop();
  for (auto& w : watchers_) w->stop();
  auto drain = [](application& self) -> asio::awaitable<void> {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto busy = [&self] {
      return std::any_of(self.transports_.begin(), self.transports_.end(),
                         [](const auto& t) { return !t->status().idle; });
    };
    while (busy() && std::chrono::steady_clock::now() < deadline)
      co_await pause(std::chrono::milliseconds(50));
    self.io_.stop();
  };
  asio::co_spawn(io_, drain(*this), log_failure(log_, "stopping"));
}

int application::run() {
  int code = 0;
  if (transports_.empty())
    log_.warn("no chat transport is configured; use `wagbot shell` to talk to the bot");
  if (!start_listener()) return 2;
  start_housekeeping();
  start_watchers();
  for (auto& t : transports_) start_transport(*t, code);

  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log_.info("signal {}: finishing in-flight commands, then stopping", sig);
    if (hangup_) hangup_->cancel();
    finish();
  });
  hangup_ = std::make_unique<asio::signal_set>(io_, SIGHUP);
  wait_for_reload();
  io_.run();
  return code;
}

int application::run_shell(std::istream& in, std::ostream& out, shell::options opts) {
  shell::terminal term(io_.get_executor(), *conversation_, in, out, std::move(opts),
                       log_.child("shell"));
  conversation_->attach(term);
  start_housekeeping();
  int code = 0;
  asio::co_spawn(io_, term.run(), [this, &code](std::exception_ptr e, int result) {
    code = e ? 1 : result;
    housekeeping_stop_.emit(asio::cancellation_type::terminal);
    io_.stop();
  });
  io_.run();
  return code;
}

application::~application() = default;

void application::import_preset_keys() {
  for (const auto& user : cfg_.users)
    for (const auto& preset : user.keys) {
      const auto* host = cfg_.find_host(preset.host);
      auto existing = keys_->get(user.name, preset.host);
      if (existing && existing->secret == preset.secret && existing->url == host->url) continue;
      keys_->put(user.name, preset.host, host->url, preset.secret, system_now());
      log_.info("imported {}'s key for @{} from the config", user.name, preset.host);
    }
}

}  // namespace wagbot::app
