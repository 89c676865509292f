#include <ctime>

#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
std::string when(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  std::size_t n = act.args.empty() ? 20 : static_cast<std::size_t>(std::atoi(act.args[0].c_str()));
  n = std::clamp<std::size_t>(n, 1, 200);
  const auto entries = ctx.eng.audit().recent(n);
  if (entries.empty()) co_return core::say(core::tone::info, "The audit log is empty.");
  core::table t{{"time", "user", "where", "host", "action", "target", "outcome"}, {}};
  for (const auto& e : entries)
    t.rows.push_back({when(e.time), e.user, e.network + ":" + e.room,
                      e.host.empty() ? "" : "@" + e.host, e.action, e.target, e.outcome});
  co_return core::table_reply(
      "Last " + std::to_string(entries.size()) + " audit entries, newest first:", std::move(t));
}
}  // namespace

app::command make_audit() {
  auto s = local_spec("audit", "Who did what, where (admins only)",
                      {{"n", "how many entries (default 20)", core::value_kind::integer, false}});
  s.admin_only = true;
  return {s, run};
}

}  // namespace wagbot::commands
