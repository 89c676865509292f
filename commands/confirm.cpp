// confirm and cancel differ only in the answer they give to a pending confirmation.
#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
app::command answer_command(std::string name, std::vector<std::string> aliases, std::string summary,
                            bool yes) {
  auto s = local_spec(
      std::move(name), std::move(summary),
      {{"id", "the confirmation's id (default: your latest here)", core::value_kind::text, false}});
  s.aliases = std::move(aliases);
  auto run = [yes](app::command_context& ctx,
                   const core::action& act) -> boost::asio::awaitable<core::chat_reply> {
    // A named local, not a conditional temporary: g++ 12 destroys such a temporary passed by
    // value into a coroutine twice.
    std::string id = act.args.empty() ? std::string{} : act.args[0];
    co_return co_await ctx.dispatch.resolve(ctx.who, std::move(id), yes);
  };
  return {s, run};
}
}  // namespace

app::command make_confirm() {
  return answer_command("confirm", {"yes", "approve"}, "Say yes to a pending confirmation", true);
}

app::command make_cancel() {
  return answer_command("cancel", {"no", "deny"}, "Say no to a pending confirmation", false);
}

}  // namespace wagbot::commands
