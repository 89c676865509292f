#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/engine.hpp"

namespace wagbot::commands {

namespace {
constexpr std::size_t rate_limit = 100;  // requests a minute per key (WAGMIOS's own limit)

boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  auto took = co_await ctx.host.api->health();
  if (!took) co_return ctx.fail(took.error());
  const auto where = "@" + ctx.host.alias;
  std::string setup;
  if (auto status = co_await ctx.host.api->auth_status(); status && status->is_object()) {
    if (status->value("setup_required", false))
      setup = "; its setup is not done yet (no API key exists)";
    else if ((*status)["key_count"].is_number())
      setup = "; set up, " + std::to_string((*status)["key_count"].get<int>()) + " API keys";
  }
  core::chat_reply r =
      core::ok_reply(where + " answers (" + std::to_string(took->count()) + " ms)" + setup + ".");
  auto key = co_await ctx.eng.scopes(ctx.who.user, ctx.host, true);
  const auto suffix =
      "…" + ctx.host.key.substr(ctx.host.key.size() > 8 ? ctx.host.key.size() - 8 : 0);
  if (key) {
    r.text("Your key " + suffix + " is accepted (" + std::to_string(key->scopes.size()) +
           (key->scopes.size() == 1 ? " scope" : " scopes") + "; `status` lists them).");
  } else {
    r.mood = core::tone::warning;
    auto why = ctx.fail(key.error());
    r.text("Your key " + suffix + " was not accepted:");
    for (auto& b : why.blocks) r.blocks.push_back(std::move(b));
  }
  const auto used = ctx.host.api->sent_last_minute(ctx.host.key);
  r.text("Rate limit: about " + std::to_string(used < rate_limit ? rate_limit - used : 0) + " of " +
         std::to_string(rate_limit) + " requests a minute left for your key (by wagbot's " +
         "own count).");
  co_return r;
}
}  // namespace

app::command make_health() {
  auto s = listing_spec(
      "health",
      "Whether each host answers, whether your key is accepted, how much rate limit is left", "");
  s.aliases = {"ping"};
  return {s, run};
}

}  // namespace wagbot::commands
