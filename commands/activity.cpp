#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/engine.hpp"
#include "wagbot/core/docker_reason.hpp"

namespace wagbot::commands {

namespace {
constexpr int default_count = 10;
constexpr int max_count = 100;  // the host keeps its last 100 events

/// Who acted: a wagbot user when the key is one of theirs, else what the host says.
std::string who_did(app::command_context& ctx, const std::string& agent) {
  if (agent == "system") return "WAGMIOS";
  if (agent == "unauthenticated") return "no key";
  if (agent == "invalid-key") return "a wrong key";
  if (agent.empty()) return "?";
  if (auto user = ctx.eng.keys().owner(ctx.host.alias, agent)) return *user;
  return "key …" + agent;
}

std::string detail_text(const protocol::json& details, const char* field) {
  if (details.is_string()) return details.get<std::string>();
  if (details.is_object() && details.contains(field) && details[field].is_string())
    return details[field].get<std::string>();
  return {};
}

/// What was done: "restart `jellyfin`", "pull `alpine:3.20`", "POST /api/containers".
std::string what_was_done(const protocol::activity_event& e) {
  if (e.type == "container_action") {
    auto target = detail_text(e.details, "container_id");
    if (target.empty()) target = e.target;
    if (e.action == "create" && target.size() == 64) target = short_id(target);
    return e.action + (target.empty() ? "" : " `" + target + "`");
  }
  if (e.type == "image_pull") return "pull `" + e.target + "`";
  if (e.type == "image_delete") return "remove image `" + short_id(e.target) + "`";
  if (e.type == "api_call") return e.action + " " + e.target;
  return e.type + " " + e.action + (e.target.empty() ? "" : " " + e.target);
}

std::string outcome_text(const protocol::activity_event& e) {
  if (e.status == "success") return "ok";
  if (e.status == "pending") return "under way";
  if (e.type == "api_call" && e.details.is_object() && e.details.contains("status_code"))
    return "HTTP " + e.details["status_code"].dump();
  if (e.status == "error") {
    const auto words = detail_text(e.details, "details");
    return words.empty() ? "failed" : "failed: " + core::plain_docker_reason(words);
  }
  return e.status;
}

/// "2026-12-04T21:45:40.123Z" → "12-04 21:45:40".
std::string when(const std::string& timestamp) {
  if (timestamp.size() < 19 || timestamp[10] != 'T') return timestamp;
  return timestamp.substr(5, 5) + " " + timestamp.substr(11, 8);
}

boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto wanted = count_arg(act, 0, default_count, max_count);
  if (!wanted) co_return count_refused("count", max_count);
  const int count = *wanted;
  auto events = co_await ctx.host.api->activity(ctx.host.key);
  if (!events) co_return ctx.fail(events.error());
  // The actions themselves; of the plain request log, only what the host refused (a wrong
  // key, a missing scope, an unknown path): the rest repeats the actions or is reads.
  std::vector<const protocol::activity_event*> shown;
  for (const auto& e : *events)
    if (e.type != "api_call" || e.status == "client_error") shown.push_back(&e);
  if (shown.size() > static_cast<std::size_t>(count))
    shown.erase(shown.begin(), shown.end() - count);
  if (shown.empty())
    co_return core::say(core::tone::info, "No API actions on @" + ctx.host.alias + " yet.");
  core::table t{{"time (UTC)", "who", "what", "outcome"}, {}};
  for (const auto* e : shown)
    t.rows.push_back(
        {when(e->timestamp), who_did(ctx, e->agent), what_was_done(*e), outcome_text(*e)});
  const auto heading = "The last " + std::to_string(shown.size()) + " API actions on @" +
                       ctx.host.alias + ", oldest first:";
  co_return core::table_reply(heading, std::move(t));
}
}  // namespace

app::command make_activity() {
  auto s = listing_spec("activity", "A host's recent API actions: who did what, and how it went",
                        "system:read");
  s.aliases = {"events"};
  s.args = {{"count", "how many (1-100, default 10)", core::value_kind::integer, false}};
  s.examples = {"activity", "activity 30 @nas"};
  return {s, run};
}

}  // namespace wagbot::commands
