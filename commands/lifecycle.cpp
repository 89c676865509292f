#include "commands/lifecycle.hpp"

#include "commands/commands.hpp"

#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/outcome.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

app::command lifecycle_command(std::string verb, std::string past, std::string summary,
                               bool destructive) {
  auto s = container_spec(verb, std::move(summary), "containers:write");
  s.destructive = destructive;
  auto run = [verb, past](app::command_context& ctx,
                          const core::action& act) -> boost::asio::awaitable<core::chat_reply> {
    const auto name = ctx.target_name(act);
    if (verb == "start" && ctx.target && ctx.target->status == "running")
      co_return core::say(core::tone::info,
                          "`" + name + "` is already running on @" + ctx.host.alias + ".");
    if (verb == "stop" && ctx.target && ctx.target->status != "running" &&
        ctx.target->status != "restarting")
      co_return core::say(core::tone::info, "`" + name + "` is not running on @" + ctx.host.alias +
                                                " (" + ctx.target->status + ").");
    auto done = co_await ctx.host.api->container_action(ctx.host.key, name, verb);
    if (!done) co_return co_await app::failure_reply(ctx, done.error(), verb, name);
    auto said = core::ok_reply("`" + name + "` " + past + " on @" + ctx.host.alias + ".");
    if (verb == "stop") co_return said;
    // A host answers "started" even for a process that exits at once: look again.
    app::watched_names watched = [name](const std::string& n) {
      return n == name || n == "/" + name;
    };
    co_return co_await app::settled(ctx, std::move(watched), past, std::move(said));
  };
  return {s, run};
}

}  // namespace wagbot::commands
