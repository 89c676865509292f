// One clause of a sentence: its host, its pronouns, and the readers of requests (lifecycle,
// logs, installs, images, listings, a command typed with words around it).
#include "intents_clause.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>

#include "intents_words.hpp"
#include "wagbot/core/grammar.hpp"
#include "wagbot/core/spelling.hpp"

namespace wagbot::core::intents_clause {

using namespace intents_words;

namespace {

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
        "turn",          "switch", "power", "details", "info",  "information", "alerts",
        "notifications", "based",  "keep",  "put",     "alert", "check"};
    if (!before.empty() && not_a_host_after.count(before.back())) continue;
    static const std::set<std::string> not_a_host = {"alerts", "notifications", "in",   "for",
                                                     "here",   "there",         "this", "now"};
    if (not_a_host.count(rest.front())) continue;
    std::string known;
    std::vector<spelling> aliases;
    for (const auto& h : hosts) {
      known += (known.empty() ? "@" : ", @") + h.alias;
      aliases.push_back({h.alias, {h.alias}});
    }
    if (const auto near = the_one_meant(rest.front(), aliases); !near.empty())
      return ask("I don't know a host called \"" + rest.front() + "\": did you mean @" + near +
                 "?");
    return ask("I don't know a host called \"" + rest.front() + "\"." +
               (known.empty() ? std::string() : " Your hosts: " + known + "."));
  }
  host = last_host;
  return std::nullopt;
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
  // "are there any stopped containers?", "how many containers are on the pi?"
  if (any_of(clause, {" how many containers ", " stopped containers ", " exited containers ",
                      " crashed containers ", " dead containers "}) ||
      (has(clause, " are there any ") && any_of(clause, {" containers ", " running "}))) {
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
  // "what can I install?", "is there a jellyfin app?", "do you have an app for photos?"
  const bool asks_for_an_app =
      any_of(clause, {" what can i install ", " what could i install "}) ||
      (has(clause, " app ") && any_of(clause, {" is there ", " do you have ", " any "}));
  if (!has(clause, " apps ") && !has(clause, " marketplace ") && !has(clause, " catalogue ") &&
      !has(clause, " catalog ") && !asks_for_an_app)
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
  // "delete the redis image": the image, not a container.
  if (a.command == "rm" && any_of(clause, {" image ", " images "})) a.command = "rmi";
  a.args = {target};
  return done(std::move(a));
}

// A new container from an image: "spin up a redis container", "create a new nginx container",
// "launch an alpine container" → run <image> (it asks first).
std::optional<clause_result> read_run(const std::string& clause, std::string_view, action a) {
  const auto words = words_of(clause);
  static const std::set<std::string> makes = {"spin",  "create", "launch", "run",
                                              "start", "fire",   "make"};
  for (std::size_t i = 0; i + 2 < words.size(); ++i) {
    if (!makes.count(words[i])) continue;
    std::size_t j = i + 1;
    if (words[j] == "up") ++j;
    if (j >= words.size() || (words[j] != "a" && words[j] != "an" && words[j] != "new")) continue;
    while (j < words.size() && (words[j] == "a" || words[j] == "an" || words[j] == "new")) ++j;
    if (j >= words.size() || is_filler(words[j])) continue;
    // "start a b" may name a container called `a`: only a word that can only make one counts,
    // or the noun itself ("start a redis container").
    const bool noun =
        j + 1 < words.size() && (words[j + 1] == "container" || words[j + 1] == "instance");
    if (!noun && (words[i] == "start" || words[i] == "run" || words[i] == "fire")) continue;
    a.command = "run";
    a.args = {words[j]};
    return done(std::move(a));
  }
  return std::nullopt;
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

}  // namespace

clause_result one_clause(std::string clause, std::string_view original,
                         const std::vector<host_words>& hosts, const grammar& g,
                         const action& last) {
  action a;
  if (auto question = read_host(clause, hosts, last.host, a.host)) return *question;
  clause = resolve_pronouns(clause, last.args.empty() ? std::string() : last.args.front());
  // The first reader that recognises the clause has it, so the order is part of the meaning.
  for (reader read :
       {read_help, read_key, read_alerts, read_audit, read_template, read_default, read_hosts,
        read_scopes, read_system, read_activity, read_health, read_listing, read_ensure, read_logs,
        read_install, read_apps, read_pull, read_run, read_lifecycle})
    if (auto r = read(clause, original, a)) return *r;
  if (auto r = read_typed(clause, g, a)) return *r;
  return read_same_verb(clause, std::move(a), last.command);
}

}  // namespace wagbot::core::intents_clause
