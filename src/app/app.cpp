#include "wagbot/app/app.hpp"

#include <csignal>
#include <cstdlib>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>

#include "commands/commands.hpp"
#include "wagbot/app/log_sink.hpp"
#include "wagbot/app/memory.hpp"
#include "wagbot/app/observability.hpp"

namespace wagbot::app {

application::application(config cfg) : cfg_(std::move(cfg)) {
  log_ = core::logger(core::parse_log_level(cfg_.log_level),
                      stream_sink(cfg_.log_format == "json"));
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
  engine_ = std::make_unique<engine>(cfg_, log_.child("engine"), *http_, *keys_, *confirmations_,
                                     *audit_, *rooms_, *vault_, *subscriptions_);
  dispatcher_ = std::make_unique<dispatcher>(*engine_, commands::all());
  if (cfg_.matrix.enabled)
    matrix_ = std::make_unique<matrix::bot>(io_.get_executor(), cfg_.matrix, *dispatcher_, *http_, *kv_, *inbox_, *vault_,
                                            *alert_actions_, log_.child("matrix"));
  if (cfg_.discord.enabled)
    discord_ = std::make_unique<discord::bot>(io_.get_executor(), cfg_.discord, *dispatcher_, *http_, *inbox_,
                                              *alert_actions_, log_.child("discord"));
  router_ = std::make_unique<alerts::router>(*subscriptions_, log_.child("alerts"));
  if (matrix_) router_->add(*matrix_);
  if (discord_) router_->add(*discord_);
  import_preset_keys();
  watch_metrics();
}

void application::watch_metrics() {
  auto& m = engine_->metrics();
  m.set("wagbot_build_info", {{"version", WAGBOT_VERSION}}, 1);
  const double started = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // Numbers kept by the parts themselves are read at scrape time.
  m.on_collect([this, started](core::metrics& m) {
    collect_process(m, started);
    m.set("wagbot_confirmations_pending", {}, static_cast<double>(confirmations_->pending_count()));
    if (matrix_) {
      const core::metric_labels net{{"network", "matrix"}};
      m.set("wagbot_transport_connected", net, matrix_->connected() ? 1 : 0);
      m.set("wagbot_send_queue_depth", net, static_cast<double>(matrix_->sender().depth()));
      m.set("wagbot_rate_limited_total", net,
            static_cast<double>(matrix_->sender().rate_limited() + matrix_->sync_rate_limited()));
      m.set("wagbot_reconnects_total", net, static_cast<double>(matrix_->reconnects()));
      m.set("wagbot_alerts_sent_total", net, static_cast<double>(router_->sent("matrix")));
    }
    if (discord_) {
      const core::metric_labels net{{"network", "discord"}};
      m.set("wagbot_transport_connected", net, discord_->connected() ? 1 : 0);
      m.set("wagbot_send_queue_depth", net, static_cast<double>(discord_->api().pending()));
      m.set("wagbot_rate_limited_total", net, static_cast<double>(discord_->api().rate_limited()));
      m.set("wagbot_reconnects_total", net, static_cast<double>(discord_->link().reconnects()));
      m.set("wagbot_alerts_sent_total", net, static_cast<double>(router_->sent("discord")));
    }
    for (const auto& w : watchers_) m.set("wagbot_host_reachable", {{"host", w->alias()}}, w->reachable() ? 1 : 0);
  });
}

bool application::start_listener(const bool& stopping) {
  namespace asio = boost::asio;
  const auto& where = cfg_.observability;
  if (!where.enabled()) return true;
  listener_ = std::make_unique<net::http_server>(io_.get_executor(), [this, &stopping](std::string_view target) {
    readiness ready;
    if (matrix_) ready.emplace_back("matrix", matrix_->connected());
    if (discord_) ready.emplace_back("discord", discord_->connected());
    return observe_endpoint(target, engine_->metrics(), ready, stopping);
  });
  auto port = listener_->listen(where.address, where.port);
  if (!port) {
    log_.error("cannot listen on {}:{} (observability.listen): {}", where.address, where.port, port.error().message());
    return false;
  }
  listening_port_ = *port;
  const auto host = where.address.find(':') != std::string::npos ? "[" + where.address + "]" : where.address;
  log_.info("observability on http://{}:{} (/healthz /readyz /metrics)", host, *port);
  if (where.address != "127.0.0.1" && where.address != "::1")
    log_.warn("observability.listen is not a loopback address; the endpoints have no authentication");
  asio::co_spawn(io_, listener_->run(), asio::detached);
  return true;
}

int application::run() {
  namespace asio = boost::asio;
  int code = 0;
  bool stopping = false;
  if (!matrix_ && !discord_) log_.warn("no chat transport is configured; use `wagbot shell` to talk to the bot");
  if (!start_listener(stopping)) return 2;

  // Expired confirmations are announced (and their prompts edited) within a second or two.
  asio::co_spawn(io_, [this, &stopping]() -> asio::awaitable<void> {
    asio::steady_timer tick(io_);
    while (!stopping) {
      dispatcher_->expire_due();
      inbox_->prune(system_now() - 7 * 24 * 3600);
      tick.expires_after(std::chrono::seconds(1));
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }, asio::detached);

  // Freed heap pages go back to the kernel once start-up is over, then every minute.
  asio::co_spawn(io_, [this, &stopping]() -> asio::awaitable<void> {
    asio::steady_timer wait(io_);
    wait.expires_after(first_memory_trim);
    while (!stopping) {
      co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
      if (stopping) break;
      if (const long kb = release_free_memory(); kb > 0)
        log_.debug("released {} kB of free heap", kb);
      wait.expires_after(memory_trim_interval);
    }
  }, asio::detached);

  // Every host with a monitor key is watched; rooms get what they subscribed to.
  for (const auto& host : cfg_.hosts) {
    if (host.monitor_key.empty()) continue;
    watchers_.push_back(std::make_unique<alerts::watcher>(io_.get_executor(), host, cfg_.alerts, *http_, *router_,
                                                          *kv_, *keys_, log_.child("alerts." + host.alias)));
    watchers_.back()->observe(wagmios_observer(engine_->metrics(), host.alias, "alerts"));
    asio::co_spawn(io_, watchers_.back()->run(), [this, alias = host.alias](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log_.error("watching @{} failed: {}", alias, ex.what());
      }
    });
  }

  auto finish = [this, &stopping]() {
    // Graceful stop: no new commands; the ones already taken finish (up to a deadline).
    stopping = true;
    if (matrix_) matrix_->stop();
    if (discord_) discord_->stop();
    for (auto& w : watchers_) w->stop();
    // The listener stays: /readyz says "stopping" until the process ends.
    asio::co_spawn(io_, [this]() -> asio::awaitable<void> {
      asio::steady_timer wait(io_);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      auto busy = [this] { return (matrix_ && !matrix_->idle()) || (discord_ && !discord_->idle()); };
      while (busy() && std::chrono::steady_clock::now() < deadline) {
        wait.expires_after(std::chrono::milliseconds(50));
        co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      io_.stop();
    }, asio::detached);
  };

  if (matrix_)
    asio::co_spawn(io_, matrix_->run(), [this, &code, finish](std::exception_ptr e, int result) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log_.error("matrix transport failed: {}", ex.what());
        }
        result = 1;
      }
      if (result != 0) {
        code = result;
        io_.stop();
      }
    });

  if (discord_)
    asio::co_spawn(io_, discord_->run(), [this, &code](std::exception_ptr e, int result) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log_.error("discord transport failed: {}", ex.what());
        }
        result = 1;
      }
      if (result != 0) {
        code = result;
        io_.stop();
      }
    });

  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this, finish](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log_.info("signal {}: finishing in-flight commands, then stopping", sig);
    finish();
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
