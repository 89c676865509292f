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
  core::command_spec s;
  s.name = "rm";
  s.aliases = {"delete", "remove"};
  s.summary = "Delete a container (asks first)";
  s.usage = "rm <container> [@host]";
  s.args = {{"container", "name or id", core::value_kind::container}};
  s.scope = "containers:delete";
  s.uses_host = true;
  s.targets_container = true;
  s.destructive = true;
  s.examples = {"rm old-nginx", "rm 3f2a9c @nas"};
  return {s, run};
}

}  // namespace wagbot::commands
