#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  auto& rooms = ctx.eng.rooms();
  if (act.args.empty()) {
    auto current = rooms.default_host(ctx.who.network, ctx.who.room);
    co_return core::say(core::tone::info,
                        current ? "This room's default host is @" + *current + "."
                                : "This room has no default host. `default <host>` sets one.");
  }
  const std::string alias = host_alias(act.args[0]);
  if (alias == "none" || alias == "-") {
    rooms.clear_default_host(ctx.who.network, ctx.who.room);
    co_return core::ok_reply("This room has no default host any more.");
  }
  const auto mine = ctx.eng.hosts_of(ctx.who.user);
  if (std::find(mine.begin(), mine.end(), alias) == mine.end() && !ctx.eng.cfg().find_host(alias))
    co_return core::error_reply("There is no host @" + alias + ".");
  rooms.set_default_host(ctx.who.network, ctx.who.room, alias);
  ctx.eng.record(ctx.who, alias, "default", ctx.who.room, "ok");
  co_return core::ok_reply("Commands in this room now go to @" + alias +
                           " unless they name another host.");
}
}  // namespace

app::command make_default() {
  auto s = local_spec("default", "Show or set this room's default host (`none` clears it)",
                      {{"host", "alias", core::value_kind::host, false}});
  s.usage = "default [host|none]";
  s.examples = {"default nas", "default none"};
  return {s, run};
}

}  // namespace wagbot::commands
