// The readers of questions, and what a clause asks back: "is jellyfin healthy?", "which
// machines are there?", "what can I do on the nas?", "turn on alerts", "who did what?".
#include "intents_clause.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>

#include "intents_words.hpp"
#include "wagbot/core/grammar.hpp"

namespace wagbot::core::intents_clause {

using namespace intents_words;

clause_result ask(std::string question) {
  clause_result out;
  out.understood = true;
  out.question = std::move(question);
  return out;
}

clause_result done(action a) {
  clause_result out;
  out.act = std::move(a);
  out.understood = true;
  return out;
}

/// A question when `target` is not one named container, for a verb that needs one.
std::optional<clause_result> missing_target(const std::string& verb, const std::string& target) {
  if (is_pronoun(target))
    return ask("Which container should I " + verb + "? I have nothing earlier to take \"" + target +
               "\" from.");
  if (target.empty() || target == "all" || target == "everything" || target == "every")
    return ask(target.empty() ? "Which container should I " + verb + "?"
                              : "I only " + verb + " one named container at a time: which one?");
  return std::nullopt;
}

bool any_of(const std::string& clause, std::initializer_list<std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(), [&](auto p) { return has(clause, p); });
}

namespace {
/// `command` when the clause says one of `phrases`.
std::optional<clause_result> named_by(const std::string& clause,
                                      std::initializer_list<std::string_view> phrases,
                                      const char* command, action a) {
  if (!any_of(clause, phrases)) return std::nullopt;
  a.command = command;
  return done(std::move(a));
}
}  // namespace

// Alerts: "turn on alerts for the nas", "stop alerts here", "what alerts does this room get".
std::optional<clause_result> read_alerts(const std::string& clause, std::string_view, action a) {
  if (!any_of(clause, {" alerts ", " alert ", " notifications ", " notify "})) return std::nullopt;
  const bool asks =
      any_of(clause,
             {" which ", " what ", " whats ", " list ", " show ", " are ", " does ", " do we "}) &&
      !any_of(clause,
              {" enable ", " disable ", " turn ", " subscribe ", " unsubscribe ", " mute "});
  if (asks)
    a.command = "alerts";
  else if (any_of(clause, {" off ", " disable ", " unsubscribe ", " stop ", " mute ", " no more ",
                           " silence ", " dont "}))
    a.command = "alerts off";
  else if (any_of(clause, {" on ", " enable ", " subscribe ", " start ", " send ", " want ",
                           " notify ", " turn "}))
    a.command = "alerts on";
  else
    a.command = "alerts";
  return done(std::move(a));
}

std::optional<clause_result> read_help(const std::string& clause, std::string_view, action a) {
  a.host.clear();  // help is the same everywhere
  return named_by(clause,
                  {" what can you do ", " what do you do ", " how do i use you ", " what are you ",
                   " what commands "},
                  "help", std::move(a));
}

// "add my key for the nas": keys are added by the exact command, in a direct chat.
std::optional<clause_result> read_key(const std::string& clause, std::string_view, action a) {
  if (!has(clause, " key ") || !any_of(clause, {" add ", " register ", " save ", " store "}))
    return std::nullopt;
  const std::string host = a.host.empty() || a.host == "all" ? "<host>" : a.host;
  return ask("In a direct chat with me, send `key add " + host +
             " <wag_live_…>` (on Discord, `/key add` opens a private form).");
}

// "show the template for immich"
std::optional<clause_result> read_template(const std::string& clause, std::string_view, action a) {
  if (has(clause, " templates ") && !has(clause, " save ")) {
    a.command = "templates";  // "what templates do I have?"
    return done(std::move(a));
  }
  if (!has(clause, " template ") || has(clause, " save ")) return std::nullopt;
  auto target = target_after(clause, " template ");
  if (target.empty()) {  // "show me the postgres-dev template"
    static const std::set<std::string> not_a_name = {"show",  "get",  "see",   "view",  "open",
                                                     "which", "what", "whats", "print", "display"};
    for (const auto& w : words_of(clause.substr(0, clause.find(" template "))))
      if (!is_filler(w) && !not_a_name.count(w)) target = w;
  }
  if (target.empty() || is_pronoun(target)) return std::nullopt;
  a.command = "template";
  a.args = {target};
  return done(std::move(a));
}

std::optional<clause_result> read_audit(const std::string& clause, std::string_view, action a) {
  return named_by(clause,
                  {" audit ", " who did ", " who has done ", " who changed ", " who restarted ",
                   " who stopped ", " who started ", " who deleted ", " who removed ",
                   " who installed ", " who pulled "},
                  "audit", std::move(a));
}

// The hosts themselves: "which machines are there?", "list my hosts", "how are my servers".
std::optional<clause_result> read_hosts(const std::string& clause, std::string_view, action a) {
  if (!any_of(clause, {" hosts ", " machines ", " servers ", " boxes ", " nodes ", " host "}))
    return std::nullopt;
  // "what is running on all my servers": containers, not the hosts themselves.
  if (any_of(clause, {" running ", " containers ", " images ", " installed "})) return std::nullopt;
  if (any_of(clause, {" how are ", " how is ", " hows ", " health ", " healthy ", " status ",
                      " ok ", " okay ", " alive ", " online ", " reachable ", " fine ", " up "})) {
    a.command = "health";
    return done(std::move(a));
  }
  if (!any_of(clause, {" which ", " what ", " whats ", " list ", " show ", " my ", " there ",
                       " have ", " all "}))
    return std::nullopt;
  a.command = "hosts";
  a.host.clear();
  return done(std::move(a));
}

// What the user may do: "what can I do on the nas?", "my permissions on the pi" → status.
std::optional<clause_result> read_scopes(const std::string& clause, std::string_view, action a) {
  if (!any_of(clause, {" what can i do ", " allowed ", " permissions ", " permission ", " scopes ",
                       " my access ", " may i ", " what can i "}) ||
      has(clause, " install "))
    return std::nullopt;
  a.command = "status";
  return done(std::move(a));
}

// The room's default host: "make the nas the default here", "what's the default host?".
std::optional<clause_result> read_default(const std::string& clause, std::string_view, action a) {
  if (!has(clause, " default ") || has(clause, " alerts ")) return std::nullopt;
  a.command = "default";
  if (any_of(clause, {" clear ", " no default ", " remove ", " unset ", " forget "}))
    a.args = {"none"};
  else if (!a.host.empty() && a.host != "all")
    a.args = {a.host};
  a.host.clear();
  return done(std::move(a));
}

// A host's resources: "how much disk is left on the nas?", "memory of the pi" → system.
std::optional<clause_result> read_system(const std::string& clause, std::string_view, action a) {
  if (!any_of(clause, {" disk ", " disks ", " memory ", " ram ", " cpu ", " load ", " uptime ",
                       " resources ", " space ", " free space "}) ||
      any_of(clause, {" install ", " set up ", " setup ", " deploy ", " uptime kuma "}))
    return std::nullopt;
  a.command = "system";
  return done(std::move(a));
}

// The host's own log of API actions: "what happened on the nas?", "recent activity" → activity.
std::optional<clause_result> read_activity(const std::string& clause, std::string_view, action a) {
  if (any_of(clause, {" what happened to "})) return std::nullopt;  // a container's logs
  if (!any_of(clause, {" activity ", " what happened ", " recent actions ", " events ",
                       " what has been done ", " what was done "}))
    return std::nullopt;
  a.command = "activity";
  return done(std::move(a));
}

// Questions about one container: "is jellyfin healthy?", "how is sonarr doing" → inspect;
// "why did plex crash?" → its logs.
std::optional<clause_result> read_health(const std::string& clause, std::string_view, action a) {
  auto words = words_of(clause);
  auto first_named = [&](std::size_t from) -> std::string {
    for (std::size_t i = from; i < words.size(); ++i)
      if (!is_filler(words[i])) return words[i];
    return {};
  };
  static const std::set<std::string> states = {
      "running", "up",     "healthy", "alive",  "ok",      "okay",    "down",  "working",
      "dead",    "online", "fine",    "broken", "stopped", "crashed", "happy", "doing"};
  std::string target;
  bool asks_state = false;
  if (!words.empty() && (words[0] == "is" || words[0] == "hows") && words.size() >= 2) {
    asks_state = words[0] == "hows";
    for (const auto& w : words) asks_state = asks_state || states.count(w);
    if (asks_state) target = first_named(1);
  } else if (words.size() >= 3 && (words[0] == "what" || words[0] == "which") &&
             words[1] == "version") {
    target = first_named(2);  // "what version of nginx is running"
  } else if (words.size() >= 3 && words[0] == "how" && words[1] == "is") {
    asks_state = true;
    target = first_named(2);
  } else if (words.size() >= 4 && (words[0] == "what" || words[0] == "which") &&
             (words[1] == "port" || words[1] == "ports" || words[1] == "image") &&
             (words[2] == "is" || words[2] == "does")) {
    target = first_named(3);  // "what port is nginx on"
  } else if (words.size() >= 3 && words[0] == "why" && (words[1] == "did" || words[1] == "is")) {
    target = first_named(2);
    if (target.empty() || is_pronoun(target)) return missing_target("show the logs of", target);
    a.command = "logs";
    a.args = {target};
    return done(std::move(a));
  } else if (has(clause, " what happened to ")) {
    target = target_after(clause, " what happened to ");
    if (auto question = missing_target("show the logs of", target)) return question;
    a.command = "logs";
    a.args = {target};
    return done(std::move(a));
  }
  if (target.empty() || states.count(target)) {
    // "is the nas ok?", "how is the pi doing": the host itself.
    if (!asks_state || a.host.empty() || a.host == "all") return std::nullopt;
    a.command = "health";
    return done(std::move(a));
  }
  if (auto question = missing_target("look at", target)) return question;
  a.command = "inspect";
  a.args = {target};
  return done(std::move(a));
}

}  // namespace wagbot::core::intents_clause
