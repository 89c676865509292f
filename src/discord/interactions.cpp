// Interactions must be answered within 3 s, once: commands that call a host are deferred and
// edited later; buttons, autocomplete and modals are answered at once.
#include <charconv>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wagbot/discord/bot.hpp"
#include "wagbot/discord/render.hpp"
#include "wagbot/discord/slash.hpp"

namespace wagbot::discord {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr int reply_now = 4, defer_reply = 5, defer_update = 6, autocomplete_result = 8, open_modal = 9;

// g++ 12 miscompiles brace-initialised JSON temporaries inside coroutines ("array used as
// initializer"): such values are built by these plain functions instead.
pd::json content_only(const std::string& text) {
  pd::json j = pd::json::object();
  j["content"] = text;
  return j;
}

pd::json ephemeral_only() {
  pd::json j = pd::json::object();
  j["flags"] = ephemeral_flag;
  return j;
}

pd::json choice(const std::string& v) {
  pd::json j = pd::json::object();
  j["name"] = v.substr(0, 100);
  j["value"] = v.substr(0, 100);
  return j;
}

pd::json choices_body(const pd::json& choices) {
  pd::json j = pd::json::object();
  j["choices"] = choices;
  return j;
}

pd::json text_input(const char* id, const char* label, bool required, const std::string& value,
                    const char* placeholder) {
  pd::json in = {{"type", 4}, {"custom_id", id}, {"label", label}, {"style", 1}, {"required", required},
                 {"placeholder", placeholder}};
  if (!value.empty()) in["value"] = value;
  return pd::json{{"type", 1}, {"components", pd::json::array({in})}};
}

pd::json key_modal(const std::string& host) {
  return pd::json{{"custom_id", "wagbot:key"},
                  {"title", "Add your WAGMIOS key"},
                  {"components", pd::json::array({text_input("host", "Host alias", true, host, "nas"),
                                                  text_input("url", "Host URL (only for a host not in the config)",
                                                             false, "", "http://192.168.1.10:5179"),
                                                  text_input("key", "API key", true, "", "wag_live_…")})}};
}

/// What a restart needs to answer an interaction it cut short (see bot::tell_interrupted).
pd::json journal_entry(const pd::interaction& i, const char* kind, const std::string& user,
                       const std::string& confirmation) {
  pd::json j = pd::json::object();
  j["kind"] = kind;
  j["application_id"] = i.application_id;
  j["token"] = i.token;
  j["channel_id"] = i.channel_id;
  j["message_id"] = i.message_id;
  j["user"] = user;
  j["confirmation"] = confirmation;
  return j;
}

/// The stored action an alert button's id names, if it is still kept.
std::optional<store::alert_action_row> stored_action(store::alert_actions& actions, std::string_view id) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (ec != std::errc{} || end != id.data() + id.size()) return std::nullopt;
  return actions.get(n);
}

core::chat_reply private_error(std::string text) {
  auto r = core::error_reply(std::move(text));
  r.is_private = true;
  return r;
}
}  // namespace

asio::awaitable<bool> bot::respond(const pd::interaction& i, int type, pd::json data) {
  pd::json body{{"type", type}};
  if (!data.is_null()) body["data"] = std::move(data);
  auto done = co_await rest_->call("POST", "/interactions/" + i.id + "/" + i.token + "/callback", body);
  if (!done) log_.warn("interaction callback failed: {}", done.error());
  co_return static_cast<bool>(done);
}

asio::awaitable<void> bot::answer(const pd::interaction& i, core::chat_reply reply, bool deferred) {
  // Errors, like keys and scopes, are for the asker's eyes only.
  if (reply.mood == core::tone::error) reply.is_private = true;
  auto bodies = message_bodies(reply, discord_ids(reply.mentions));
  const std::string hook = "/webhooks/" + application_id_ + "/" + i.token;
  std::optional<pd::json> message;
  if (!deferred) {
    co_await respond(i, reply_now, bodies.front());
    if (!reply.confirmation_id.empty()) {
      auto got = co_await rest_->call("GET", hook + "/messages/@original");
      if (got) message = *got;
    }
  } else if (reply.is_private) {
    // The deferred answer is public; a private one goes out as an ephemeral follow-up.
    co_await rest_->call("PATCH", hook + "/messages/@original", content_only("🔒 Answered privately."));
    co_await rest_->call("POST", hook, bodies.front());
  } else {
    auto edited = co_await rest_->call("PATCH", hook + "/messages/@original", bodies.front());
    if (edited) message = *edited;
  }
  for (std::size_t k = 1; k < bodies.size(); ++k) co_await rest_->call("POST", hook, bodies[k]);
  if (!reply.confirmation_id.empty()) {
    const auto message_id = message ? message->value("id", "") : std::string{};
    if (!message_id.empty())
      dispatch_.eng().confirmations().set_prompt_ref(reply.confirmation_id, i.channel_id + ":" + message_id);
    prompts_[reply.confirmation_id] =
        prompt{application_id_, i.token, i.channel_id, message_id, std::chrono::steady_clock::now()};
  }
}

asio::awaitable<void> bot::on_interaction(pd::interaction i) {
  if (application_id_.empty()) application_id_ = i.application_id;
  switch (i.type) {
    case pd::interaction_type::command: co_await on_command(i); break;
    case pd::interaction_type::component: co_await on_component(i); break;
    case pd::interaction_type::autocomplete: co_await on_autocomplete(i); break;
    case pd::interaction_type::modal: co_await on_modal(i); break;
    default: break;
  }
}

asio::awaitable<void> bot::on_command(const pd::interaction& i) {
  const auto call = find_invoked(i, dispatch_.grammar());
  if (!call.spec) {
    co_await respond(i, reply_now, message_body(private_error("Unknown command `/" + i.command_name + "`.")));
    co_return;
  }
  auto ev = event_for(i.channel_id, i.guild_id, i.invoker, {});
  auto who = dispatch_.identify(ev);
  if (call.spec->name == "key add") {
    // The key is typed into a private form, never into the channel.
    std::string host;
    for (const auto& o : call.options)
      if (o.name == "host" && o.value.is_string()) host = o.value.get<std::string>();
    pd::json modal = key_modal(host);
    co_await respond(i, open_modal, modal);
    co_return;
  }
  const auto line = to_command_line(call);
  auto parsed = dispatch_.grammar().parse(line);
  if (!parsed) {
    auto r = app::usage_reply(parsed.error());
    r.is_private = true;
    co_await respond(i, reply_now, message_body(r));
    co_return;
  }
  if (!who) {
    co_await answer(i, co_await dispatch_.handle(ev), false);  // "I don't know you" (private)
    co_return;
  }
  // A host may be slow; "thinking…" first, then the answer edits it. `/confirm` runs the
  // confirmed action on its host: without a defer, a host slower than 3 s loses the answer.
  const bool deferred = call.spec->uses_host || call.spec->name == "confirm";
  // No answer slot, no action: a command must never run unseen.
  if (deferred && !co_await respond(i, defer_reply, nullptr)) co_return;
  if (deferred && !journal(i.id, i.channel_id, journal_entry(i, "command", who->user, {}))) co_return;
  auto reply = co_await dispatch_.run(*who, *parsed);
  co_await answer(i, reply, deferred);
  if (deferred) inbox_.finish("discord", i.id);
}

asio::awaitable<void> bot::on_component(const pd::interaction& i) {
  if (i.custom_id.starts_with(action_prefix)) {
    // An alert's button runs its command as whoever clicked, through the usual checks.
    auto action = stored_action(alert_actions_, std::string_view(i.custom_id).substr(action_prefix.size()));
    if (!action || action->network != "discord" || action->room != i.channel_id) {
      co_await respond(i, reply_now, message_body(private_error("That alert is too old for its buttons; type the command instead.")));
      co_return;
    }
    auto ev = event_for(i.channel_id, i.guild_id, i.invoker, action->command);
    if (!dispatch_.identify(ev)) {
      co_await answer(i, co_await dispatch_.handle(ev), false);
      co_return;
    }
    if (!co_await respond(i, defer_reply, nullptr)) co_return;
    if (!journal(i.id, i.channel_id, journal_entry(i, "command", {}, {}))) co_return;
    co_await answer(i, co_await dispatch_.handle(ev), true);
    inbox_.finish("discord", i.id);
    co_return;
  }
  auto button = parse_button(i.custom_id);
  if (!button) co_return;
  auto c = dispatch_.eng().confirmations().get(button->first);
  auto who = dispatch_.identify(event_for(i.channel_id, i.guild_id, i.invoker, {}));
  if (!c) {
    co_await respond(i, reply_now, message_body(private_error("That confirmation no longer exists.")));
    co_return;
  }
  const bool approver = who && std::find(c->approvers.begin(), c->approvers.end(), who->user) != c->approvers.end();
  const bool mine = who && (c->approvers.empty() ? who->user == c->requester
                                                 : approver || (who->user == c->requester && !button->second));
  if (!mine) {
    co_await respond(i, reply_now, message_body(private_error("This confirmation is not yours.")));
    co_return;
  }
  if (c->state != store::confirmation_state::pending) {
    auto r = core::say(core::tone::info, "Already " + std::string(store::to_string(c->state)) + ".");
    r.is_private = true;
    co_await respond(i, reply_now, message_body(r));
    co_return;
  }
  // Acknowledge the click at once; the prompt is edited when the confirmation resolves.
  if (auto p = prompts_.find(c->id); p == prompts_.end() || p->second.token.empty())
    prompts_[c->id] = prompt{application_id_, i.token, i.channel_id, i.message_id, std::chrono::steady_clock::now()};
  if (!co_await respond(i, defer_update, nullptr)) co_return;
  if (!journal(i.id, i.channel_id, journal_entry(i, "click", who->user, c->id))) co_return;
  auto result = co_await dispatch_.resolve(*who, c->id, button->second);
  auto body = message_body(result, {});
  body.erase("components");
  co_await rest_->call("POST", "/webhooks/" + application_id_ + "/" + i.token, body);
  inbox_.finish("discord", i.id);
}

asio::awaitable<std::vector<std::string>> bot::suggestions(const app::requester& who, core::value_kind kind,
                                                           const std::string& host_hint) {
  auto& eng = dispatch_.eng();
  const auto hosts = eng.hosts_of(who.user);
  if (kind == core::value_kind::host) co_return hosts;
  std::string alias = host_hint;
  if (alias.empty()) {
    auto room = eng.rooms().default_host("discord", who.room);
    if (room && std::find(hosts.begin(), hosts.end(), *room) != hosts.end()) alias = *room;
    else if (hosts.size() == 1) alias = hosts.front();
  }
  auto call = eng.host_for(who.user, alias);
  if (!call) co_return std::vector<std::string>{};
  // WAGMIOS allows 100 requests a minute per key: completions are cached for 30 s.
  const auto slot = who.user + "|" + alias + "|" + std::to_string(static_cast<int>(kind));
  if (auto it = completions_.find(slot);
      it != completions_.end() && std::chrono::steady_clock::now() - it->second.at < std::chrono::seconds(30))
    co_return it->second.values;
  std::vector<std::string> values;
  if (kind == core::value_kind::container) {
    if (auto list = co_await call->api->containers(call->key))
      for (const auto& c : *list) values.push_back(c.name);
  } else if (kind == core::value_kind::image) {
    if (auto list = co_await call->api->images(call->key))
      for (const auto& im : *list) values.push_back(im.repository + ":" + im.tag);
  } else if (kind == core::value_kind::app) {
    if (auto list = co_await call->api->marketplace(call->key))
      for (const auto& a : *list) values.push_back(a.id);
  } else if (kind == core::value_kind::template_name) {
    if (auto list = co_await call->api->templates(call->key))
      for (const auto& t : *list)
        if (t.is_object() && t.contains("name") && t["name"].is_string()) values.push_back(t["name"].get<std::string>());
  }
  completions_[slot] = cached_list{values, std::chrono::steady_clock::now()};
  co_return values;
}

asio::awaitable<void> bot::on_autocomplete(const pd::interaction& i) {
  const auto call = find_invoked(i, dispatch_.grammar());
  auto who = dispatch_.identify(event_for(i.channel_id, i.guild_id, i.invoker, {}));
  pd::json choices = pd::json::array();
  if (call.spec && who) {
    std::string focused, typed, host;
    for (const auto& o : call.options) {
      if (o.focused) {
        focused = o.name;
        typed = o.value.is_string() ? o.value.get<std::string>() : "";
      }
      if (o.name == "host" && o.value.is_string() && !o.focused) host = o.value.get<std::string>();
    }
    core::value_kind kind = core::value_kind::host;
    const auto names = option_names(*call.spec);
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == focused) kind = call.spec->args[k].kind;
    // Answer within 3 s whatever the host does: 2 s for a fresh list, then nothing.
    asio::steady_timer limit(executor_, std::chrono::seconds(2));
    auto raced = co_await (suggestions(*who, kind, host) || limit.async_wait(asio::as_tuple(asio::use_awaitable)));
    std::vector<std::string> values;
    if (raced.index() == 0) values = std::get<0>(raced);
    if (focused == "host" && call.spec->fans_out) values.push_back("all");
    for (const auto& v : values) {
      if (choices.size() >= 25) break;
      if (typed.empty() || v.find(typed) != std::string::npos) choices.push_back(choice(v));
    }
  }
  co_await respond(i, autocomplete_result, choices_body(choices));
}

asio::awaitable<void> bot::on_modal(const pd::interaction& i) {
  if (i.custom_id != "wagbot:key") co_return;
  std::string host, url, key;
  for (const auto& [id, value] : i.fields) {
    if (id == "host") host = value;
    else if (id == "url") url = value;
    else if (id == "key") key = value;
  }
  auto ev = event_for(i.channel_id, i.guild_id, i.invoker, {});
  ev.direct = true;  // a modal is seen by its author only
  auto who = dispatch_.identify(ev);
  if (!who) {
    co_await respond(i, reply_now, message_body(private_error("I don't know you yet. Ask the bot's admin to add your discord id `" +
                                                              i.invoker.id + "` to `users` in wagbot's config.")));
    co_return;
  }
  if (!co_await respond(i, defer_reply, ephemeral_only())) co_return;
  core::action act;
  act.command = "key add";
  act.args = url.empty() ? std::vector<std::string>{host, key} : std::vector<std::string>{host, url, key};
  auto reply = co_await dispatch_.run(*who, act);
  reply.is_private = true;
  auto body = message_body(reply);
  co_await rest_->call("PATCH", "/webhooks/" + application_id_ + "/" + i.token + "/messages/@original", body);
}

}  // namespace wagbot::discord
