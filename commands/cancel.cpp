#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  // A named local, not a conditional temporary: g++ 12 destroys such a temporary passed by
  // value into a coroutine twice.
  std::string id = act.args.empty() ? std::string{} : act.args[0];
  co_return co_await ctx.dispatch.resolve(ctx.who, std::move(id), false);
}
}  // namespace

app::command make_cancel() {
  core::command_spec s;
  s.name = "cancel";
  s.aliases = {"no", "deny"};
  s.summary = "Say no to a pending confirmation";
  s.usage = "cancel [id]";
  s.args = {
      {"id", "the confirmation's id (default: your latest here)", core::value_kind::text, false}};
  return {s, run};
}

}  // namespace wagbot::commands
