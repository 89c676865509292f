#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  auto list = co_await ctx.host.api->templates(ctx.host.key);
  if (auto none = nothing_listed(ctx, list, "templates")) co_return *none;
  core::table t{{"name", "image", "description"}, {}};
  for (const auto& tpl : *list) {
    auto text = [&](const char* k) {
      return tpl.is_object() && tpl.contains(k) && tpl[k].is_string() ? tpl[k].get<std::string>()
                                                                      : std::string{};
    };
    t.rows.push_back({text("name"), text("image"), text("description")});
  }
  co_return core::table_reply("Templates on @" + ctx.host.alias + " (`template <name>` shows one):",
                              std::move(t));
}
}  // namespace

app::command make_templates() {
  return {host_spec("templates", "List saved container templates", "templates:read"), run};
}

}  // namespace wagbot::commands
