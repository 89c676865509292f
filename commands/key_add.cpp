#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"
#include "wagbot/core/redact.hpp"

#include <regex>

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  auto& eng = ctx.eng;
  const auto& cfg = eng.cfg();
  const std::string alias = host_alias(act.args[0]);
  const bool with_url = act.args.size() == 3;
  const std::string secret = with_url ? act.args[2] : act.args[1];
  std::string url = with_url ? act.args[1] : std::string{};

  if (!ctx.who.direct)
    co_return privately(
        core::error_reply("Keys are only accepted in a direct chat with me. This key was seen "
                          "by the room: rotate it in WAGMIOS Settings, then send the new one "
                          "to me directly."));
  if (!core::is_key(secret))
    co_return core::error_reply(
        "That is not a WAGMIOS key: they start with `wag_live_` followed by "
        "44 characters. Usage: " +
        ctx.spec.usage);
  static const std::regex alias_re("^[a-z0-9][a-z0-9_-]{0,31}$");
  if (!std::regex_match(alias, alias_re) || alias == "all")
    co_return core::error_reply("A host alias is 1–32 of a-z 0-9 _ - (and not `all`).");

  if (const auto* known = cfg.find_host(alias)) {
    if (!url.empty()) {
      auto given = net::parse_url(url);
      if (!given || given->origin() != known->base.origin())
        co_return core::error_reply("@" + alias + " is configured at " + known->url +
                                    "; leave the URL out: `key add " + alias + " <key>`.");
    }
    url = known->url;
  } else {
    if (!cfg.allow_user_hosts) {
      std::vector<std::string> aliases;
      for (const auto& h : cfg.hosts) aliases.push_back(h.alias);
      co_return core::error_reply(
          "There is no host `" + alias + "` in wagbot's config" +
          (aliases.empty() ? std::string(".") : " (known: " + join(aliases) + ").") +
          " Ask the admin to add it.");
    }
    if (url.empty())
      co_return core::error_reply("Give the host's URL: `key add " + alias + " <url> <key>`.");
    if (auto u = net::parse_url(url); !u || u->websocket())
      co_return core::error_reply("`" + url + "` is not an http(s) URL.");
  }

  // Check the key against the host before keeping it.
  app::host_call probe{alias, &eng.client_for(alias, url), secret};
  auto info = co_await probe.api->settings(secret);
  std::string note;
  if (!info) {
    if (info.error().kind == errc::unauthorized || info.error().kind == errc::bad_response ||
        info.error().kind == errc::tls_failure) {
      auto r = core::describe_error(info.error(), alias);
      r.text("The key was not saved.");
      co_return privately(std::move(r));
    }
    note = " I could not check it now (" + info.error().message + "); it is saved anyway.";
  }
  eng.keys().put(ctx.who.user, alias, url, secret, eng.now());
  eng.forget_scopes(ctx.who.user, alias);
  eng.record(ctx.who, alias, "key add", alias, "ok", "key …" + secret.substr(secret.size() - 8));
  std::string scopes =
      info
          ? " Scopes: " + (info->scopes.empty() ? std::string("(none)") : join(info->scopes, " ")) +
                "."
          : "";
  co_return privately(core::ok_reply("Saved your key …" + secret.substr(secret.size() - 8) +
                                     " for @" + alias + " (" + url + ")." + scopes + note));
}
}  // namespace

app::command make_key_add() {
  auto s = local_spec(
      "key add", "Register your WAGMIOS key for a host (direct chat only)",
      {{"host", "alias, e.g. nas", core::value_kind::host},
       {"key", "the key (or the URL when the host is not configured)", core::value_kind::text},
       {"key", "the key, after a URL", core::value_kind::text, false}});
  s.usage = "key add <host> [url] <wag_live_…>";
  s.examples = {"key add nas wag_live_…", "key add pi http://192.168.1.20:5179 wag_live_…"};
  return {s, run};
}

}  // namespace wagbot::commands
