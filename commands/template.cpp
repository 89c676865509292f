#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  auto tpl = co_await ctx.host.api->template_get(ctx.host.key, act.args[0]);
  if (!tpl)
    co_return failed(
        ctx, tpl.error(), errc::not_found,
        core::error_reply("No template `" + act.args[0] + "` on @" + ctx.host.alias + "."));
  core::chat_reply r;
  r.text("Template `" + act.args[0] + "` on @" + ctx.host.alias + ":");
  r.code(tpl->dump(2));
  co_return r;
}
}  // namespace

app::command make_template() {
  auto s = host_spec("template", "Show one template", "templates:read",
                     {{"name", "template name", core::value_kind::template_name}});
  s.examples = {"template web", "template save web {\"image\":\"nginx:alpine\"}"};
  return {s, run};
}

}  // namespace wagbot::commands
