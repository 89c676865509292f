#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/outcome.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto name = ctx.target_name(act);
  auto done = co_await ctx.host.api->delete_container(ctx.host.key, name);
  if (!done) co_return co_await app::failure_reply(ctx, done.error(), "rm", name);
  co_return core::ok_reply("`" + name + "` deleted from @" + ctx.host.alias + ".");
}
}  // namespace

app::command make_rm() {
  auto s = container_spec("rm", "Delete a container (asks first)", "containers:delete");
  s.aliases = {"delete", "remove"};
  s.args[0].description = "name or id";
  s.destructive = true;
  s.examples = {"rm old-nginx", "rm 3f2a9c @nas"};
  return {s, run};
}

}  // namespace wagbot::commands
