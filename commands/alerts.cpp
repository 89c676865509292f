#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  const auto subs = ctx.eng.subscriptions().of_room(ctx.who.network, ctx.who.room);
  if (subs.empty())
    co_return core::say(core::tone::info,
                        "This room gets no alerts. `alerts on [@host|all] [container patterns…]` "
                        "turns them on.");
  core::table t{{"host", "containers", "since", "by"}, {}};
  for (const auto& s : subs)
    t.rows.push_back({"@" + s.host, s.patterns.empty() ? "all" : join(s.patterns, " "),
                      std::to_string((ctx.eng.now() - s.created_at) / 60) + " min ago",
                      s.created_by});
  co_return core::table_reply("Alerts this room receives:", std::move(t));
}
}  // namespace

app::command make_alerts() {
  return {local_spec("alerts", "Which alerts this room receives"), run};
}

}  // namespace wagbot::commands
