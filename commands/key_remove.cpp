#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const std::string alias = host_alias(act.args[0]);
  if (!ctx.eng.keys().remove(ctx.who.user, alias))
    co_return core::error_reply("You have no key for @" + alias + ".");
  ctx.eng.forget_scopes(ctx.who.user, alias);
  ctx.eng.record(ctx.who, alias, "key remove", alias, "ok");
  co_return privately(core::ok_reply("Forgot your key for @" + alias +
                                     ". Revoke it in WAGMIOS Settings too if "
                                     "it should stop working."));
}
}  // namespace

app::command make_key_remove() {
  auto s = local_spec("key remove", "Forget your key for a host",
                      {{"host", "alias", core::value_kind::host}});
  s.aliases = {"key rm", "key delete"};
  return {s, run};
}

}  // namespace wagbot::commands
