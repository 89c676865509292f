#include "wagbot/core/intents.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>

#include "intents_words.hpp"

namespace wagbot::core {

namespace {

using namespace intents_words;

struct clause_result {
  std::optional<action> act;
  std::string question;
  bool understood = false;
};

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

/// Sets `host` to the host the clause names (cut out of it) or else the previous clause's;
/// a question when it names several, or one nobody configured ("on the box").
std::optional<clause_result> read_host(std::string& clause, const std::vector<host_words>& hosts,
                                       const std::string& last_host, std::string& host) {
  const bool marketplace = has(clause, " apps ") || has(clause, " marketplace ") ||
                           has(clause, " catalogue ") || has(clause, " catalog ");
  host = find_host(clause, hosts, marketplace);
  if (!host.empty() && host[0] == '?')
    return ask("Which host do you mean: " + host.substr(1) + "?");
  if (!host.empty()) return std::nullopt;
  // "on the box": a host we do not know is a question, not something to ignore.
  for (const char* lead : {" on the ", " on "}) {
    auto p = clause.find(lead);
    if (p == std::string::npos) continue;
    auto rest = words_of(clause.substr(p + std::string(lead).size()));
    if (rest.empty() || rest.front() == "port" || rest.front() == "all" || rest.front() == "every")
      continue;
    // "turn on alerts", "details on postgres": an "on" that names no host.
    const auto before = words_of(clause.substr(0, p));
    static const std::set<std::string> not_a_host_after = {
        "turn",   "switch",        "power", "details", "info", "information",
        "alerts", "notifications", "based", "keep",    "put",  "alert"};
    if (!before.empty() && not_a_host_after.count(before.back())) continue;
    static const std::set<std::string> not_a_host = {"alerts", "notifications", "in",   "for",
                                                     "here",   "there",         "this", "now"};
    if (not_a_host.count(rest.front())) continue;
    std::string known, near;
    for (const auto& h : hosts) {
      known += (known.empty() ? "@" : ", @") + h.alias;
      if (edit_distance(rest.front(), h.alias) <= (h.alias.size() <= 4 ? 1u : 2u)) near = h.alias;
    }
    if (!near.empty())
      return ask("I don't know a host called \"" + rest.front() + "\": did you mean @" + near +
                 "?");
    return ask("I don't know a host called \"" + rest.front() + "\"." +
               (known.empty() ? std::string() : " Your hosts: " + known + "."));
  }
  host = last_host;
  return std::nullopt;
}

// Each reader below is one kind of request: nullopt when the clause is not that kind, so the
// next one is tried; `a` already carries the host.

/// Is any of `phrases` (each with its surrounding spaces) in the clause?
bool any_of(const std::string& clause, std::initializer_list<std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(), [&](auto p) { return has(clause, p); });
}

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
  if (!any_of(clause, {" what can you do ", " what do you do ", " how do i use you ",
                       " what are you ", " what commands "}))
    return std::nullopt;
  a.command = "help";
  a.host.clear();
  return done(std::move(a));
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
  if (!has(clause, " template ") || has(clause, " save ")) return std::nullopt;
  auto target = target_after(clause, " template ");
  if (target.empty() || is_pronoun(target)) return std::nullopt;
  a.command = "template";
  a.args = {target};
  return done(std::move(a));
}

std::optional<clause_result> read_audit(const std::string& clause, std::string_view, action a) {
  if (!any_of(clause, {" audit ", " who did ", " who has done ", " who changed "}))
    return std::nullopt;
  a.command = "audit";
  return done(std::move(a));
}

// The hosts themselves: "which machines are there?", "list my hosts", "how are my servers".
std::optional<clause_result> read_hosts(const std::string& clause, std::string_view, action a) {
  if (!any_of(clause, {" hosts ", " machines ", " servers ", " boxes ", " nodes ", " host "}))
    return std::nullopt;
  if (any_of(clause, {" how are ", " how is ", " hows ", " health ", " healthy ", " status ",
                      " ok ", " okay ", " alive ", " online ", " reachable ", " fine "})) {
    a.command = "status";
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
                       " my access ", " may i ", " what can i "}))
    return std::nullopt;
  a.command = "status";
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
  if (!words.empty() && (words[0] == "is" || words[0] == "hows") && words.size() >= 2) {
    bool asks_state = words[0] == "hows";
    for (const auto& w : words) asks_state = asks_state || states.count(w);
    if (asks_state) target = first_named(1);
  } else if (words.size() >= 3 && words[0] == "how" && words[1] == "is") {
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
  if (target.empty() || states.count(target)) return std::nullopt;
  if (auto question = missing_target("look at", target)) return question;
  a.command = "inspect";
  a.args = {target};
  return done(std::move(a));
}

std::optional<clause_result> read_listing(const std::string& clause, std::string_view, action a) {
  if (any_of(clause, {" whats installed ", " what is installed ", " installed apps ",
                      " which apps are installed ", " what apps are installed "})) {
    a.command = "installed";
    return done(std::move(a));
  }
  std::vector<std::string> meant;
  for (const auto& w : words_of(clause))
    if (!is_filler(w)) meant.push_back(w);
  const bool bare_what = meant == std::vector<std::string>{"whats"} ||
                         meant == std::vector<std::string>{"what", "is"};  // "what's on the pi"
  if (bare_what || any_of(clause, {" whats on ", " what is on ", " anything running ",
                                   " running containers ", " what runs ", " whats there "})) {
    a.command = "ps";
    return done(std::move(a));
  }
  if (has(clause, " whats running ") || has(clause, " what is running ") ||
      has(clause, " list containers ") || has(clause, " show containers ") ||
      has(clause, " which containers ") || has(clause, " what containers ") ||
      has(clause, " show me the containers ") || has(clause, " list all containers ") ||
      has(clause, " whats up ") || has(clause, " show everything ") ||
      has(clause, " show me everything ")) {
    a.command = "ps";
    return done(std::move(a));
  }
  if (has(clause, " images ") && (has(clause, " list ") || has(clause, " show ") ||
                                  has(clause, " what ") || has(clause, " which "))) {
    a.command = "images";
    return done(std::move(a));
  }
  return std::nullopt;
}

// "make sure X is running" / "ensure X is up" → start (a running container is left alone).
std::optional<clause_result> read_ensure(const std::string& clause, std::string_view, action a) {
  if (!has(clause, " make sure ") && !has(clause, " ensure ")) return std::nullopt;
  const auto target = target_after(clause, has(clause, " make sure ") ? " make sure " : " ensure ");
  if (auto question = missing_target("start", target)) return question;
  a.command = "start";
  a.args = {target};
  return done(std::move(a));
}

std::optional<clause_result> read_logs(const std::string& clause, std::string_view, action a) {
  if (!has(clause, " logs ") && !has(clause, " log ")) return std::nullopt;
  const char* word = has(clause, " logs ") ? " logs " : " log ";
  std::string target = target_after(clause, word);
  if (target.empty())  // "show me nginx logs"
    for (const auto& w : words_of(clause.substr(0, clause.find(word))))
      if (!is_filler(w) && w != "show" && w != "get" && w != "tail" && w != "check" && w != "read")
        target = w;
  if (auto question = missing_target("show the logs of", target)) return question;
  a.command = "logs";
  a.args = {target};
  // "last 20 lines"
  auto words = words_of(clause);
  for (std::size_t i = 0; i + 1 < words.size(); ++i)
    if ((words[i] == "last" || words[i] == "tail") &&
        std::all_of(words[i + 1].begin(), words[i + 1].end(), ::isdigit))
      a.args.push_back(words[i + 1]);
  return done(std::move(a));
}

/// The app a person names after the verb, its words joined as catalogue ids are ("open webui"
/// → open-webui, "adguard home" → adguard-home), up to "as", a setting or the end.
std::string app_name_after(const std::string& clause, std::string_view verb) {
  const auto first = target_after(clause, verb);
  if (first.empty() || is_pronoun(first)) return first;
  auto words = words_of(clause.substr(clause.find(verb) + verb.size()));
  auto at = std::find(words.begin(), words.end(), first);
  std::string name;
  for (; at != words.end(); ++at) {
    const auto& w = *at;
    if (w == "as" || w == "named" || w == "called" || w == "with" ||
        w.find('=') != std::string::npos)
      break;
    if (is_filler(w)) continue;
    name += (name.empty() ? "" : "-") + w;
  }
  return name;
}

std::optional<clause_result> read_install(const std::string& clause, std::string_view original,
                                          action a) {
  if (!has(clause, " install ") && !has(clause, " set up ") && !has(clause, " setup ") &&
      !has(clause, " deploy "))
    return std::nullopt;
  const char* verb = has(clause, " install ")  ? " install "
                     : has(clause, " deploy ") ? " deploy "
                     : has(clause, " set up ") ? " set up "
                                               : " setup ";
  const auto target = app_name_after(clause, verb);
  if (target.empty() && any_of(clause, {" apps ", " marketplace ", " what ", " which "}))
    return std::nullopt;  // "what apps can I install?" browses
  if (auto question = missing_target("install", target)) return question;
  a.command = "install";
  a.args = {target};
  auto words = words_of(clause);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if ((words[i] == "as" || words[i] == "named" || words[i] == "called") && i + 1 < words.size()) {
      a.args.push_back("as");
      a.args.push_back(words[i + 1]);
      ++i;
    } else if (words[i].find('=') != std::string::npos && words[i].front() != '=') {
      auto kv = as_typed(original, words[i]);  // TZ=Europe/Paris keeps its case
      auto eq = kv.find('=');
      std::string key = kv.substr(0, eq);
      for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      a.args.push_back(key + "=" + kv.substr(eq + 1));
    }
  }
  return done(std::move(a));
}

// Apps: browsing the marketplace; the words left are what to search for.
std::optional<clause_result> read_apps(const std::string& clause, std::string_view, action a) {
  if (!has(clause, " apps ") && !has(clause, " marketplace ") && !has(clause, " catalogue ") &&
      !has(clause, " catalog "))
    return std::nullopt;
  a.command = "apps";
  for (const auto& w : words_of(clause))
    if (!is_filler(w) && !is_apps_word(w)) a.args.push_back(w);
  return done(std::move(a));
}

std::optional<clause_result> read_pull(const std::string& clause, std::string_view, action a) {
  const char* verb = has(clause, " pull ")                               ? " pull "
                     : has(clause, " download ")                         ? " download "
                     : has(clause, " update ") && has(clause, " image ") ? " update "
                                                                         : nullptr;
  if (!verb) return std::nullopt;
  const auto target = target_after(clause, verb);
  if (target.empty()) return ask("Which image should I pull (e.g. nginx:alpine)?");
  a.command = "pull";
  a.args = {target};
  return done(std::move(a));
}

// Container lifecycle: restart, stop, start, delete, inspect and their synonyms.
std::optional<clause_result> read_lifecycle(const std::string& clause, std::string_view, action a) {
  std::size_t at = std::string::npos;
  const verb_form* found = first_verb(clause, at);
  if (!found) return std::nullopt;
  auto target = target_after(clause, found->phrase);
  if (target.empty() && has(clause, " give "))  // "give nginx a restart"
    target = target_after(clause, " give ");
  if (target.empty() && std::string_view(found->command) == "inspect" && !a.host.empty()) {
    a.command = "status";  // "status of the nas"
    return done(std::move(a));
  }
  if (auto question = missing_target(found->name, target)) return question;
  // Words left over after the target mean we did not understand all of it: ask.
  auto after = words_of(clause.substr(at + std::string(found->phrase).size()));
  bool past_target = false;
  for (const auto& w : after) {
    if (!past_target) {
      past_target = w == target;
      continue;
    }
    if (!is_filler(w))
      return ask("I am not sure what \"" + w + "\" means there. Did you mean `" +
                 std::string(found->command) + " " + target + "`?");
  }
  a.command = found->command;
  a.args = {target};
  return done(std::move(a));
}

// "…and postgres" after a verb: the same verb on another target.
clause_result read_same_verb(const std::string& clause, action a, const std::string& last_verb) {
  if (last_verb.empty()) return {};
  std::vector<std::string> left;
  for (const auto& w : words_of(clause))
    if (!is_filler(w)) left.push_back(w);
  if (left.size() != 1) return {};
  a.command = last_verb;
  a.args = {left.front()};
  return done(std::move(a));
}

// A command typed with words around it ("ps on media", "please logs nginx 50, thanks"): what
// is left once the host and the filler words are cut, when it starts with a command's name.
std::optional<clause_result> read_typed(const std::string& clause, const grammar& g, action a) {
  std::string line;
  for (const auto& w : words_of(clause))
    if (!is_filler(w) || w == "up" || w == "down") line += (line.empty() ? "" : " ") + w;
  if (line.empty()) return std::nullopt;
  auto parsed = g.parse(line);
  if (!parsed) return std::nullopt;
  if (parsed->host.empty()) parsed->host = a.host;
  return done(*parsed);
}

/// The clause with each word that points back ("it", "its", "that one") replaced by the
/// previous clause's container; unchanged when there is none (the readers then ask).
std::string resolve_pronouns(const std::string& clause, const std::string& last_target) {
  if (last_target.empty()) return clause;
  std::string out = " ";
  auto words = words_of(clause);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (is_pronoun(words[i])) {
      if (words[i] == "that" && i + 1 < words.size() && words[i + 1] == "one") ++i;
      out += last_target + " ";
    } else {
      out += words[i] + " ";
    }
  }
  return out;
}

clause_result one_clause(std::string clause, std::string_view original,
                         const std::vector<host_words>& hosts, const grammar& g,
                         const action& last) {
  action a;
  if (auto question = read_host(clause, hosts, last.host, a.host)) return *question;
  clause = resolve_pronouns(clause, last.args.empty() ? std::string() : last.args.front());
  using reader = std::optional<clause_result> (*)(const std::string&, std::string_view, action);
  // The first reader that recognises the clause has it, so the order is part of the meaning.
  for (reader read : {read_help, read_key, read_alerts, read_audit, read_template, read_hosts,
                      read_scopes, read_health, read_listing, read_ensure, read_logs, read_install,
                      read_apps, read_pull, read_lifecycle})
    if (auto r = read(clause, original, a)) return *r;
  if (auto r = read_typed(clause, g, a)) return *r;
  return read_same_verb(clause, std::move(a), last.command);
}

}  // namespace

std::optional<understanding> understand(std::string_view text, const std::vector<host_words>& hosts,
                                        const grammar& g) {
  const auto s = normalise(text);
  if (s.size() <= 2) return std::nullopt;
  understanding out;
  action last;  // the previous clause's: its verb, host and container carry over
  bool any = false;
  for (const auto& clause : clauses_of(s)) {
    const auto clause_words = words_of(clause);
    if (std::all_of(clause_words.begin(), clause_words.end(), is_filler))
      continue;  // "hey wagbot, …", "…, thanks", "; then"
    auto r = one_clause(clause, text, hosts, g, last);
    if (!r.understood) {
      if (any) {
        out.actions.clear();
        out.question = "I understood part of that, but not \"" +
                       std::string(clause.substr(1, clause.size() - 2)) +
                       "\". Could you say it as separate requests?";
        return out;
      }
      return std::nullopt;
    }
    any = true;
    if (!r.question.empty()) {
      out.actions.clear();
      out.question = r.question;
      return out;
    }
    // The grammar has the last word: the action must be a command a person could type.
    std::string line = r.act->command;
    for (const auto& arg : r.act->args) line += " \"" + arg + "\"";
    if (!r.act->host.empty()) line += " @" + r.act->host;
    auto parsed = g.parse(line);
    if (!parsed) {
      out.actions.clear();
      out.question = "I am not sure what you mean: " + parsed.error().message;
      return out;
    }
    const auto* spec = g.find(parsed->command);
    last.command = parsed->command;
    last.host = parsed->host;
    if (spec && spec->targets_container && !parsed->args.empty())
      last.args = {parsed->args.front()};
    out.actions.push_back(*parsed);
  }
  if (!any && (has(s, " thanks ") || has(s, " thank ") || has(s, " thx ") || has(s, " cheers "))) {
    out.question = "You're welcome.";  // a reply, not a command: no usage help
    return out;
  }
  // "restart nginx and postgres on the nas": a host named at the end of a run of the same
  // verb applies to the whole run.
  for (std::size_t i = out.actions.size(); i-- > 1;) {
    auto& before = out.actions[i - 1];
    const auto& after = out.actions[i];
    if (before.host.empty() && !after.host.empty() && before.command == after.command)
      before.host = after.host;
  }
  return out;
}

}  // namespace wagbot::core

namespace wagbot::core {

namespace {

/// Words after the command word that a typed command would not have ("logs for jellyfin").
bool has_filler_after_command(const std::string& lowered) {
  auto words = words_of(lowered);
  return std::any_of(words.begin() + (words.empty() ? 0 : 1), words.end(),
                     [](const std::string& w) { return is_filler(w) && w != "a" && w != "an"; });
}

/// Articles, politeness and "with" after the command word: the grammar would take them for
/// arguments ("install vaultwarden as vault with TZ=UTC", "restart the nginx service").
bool has_politeness_after_command(const std::string& lowered) {
  static const std::set<std::string> words = {
      "the", "please", "pls", "plz", "could", "can",    "you",   "would", "kindly", "me",
      "my",  "our",    "for", "of",  "with",  "thanks", "thank", "thx",   "hey",    "just"};
  auto all = words_of(lowered);
  return std::any_of(all.begin() + (all.empty() ? 0 : 1), all.end(),
                     [](const std::string& w) { return words.count(w) != 0; });
}

/// "everything", "all", "containers": a word for many where one container is needed.
bool means_many(const std::string& w) {
  return w == "everything" || w == "all" || w == "every" || w == "containers" || w == "container" ||
         w == "services" || w == "images";
}

/// Is a line the grammar parsed what it says? Not when its container is a word that points
/// back or means "all of them" ("stop it", "remove everything"), nor when a bare word was taken
/// for a host nobody has ("list images" is not `ps` on a host called images). The user's hosts
/// are listed (keys decrypted) only for that last test.
template <class Hosts>
bool exact(const action& parsed, const std::string& lowered, const grammar& g,
           const Hosts& known_hosts) {
  if (!parsed.args.empty()) {
    const auto first = words_of(normalise(parsed.args.front()));
    const auto* spec = g.find(parsed.command);
    if (first.size() == 1 && spec && spec->targets_container &&
        (is_pronoun(first.front()) || means_many(first.front())))
      return false;
  }
  if (has_politeness_after_command(lowered)) return false;
  // `install <app> [as <name>] [KEY=VALUE…]`: a loose word after the app is part of its name
  // ("install paperless ngx").
  if (parsed.command == "install" && parsed.args.size() >= 2 && parsed.args[1] != "as" &&
      parsed.args[1].find('=') == std::string::npos)
    return false;
  if (parsed.host.empty() || parsed.host == "all" || has(lowered, " @" + parsed.host + " "))
    return true;
  const auto& hosts = known_hosts();
  if (hosts.empty()) return true;  // nothing to tell a host from a word by (explain, no config)
  return std::any_of(hosts.begin(), hosts.end(),
                     [&](const host_words& h) { return h.alias == parsed.host; });
}

}  // namespace

reading read_line(std::string_view text, const std::function<std::vector<host_words>()>& hosts,
                  const grammar& g) {
  const auto lowered = normalise(text);
  // "install jellyfin and restart nginx" is two requests even though `install` would take the
  // rest as its arguments; a comma alone is no reason to doubt a command. A verbatim tail
  // (`template save web {…}`) is never read as a sentence.
  const bool compound =
      lowered.find(" and ") != std::string::npos || lowered.find(" then ") != std::string::npos;
  std::optional<std::vector<host_words>> known;
  auto language = [&] {
    if (!known) known = hosts();
    return understand(text, *known, g);
  };
  reading out;
  auto parsed = g.parse(text);
  if (const auto* spec = parsed ? g.find(parsed->command) : nullptr; spec && spec->raw_tail) {
    out.command = *parsed;
    return out;
  }
  if (compound)
    if (auto plan = language(); plan && (!plan->question.empty() || !plan->actions.empty())) {
      out.plan = std::move(plan);
      return out;
    }
  if (parsed && exact(*parsed, lowered, g, [&]() -> const std::vector<host_words>& {
        if (!known) known = hosts();
        return *known;
      })) {
    out.command = *parsed;
    return out;
  }
  // Not exact command syntax: a line that is no command, or a command with words around it
  // ("restart nginx please", "ps on media", "logs for jellyfin"), is the sentence reader's when
  // it can place it. The grammar's other refusals of a bare command (a missing argument, a bad
  // number, two hosts) say more than a question would, and stay.
  const bool wordy = parsed || parsed.error().command.empty() ||
                     parsed.error().message.starts_with("Too many arguments") ||
                     has_filler_after_command(lowered);
  if (wordy)
    if (auto plan = language(); plan && (!plan->actions.empty() || !plan->question.empty())) {
      out.plan = std::move(plan);
      return out;
    }
  if (parsed) {
    out.command = *parsed;
    return out;
  }
  out.error = parsed.error();
  return out;
}

}  // namespace wagbot::core
