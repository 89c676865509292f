#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  auto c = co_await ctx.host.api->container_config(ctx.host.key, ctx.target_name(act));
  if (!c) co_return ctx.fail(c.error());
  core::table t{{"field", "value"}, {}};
  t.rows.push_back({"name", c->name});
  t.rows.push_back({"status", status_text(c->status) +
                                  (c->status_text.empty() ? "" : " (" + c->status_text + ")")});
  t.rows.push_back({"image", c->image});
  t.rows.push_back({"ports", c->ports.empty() ? "none" : ports_text(c->ports)});
  t.rows.push_back({"id", c->id});
  co_return core::table_reply("`" + c->name + "` on @" + ctx.host.alias + ":", std::move(t));
}
}  // namespace

app::command make_inspect() {
  auto s =
      container_spec("inspect", "One container's image, status, ports and id", "containers:read");
  s.aliases = {"info", "show"};
  s.examples = {"inspect nginx", "inspect jelly @media"};
  return {s, run};
}

}  // namespace wagbot::commands
