// Log-in and token persistence: the access token and device id are kept (the token sealed
// with the vault) and reused, so a restart does not create a new device.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <utility>

#include "wagbot/matrix/bot.hpp"

namespace wagbot::matrix {

namespace asio = boost::asio;

namespace {
constexpr const char* token_key = "matrix.access_token";
constexpr const char* device_key = "matrix.device_id";
constexpr const char* user_key = "matrix.user_id";
}  // namespace

asio::awaitable<int> bot::start_session() {
  // The homeserver may still be starting (same compose file, same boot): wait for it a while.
  asio::steady_timer pause(co_await asio::this_coro::executor);
  sync_fsm probe;
  probe.begin_probe(std::chrono::steady_clock::now());
  // Said before the first attempt, whose connect may take a while: the log is never silent.
  log_.info("connecting to {}", cfg_.homeserver);
  for (bool told = false;;) {
    auto v = co_await api_.versions();
    if (stopping_) probe.on_stop();
    const auto next = v ? probe.on_probe_answer(v->contains("versions"))
                        : probe.on_probe_failed(v.error(), std::chrono::steady_clock::now());
    if (next.step == sync_step::go) break;
    if (next.step == sync_step::exit) {
      if (next.cause == sync_cause::not_matrix)
        log_.error("{} is not a Matrix homeserver (GET /_matrix/client/versions: {})",
                   cfg_.homeserver, v ? "no versions" : v.error().message);
      else
        log_.error("the Matrix homeserver {} is unreachable: {}", cfg_.homeserver,
                   v.error().message);
      co_return next.exit_code;
    }
    if (!std::exchange(told, true))  // once: the probe repeats until it gives up
      log_.warn("the Matrix homeserver {} is not answering ({}); retrying every {} ms for a minute",
                cfg_.homeserver, v.error().message, next.delay.count());
    pause.expires_after(next.delay);
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  std::string token = cfg_.access_token;
  const bool configured_token = !token.empty();
  if (!configured_token && kv_.get(user_key) == cfg_.user_id)
    if (auto sealed = kv_.get(token_key)) token = vault_.open(*sealed, token_key).value_or("");

  if (!token.empty()) {
    api_.set_token(token);
    auto me = co_await api_.whoami();
    if (me) {
      user_id_ = me->value("user_id", "");
      device_id_ = me->value("device_id", "");
      if (user_id_ != cfg_.user_id) {
        log_.error("the access token belongs to {}, not to matrix.user_id {}", user_id_,
                   cfg_.user_id);
        co_return exit_bad_credentials;
      }
      log_.info("logged in to {} as {} (device {})", cfg_.homeserver, user_id_, device_id_);
      co_return 0;
    }
    if (!me.error().bad_token()) {
      log_.error("whoami failed: {}", me.error().message);
      co_return exit_bad_homeserver;
    }
    if (configured_token || cfg_.password.empty()) {
      log_.error("the homeserver rejected the access token ({}); give a valid one or a password",
                 me.error().code);
      co_return exit_bad_credentials;
    }
    log_.warn("the stored access token was rejected; logging in again with the same device");
  }

  const auto device = !cfg_.device_id.empty() ? cfg_.device_id : kv_.get(device_key).value_or("");
  const auto localpart = cfg_.user_id.substr(1, cfg_.user_id.find(':') - 1);
  auto login = co_await api_.login_password(localpart, cfg_.password, device);
  if (!login) {
    log_.error("Matrix login as {} failed: {}", cfg_.user_id, login.error());
    co_return login.error().http_status == 0 || login.error().http_status >= 500
        ? exit_bad_homeserver
        : exit_bad_credentials;
  }
  api_.set_token(login->access_token);
  user_id_ = login->user_id;
  device_id_ = login->device_id;
  kv_.set(user_key, user_id_);
  kv_.set(device_key, device_id_);
  kv_.set(token_key, vault_.seal(login->access_token, token_key));
  log_.info("logged in to {} as {} with a password (device {})", cfg_.homeserver, user_id_,
            device_id_);
  co_return 0;
}

}  // namespace wagbot::matrix
