#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto& name = act.args[0];
  auto body = protocol::json::parse(act.args[1], nullptr, false);
  if (body.is_discarded() || !body.is_object())
    co_return core::error_reply(
        "The template must be one JSON object, e.g. `template save web "
        "{\"image\":\"nginx:alpine\",\"ports\":[{\"host\":\"8080\",\"container\":\"80\"}]}`.");
  body["name"] = name;  // the server names the file after it
  auto saved = co_await ctx.host.api->template_save(ctx.host.key, body);
  if (!saved) co_return ctx.fail(saved.error());
  co_return core::ok_reply("Template `" + name + "` saved on @" + ctx.host.alias + ".");
}
}  // namespace

app::command make_template_save() {
  auto s = host_spec("template save", "Save (or overwrite) a template from JSON", "templates:write",
                     {{"name", "template name", core::value_kind::template_name},
                      {"json", "the template as one JSON object", core::value_kind::json}});
  s.raw_tail = true;
  s.examples = {"template save web {\"image\":\"nginx:alpine\"}"};
  return {s, run};
}

}  // namespace wagbot::commands
