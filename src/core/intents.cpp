#include "wagbot/core/intents.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>

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
  host = find_host(clause, hosts);
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
    std::string known;
    for (const auto& h : hosts) known += (known.empty() ? "@" : ", @") + h.alias;
    return ask("I don't know a host called \"" + rest.front() + "\"." +
               (known.empty() ? std::string() : " Your hosts: " + known + "."));
  }
  host = last_host;
  return std::nullopt;
}

// Each reader below is one kind of request: nullopt when the clause is not that kind, so the
// next one is tried; `a` already carries the host.

std::optional<clause_result> read_listing(const std::string& clause, std::string_view, action a) {
  if (has(clause, " whats running ") || has(clause, " what is running ") ||
      has(clause, " list containers ") || has(clause, " show containers ") ||
      has(clause, " which containers ") || has(clause, " what containers ") ||
      has(clause, " show me the containers ") || has(clause, " list all containers ") ||
      has(clause, " whats up ") || has(clause, " show everything ")) {
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

std::optional<clause_result> read_install(const std::string& clause, std::string_view original,
                                          action a) {
  if (!has(clause, " install ") && !has(clause, " set up ") && !has(clause, " setup ") &&
      !has(clause, " deploy "))
    return std::nullopt;
  const char* verb = has(clause, " install ")  ? " install "
                     : has(clause, " deploy ") ? " deploy "
                     : has(clause, " set up ") ? " set up "
                                               : " setup ";
  const auto target = target_after(clause, verb);
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
  if (!has(clause, " pull ") && !has(clause, " download ")) return std::nullopt;
  const auto target = target_after(clause, has(clause, " pull ") ? " pull " : " download ");
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
  const auto target = target_after(clause, found->phrase);
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
  for (reader read :
       {read_listing, read_ensure, read_logs, read_install, read_apps, read_pull, read_lifecycle})
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

reading read_line(std::string_view text, const std::function<std::vector<host_words>()>& hosts,
                  const grammar& g) {
  const auto lowered = normalise(text);
  const bool compound =
      lowered.find(" and ") != std::string::npos || lowered.find(" then ") != std::string::npos;
  std::optional<std::vector<host_words>> known;
  auto language = [&] {
    if (!known) known = hosts();
    return understand(text, *known, g);
  };
  reading out;
  if (compound)
    if (auto plan = language(); plan && (!plan->question.empty() || !plan->actions.empty())) {
      out.plan = std::move(plan);
      return out;
    }
  auto parsed = g.parse(text);
  // "stop it": a word that points back at nothing is a question, not a container's name.
  const auto first_arg = parsed && !parsed->args.empty() ? words_of(normalise(parsed->args.front()))
                                                         : std::vector<std::string>{};
  const bool points_back = first_arg.size() == 1 && is_pronoun(first_arg.front());
  if (parsed && !points_back) {
    out.command = *parsed;
    return out;
  }
  // Not exact command syntax: a line that is no command, or a command with words around it
  // ("restart nginx please", "ps on media"), is the sentence reader's when it can place it. The
  // grammar's other refusals (a missing argument, a bad number, two hosts) say more than a
  // question would, and stay.
  const bool wordy = !parsed && (parsed.error().command.empty() ||
                                 parsed.error().message.starts_with("Too many arguments"));
  if (points_back || wordy)
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
