#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  auto info = co_await ctx.eng.scopes(ctx.who.user, ctx.host, true);
  if (!info) co_return ctx.fail(info.error());
  core::chat_reply r;
  r.is_private = true;
  std::string scopes = info->scopes.empty() ? "(none)" : join(info->scopes, " ");
  r.text("@" + ctx.host.alias + ": key …" + ctx.host.key.substr(ctx.host.key.size() - 8) +
         (info->label.empty() ? "" : " \"" + info->label + "\"") +
         (info->role.empty() ? "" : ", role " + info->role) + ", scopes: " + scopes);
  co_return r;
}
}  // namespace

app::command make_status() {
  auto s = listing_spec("status", "What your key may do on each host (its scopes)", "");
  s.aliases = {"whoami", "scopes"};
  return {s, run};
}

}  // namespace wagbot::commands
