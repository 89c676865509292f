#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  const auto keys = ctx.eng.keys().list(ctx.who.user);
  core::chat_reply r;
  r.is_private = true;
  if (keys.empty()) {
    r.text("You have no keys. In a direct chat with me: `key add <host> <wag_live_…>`.");
  } else {
    core::table t{{"host", "url", "key"}, {}};
    for (const auto& k : keys) t.rows.push_back({"@" + k.alias, k.url, "…" + k.suffix});
    r.add_table(std::move(t));
  }
  for (const auto& alias : ctx.eng.keys().unreadable(ctx.who.user))
    r.text("Your key for @" + alias +
           " can no longer be decrypted (the master key changed): add it again.");
  co_return r;
}
}  // namespace

app::command make_key_list() {
  auto s = local_spec("key list", "Your registered keys (only their last 8 characters)");
  s.aliases = {"keys", "key ls"};
  return {s, run};
}

}  // namespace wagbot::commands
