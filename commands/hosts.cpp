#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  const auto& cfg = ctx.eng.cfg();
  const auto keys = ctx.eng.keys().list(ctx.who.user);
  const auto room_default = ctx.eng.rooms().default_host(ctx.who.network, ctx.who.room);
  core::table t{{"host", "url", "your key", "known as"}, {}};
  for (const auto& k : keys) {
    const auto* hc = cfg.find_host(k.alias);
    std::string words;
    if (hc)
      for (const auto& d : hc->description) words += (words.empty() ? "" : ", ") + d;
    std::string alias = "@" + k.alias + (room_default == k.alias ? " (room default)" : "");
    t.rows.push_back({alias, k.url, "…" + k.suffix, words});
  }
  for (const auto& h : cfg.hosts) {
    bool have = false;
    for (const auto& k : keys) have = have || k.alias == h.alias;
    if (!have)
      t.rows.push_back({"@" + h.alias, h.url, "none — `key add " + h.alias + " <key>`", ""});
  }
  if (t.rows.empty())
    co_return core::say(core::tone::info,
                        "No hosts are configured and you have no keys. In a direct "
                        "chat with me: `key add <alias> <url> <wag_live_…>`.");
  core::chat_reply r;
  r.add_table(std::move(t));
  co_return r;
}
}  // namespace

app::command make_hosts() {
  return {local_spec("hosts", "Your WAGMIOS hosts and which of them you hold keys for"), run};
}

}  // namespace wagbot::commands
