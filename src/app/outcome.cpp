#include "wagbot/app/outcome.hpp"

#include <chrono>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wagbot/app/engine.hpp"
#include "wagbot/core/docker_reason.hpp"

namespace wagbot::app {

namespace asio = boost::asio;

namespace {

/// Waits `d`; false when the wait was cancelled (shutting down).
asio::awaitable<bool> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

/// Docker's words for `what`, and whether the user could have read them at all.
struct reason {
  std::optional<std::string> words;
  bool no_scope = false;
};

asio::awaitable<reason> find_reason(command_context& ctx, const core::failed_action& what) {
  auto& eng = ctx.eng;
  const auto& alias = ctx.host.alias;
  if (auto words = core::docker_words(eng.heard_on(alias), what)) co_return reason{words};
  auto key = co_await eng.scopes(ctx.who.user, ctx.host);
  if (key && key->has_scope("system:read")) {
    // The host writes the event as it answers; a second look covers one written just after.
    for (int look = 0; look < 2; ++look) {
      if (look > 0 && !co_await pause(std::chrono::milliseconds(300))) break;
      auto events = co_await ctx.host.api->activity(ctx.host.key);
      if (!events) break;
      if (auto words = core::docker_words(*events, what)) co_return reason{words};
    }
    co_return reason{};
  }
  if (eng.follows(alias)) {
    // The watcher's feed brings the event a moment after the answer.
    for (int look = 0; look < 15; ++look) {
      if (!co_await pause(std::chrono::milliseconds(100))) break;
      if (auto words = core::docker_words(eng.heard_on(alias), what)) co_return reason{words};
    }
    co_return reason{};
  }
  co_return reason{std::nullopt, true};
}

std::string doing_of(std::string_view call) {
  if (call == "rm") return "delete";
  if (call == "rmi") return "remove image";
  if (call == "run") return "create";
  if (call == "logs") return "logs of";
  return std::string(call);
}

}  // namespace

asio::awaitable<core::chat_reply> failure_reply(command_context& ctx, const error& failure,
                                                std::string_view call, const std::string& target) {
  if (failure.code != "DOCKER_ERROR") co_return ctx.fail(failure);
  const auto head = doing_of(call) + " `" + target + "` failed on @" + ctx.host.alias + ": ";
  const auto server = core::one_line(failure.message);
  core::chat_reply r;
  if (auto what = core::failed_action_of(call, target, ctx.host.key)) {
    auto found = co_await find_reason(ctx, *what);
    if (found.words) {
      r = core::error_reply(head + core::plain_docker_reason(*found.words) + ".");
    } else if (found.no_scope) {
      r = core::error_reply(head + "the host gives no reason (" + server + ").");
      r.text(
          "Docker's reason is only in the host's activity feed, which needs the `system:read` "
          "scope: its owner can enable it for your key in WAGMIOS Settings → Agent "
          "Permissions.");
    } else {
      r = core::error_reply(head + server + "; the host's activity feed gives no reason.");
    }
  } else {
    r = core::error_reply(head + server + " (the host gives no reason for this call).");
  }
  r.error_code = core::reply_code::docker_error;
  co_return r;
}

asio::awaitable<core::chat_reply> settled(command_context& ctx, watched_names watched,
                                          std::string verb, core::chat_reply done) {
  const int seconds = ctx.eng.cfg().timeouts.settle_seconds;
  std::vector<protocol::container> mine;
  for (int look = 0; look < seconds; ++look) {
    if (!co_await pause(std::chrono::seconds(1))) co_return done;
    auto list = co_await ctx.host.api->containers(ctx.host.key);
    if (!list) co_return done;  // the start was answered; a look it cannot take changes nothing
    mine.clear();
    bool down = false;
    for (const auto& c : *list)
      if (watched(c.name)) {
        mine.push_back(c);
        down = down || c.status == "exited" || c.status == "dead";
      }
    if (down) break;
  }
  core::chat_reply r;
  for (const auto& c : mine) {
    const bool down = c.status == "exited" || c.status == "dead";
    if (!down && c.status != "restarting") continue;
    const auto where = "`" + c.name + "` on @" + ctx.host.alias;
    if (r.blocks.empty()) r.mood = down ? core::tone::error : core::tone::warning;
    if (down)
      r.text(where + " " + verb + " but exited at once (" + c.status +
             (c.status_text.empty() ? "" : ", " + c.status_text) + ").");
    else
      r.text(where + " " + verb + " but keeps restarting: it exits and Docker starts it again.");
    auto logs = co_await ctx.host.api->logs(ctx.host.key, c.name, 10);
    if (logs && !logs->empty())
      r.text("Its last lines:").code(*logs);
    else if (logs)
      r.text("It wrote no log lines.");
    r.text("`logs " + c.name + " @" + ctx.host.alias + "` shows more.");
  }
  co_return r.blocks.empty() ? done : r;
}

}  // namespace wagbot::app
