#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  if (!ctx.eng.subscriptions().remove(ctx.who.network, ctx.who.room, ctx.host.alias))
    co_return core::say(core::tone::info, "This room got no alerts from @" + ctx.host.alias + ".");
  ctx.eng.record(ctx.who, ctx.host.alias, "alerts off", "*", "ok");
  co_return core::ok_reply("No more alerts from @" + ctx.host.alias + " in this room.");
}
}  // namespace

app::command make_alerts_off() {
  auto s = host_spec("alerts off", "Stop this room's alerts from a host", "");
  s.fans_out = true;
  s.examples = {"alerts off @nas", "alerts off all"};
  return {s, run};
}

}  // namespace wagbot::commands
