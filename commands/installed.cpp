#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  auto list = co_await ctx.host.api->installed(ctx.host.key);
  if (!list) co_return ctx.fail(list.error());
  if (list->empty())
    co_return core::say(core::tone::info,
                        "No marketplace apps are installed on @" + ctx.host.alias + ".");
  core::table t{{"app", "versions", "path"}, {}};
  for (const auto& a : *list) t.rows.push_back({a.app_id, std::to_string(a.versions), a.path});
  co_return core::table_reply("Marketplace apps installed on @" + ctx.host.alias + ":",
                              std::move(t));
}
}  // namespace

app::command make_installed() {
  return {listing_spec("installed", "Marketplace apps installed on a host", "marketplace:read"),
          run};
}

}  // namespace wagbot::commands
