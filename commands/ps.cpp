#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  auto list = co_await ctx.host.api->containers(ctx.host.key);
  if (auto none = nothing_listed(ctx, list, "containers")) co_return *none;
  std::size_t running = 0;
  core::table t{{"name", "status", "image", "ports", "id"}, {}};
  for (const auto& c : *list) {
    running += c.status == "running";
    t.rows.push_back({c.name, status_text(c.status), c.image, ports_text(c.ports), short_id(c.id)});
  }
  co_return core::table_reply(std::to_string(list->size()) + " containers on @" + ctx.host.alias +
                                  ", " + std::to_string(running) + " running:",
                              std::move(t));
}
}  // namespace

app::command make_ps() {
  auto s = listing_spec("ps", "List containers, running and stopped", "containers:read");
  s.aliases = {"containers", "list"};
  return {s, run};
}

}  // namespace wagbot::commands
