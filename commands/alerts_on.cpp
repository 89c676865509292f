#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto* host = ctx.eng.cfg().find_host(ctx.host.alias);
  if (!host || host->monitor_key.empty())
    co_return core::error_reply(
        "@" + ctx.host.alias +
        " is not watched: wagbot's admin gives it a monitor key "
        "(hosts[].monitor_key_env or monitor_key_file, with containers:read).");
  store::subscription s{ctx.who.network, ctx.who.room, ctx.host.alias,
                        act.args,        ctx.who.user, ctx.eng.now()};
  ctx.eng.subscriptions().put(s);
  ctx.eng.record(ctx.who, ctx.host.alias, "alerts on", act.args.empty() ? "*" : join(act.args, " "),
                 "ok");
  co_return core::ok_reply("This room now gets alerts from @" + ctx.host.alias +
                           (act.args.empty() ? "" : " about " + join(act.args, " ")) + ".");
}
}  // namespace

app::command make_alerts_on() {
  // Holding a key that may list a host's containers is what entitles a room to its alerts.
  auto s = host_spec("alerts on",
                     "Send this room alerts from a host, optionally only about some containers",
                     "containers:read",
                     {{"containers", "name patterns such as web-* (default: all)",
                       core::value_kind::text, false, true}});
  s.usage = "alerts on [@host|all] [container patterns…]";
  s.fans_out = true;
  s.examples = {"alerts on @nas", "alerts on all", "alerts on @media jellyfin plex*"};
  return {s, run};
}

}  // namespace wagbot::commands
