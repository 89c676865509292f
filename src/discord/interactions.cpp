// Interactions must be answered within 3 s, once: commands that call a host are deferred and
// edited later; buttons, autocomplete and modals are answered at once.
#include <algorithm>
#include <charconv>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wagbot/core/error_text.hpp"
#include "wagbot/discord/bot.hpp"
#include "wagbot/discord/render.hpp"
#include "wagbot/discord/slash.hpp"

namespace wagbot::discord {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr int reply_now = 4, defer_reply = 5, defer_update = 6, autocomplete_result = 8,
              open_modal = 9;

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
  pd::json in = {{"type", 4},  {"custom_id", id},      {"label", label},
                 {"style", 1}, {"required", required}, {"placeholder", placeholder}};
  if (!value.empty()) in["value"] = value;
  return pd::json{{"type", 1}, {"components", pd::json::array({in})}};
}

pd::json key_modal(const std::string& host) {
  return pd::json{
      {"custom_id", "wagbot:key"},
      {"title", "Add your WAGMIOS key"},
      {"components",
       pd::json::array({text_input("host", "Host alias", true, host, "nas"),
                        text_input("url", "Host URL (only for a host not in the config)", false, "",
                                   "http://192.168.1.10:5179"),
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
  j["user_id"] = i.invoker.id;
  j["confirmation"] = confirmation;
  return j;
}

/// The stored action an alert button's id names, if it is still kept.
std::optional<core::offered_action> stored_action(core::action_book& actions, std::string_view id) {
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
  auto done =
      co_await rest_->call("POST", "/interactions/" + i.id + "/" + i.token + "/callback", body);
  if (!done) log_.warn("interaction callback failed: {}", done.error());
  co_return static_cast<bool>(done);
}

asio::awaitable<void> bot::answer(const pd::interaction& i, core::chat_reply reply, bool deferred) {
  // Errors, like keys and scopes, are for the asker's eyes only.
  if (reply.mood == core::tone::error) reply.is_private = true;
  auto bodies = message_bodies(reply, talk_.ids_on("discord", reply.mentions));
  offer_picks(i.channel_id, reply, bodies.front());
  const std::string hook = "/webhooks/" + application_id_ + "/" + i.token;
  std::optional<pd::json> message;
  if (!deferred) {
    co_await respond(i, reply_now, bodies.front());
    if (!reply.confirmation_id.empty()) {
      auto got = co_await rest_->call("GET", hook + "/messages/@original");
      if (got) message = std::move(*got);
    }
  } else if (reply.is_private) {
    // The deferred answer is public; a private one goes out as an ephemeral follow-up.
    co_await rest_->call("PATCH", hook + "/messages/@original",
                         content_only("🔒 Answered privately."));
    co_await rest_->call("POST", hook, bodies.front());
  } else {
    // Only a prompt needs the message's id (to edit it later): the rest skip parsing it.
    const auto wanted = reply.confirmation_id.empty() ? rest::answer::ignored : rest::answer::read;
    auto edited =
        co_await rest_->call("PATCH", hook + "/messages/@original", bodies.front(), wanted);
    if (edited) message = std::move(*edited);
  }
  for (std::size_t k = 1; k < bodies.size(); ++k) co_await rest_->call("POST", hook, bodies[k]);
  const auto message_id = message ? message->value("id", "") : std::string{};
  remember_prompt(reply.confirmation_id, prompt{application_id_, i.token, i.channel_id, message_id,
                                                std::chrono::steady_clock::now()});
}

asio::awaitable<void> bot::on_interaction(pd::interaction i) {
  if (application_id_.empty()) application_id_ = i.application_id;
  using kind = pd::interaction_type;
  if (i.type == kind::command) co_await on_command(i);
  if (i.type == kind::component) co_await on_component(i);
  if (i.type == kind::autocomplete) co_await on_autocomplete(i);
  if (i.type == kind::modal) co_await on_modal(i);
}

asio::awaitable<void> bot::on_command(const pd::interaction& i) {
  if (i.kind == pd::command_kind::message) {
    co_await on_message_command(i);
    co_return;
  }
  const auto call = find_invoked(i, talk_.commands());
  if (!call.spec) {
    co_await respond(i, reply_now,
                     message_body(private_error("Unknown command `/" + i.command_name + "`.")));
    co_return;
  }
  auto ev = event_for(i.channel_id, i.guild_id, i.invoker, {});
  const auto who = talk_.user_of(ev);
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
  auto parsed = talk_.commands().parse(line);
  if (!parsed) {
    auto r = core::usage_reply(parsed.error());
    r.is_private = true;
    co_await respond(i, reply_now, message_body(r));
    co_return;
  }
  if (!who) {
    co_await answer(i, co_await talk_.run(ev, *parsed), false);  // "I don't know you" (private)
    co_return;
  }
  // A host may be slow; "thinking…" first, then the answer edits it. `/confirm` runs the
  // confirmed action on its host: without a defer, a host slower than 3 s loses the answer.
  const bool deferred = call.spec->uses_host || call.spec->name == "confirm";
  // No answer slot, no action: a command must never run unseen.
  if (deferred && !co_await respond(i, defer_reply, nullptr)) co_return;
  if (deferred && !journal(i.id, i.channel_id, journal_entry(i, "command", *who, {}))) co_return;
  auto reply = co_await talk_.run(ev, *parsed);
  co_await answer(i, reply, deferred);
  if (deferred) inbox_.finish("discord", i.id);
}

void bot::offer_picks(const std::string& channel, const core::chat_reply& reply, pd::json& body) {
  if (reply.picks.empty()) return;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::vector<std::pair<std::string, std::string>> options;
  for (const auto& p : reply.picks) {
    if (options.size() == max_select_options) break;  // the rest are not stored either
    const auto id = alert_actions_.add("discord", channel, p.label, {}, p.command, now);
    options.emplace_back(p.label, std::to_string(id));
  }
  body["components"].push_back(pick_menu(options, reply.pick_many));
}

asio::awaitable<void> bot::run_offered(const pd::interaction& i,
                                       const std::vector<std::string>& ids) {
  std::vector<std::string> commands;
  for (const auto& id : ids) {
    auto action = stored_action(alert_actions_, id);
    if (!action || action->network != "discord" || action->room != i.channel_id) {
      co_await respond(i, reply_now,
                       message_body(private_error(
                           "That message is too old for its buttons; type the command instead.")));
      co_return;
    }
    commands.push_back(action->command);
  }
  if (commands.empty()) co_return;
  auto first = event_for(i.channel_id, i.guild_id, i.invoker, commands.front());
  if (!talk_.user_of(first)) {
    co_await answer(i, co_await talk_.handle(first), false);  // "I don't know you" (private)
    co_return;
  }
  if (!co_await respond(i, defer_reply, nullptr)) co_return;
  if (!journal(i.id, i.channel_id, journal_entry(i, "command", {}, {}))) co_return;
  core::chat_reply all;
  for (const auto& command : commands) {
    auto r = co_await talk_.handle(event_for(i.channel_id, i.guild_id, i.invoker, command));
    if (commands.size() == 1) {
      all = std::move(r);
      break;
    }
    // Several picks (alerts on two hosts): one answer, each part in order.
    if (all.blocks.empty() || r.mood == core::tone::error) all.mood = r.mood;
    if (all.confirmation_id.empty()) all.confirmation_id = r.confirmation_id;
    for (auto& b : r.blocks) all.blocks.push_back(std::move(b));
  }
  co_await answer(i, std::move(all), true);
  inbox_.finish("discord", i.id);
}

asio::awaitable<void> bot::on_message_command(const pd::interaction& i) {
  // The alert's own button of that name says what to run: no second store to keep.
  const auto button =
      std::find_if(i.target_buttons.begin(), i.target_buttons.end(), [&](const pd::button_ref& b) {
        return b.label == i.command_name && b.custom_id.starts_with(action_prefix);
      });
  if (i.target_author_id != bot_user_id_ || button == i.target_buttons.end()) {
    co_await respond(i, reply_now,
                     message_body(private_error("“" + i.command_name +
                                                "” works on my container alerts, and this "
                                                "message is not one with that action.")));
    co_return;
  }
  const std::vector<std::string> ids{button->custom_id.substr(action_prefix.size())};
  co_await run_offered(i, ids);
}

asio::awaitable<void> bot::on_component(const pd::interaction& i) {
  // An alert's button runs its command as whoever clicked, through the usual checks; so does
  // an answer picked from a question's menu.
  if (i.custom_id.starts_with(action_prefix)) {
    const std::vector<std::string> ids{i.custom_id.substr(action_prefix.size())};
    co_await run_offered(i, ids);
    co_return;
  }
  if (i.custom_id == pick_menu_id) {
    co_await run_offered(i, i.values);
    co_return;
  }
  auto button = parse_button(i.custom_id);
  if (!button) co_return;
  auto actor = event_for(i.channel_id, i.guild_id, i.invoker, {});
  const auto who = talk_.user_of(actor);
  // A click that cannot run (not theirs, already over) is answered at once, privately.
  if (auto refused = talk_.refusal(actor, button->first, button->second)) {
    co_await respond(i, reply_now, message_body(*refused));
    co_return;
  }
  // Acknowledge the click at once; the prompt is edited when the confirmation resolves.
  if (auto p = prompts_.find(button->first); p == prompts_.end() || p->second.token.empty())
    prompts_[button->first] = prompt{application_id_, i.token, i.channel_id, i.message_id,
                                     std::chrono::steady_clock::now()};
  if (!co_await respond(i, defer_update, nullptr)) co_return;
  if (!journal(i.id, i.channel_id, journal_entry(i, "click", who.value_or(""), button->first)))
    co_return;
  auto result = co_await talk_.choose_id(actor, button->first, button->second);
  auto body = message_body(result, {});
  // What a yes ran may itself ask (a failed install offers the rm of its leftover): that
  // follow-up keeps its buttons and is a prompt of its own.
  if (result.confirmation_id.empty()) body.erase("components");
  auto sent = co_await rest_->call("POST", "/webhooks/" + application_id_ + "/" + i.token, body);
  if (sent && !result.confirmation_id.empty())
    remember_prompt(result.confirmation_id,
                    prompt{application_id_, i.token, i.channel_id, sent->value("id", ""),
                           std::chrono::steady_clock::now(), true});
  inbox_.finish("discord", i.id);
}

asio::awaitable<void> bot::on_autocomplete(const pd::interaction& i) {
  const auto call = find_invoked(i, talk_.commands());
  const auto ev = event_for(i.channel_id, i.guild_id, i.invoker, {});
  const auto who = talk_.user_of(ev);
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
    auto raced = co_await (talk_.complete(ev, kind, host) ||
                           limit.async_wait(asio::as_tuple(asio::use_awaitable)));
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
    if (id == "host")
      host = value;
    else if (id == "url")
      url = value;
    else if (id == "key")
      key = value;
  }
  auto ev = event_for(i.channel_id, i.guild_id, i.invoker, {});
  ev.direct = true;  // a modal is seen by its author only
  core::action act;
  act.command = "key add";
  act.args =
      url.empty() ? std::vector<std::string>{host, key} : std::vector<std::string>{host, url, key};
  if (!talk_.user_of(ev)) {
    co_await respond(i, reply_now,
                     message_body(co_await talk_.run(ev, act)));  // "I don't know you"
    co_return;
  }
  if (!co_await respond(i, defer_reply, ephemeral_only())) co_return;
  auto reply = co_await talk_.run(ev, act);
  reply.is_private = true;
  auto body = message_body(reply);
  co_await rest_->call(
      "PATCH", "/webhooks/" + application_id_ + "/" + i.token + "/messages/@original", body);
}

}  // namespace wagbot::discord
