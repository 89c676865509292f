#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/outcome.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
constexpr int default_lines = 50;
constexpr int max_lines = 1000;  // the server's cap on `tail`

boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto wanted = count_arg(act, 1, default_lines, max_lines);
  if (!wanted) co_return count_refused("lines", max_lines);
  const int lines = *wanted;
  const auto name = ctx.target_name(act);
  auto text = co_await ctx.host.api->logs(ctx.host.key, name, lines);
  if (!text) co_return co_await app::failure_reply(ctx, text.error(), "logs", name);
  core::chat_reply r;
  if (text->empty()) {
    r.text("`" + name + "` on @" + ctx.host.alias + " has written no logs.");
    co_return r;
  }
  r.text("Last " + std::to_string(lines) + " lines of `" + name + "` on @" + ctx.host.alias + ":");
  auto body = *text;
  while (!body.empty() && body.back() == '\n') body.pop_back();
  r.code(body);
  co_return r;
}
}  // namespace

app::command make_logs() {
  auto s = container_spec("logs", "The last lines a container wrote (default 50, at most 1000)",
                          "containers:read");
  s.aliases = {"log"};
  s.args[0].description = "name or id";
  s.args.push_back({"lines", "how many lines", core::value_kind::integer, false});
  s.examples = {"logs nginx", "logs postgres 200 @nas"};
  return {s, run};
}

}  // namespace wagbot::commands
