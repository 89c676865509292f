#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  auto list = co_await ctx.host.api->images(ctx.host.key);
  if (auto none = nothing_listed(ctx, list, "images")) co_return *none;
  core::table t{{"repository", "tag", "id", "size", "created"}, {}};
  for (const auto& i : *list)
    t.rows.push_back({i.repository, i.tag, short_id(i.id), i.size, i.created_since});
  co_return core::table_reply(std::to_string(list->size()) + " images on @" + ctx.host.alias + ":",
                              std::move(t));
}
}  // namespace

app::command make_images() {
  return {listing_spec("images", "List images", "images:read"), run};
}

}  // namespace wagbot::commands
