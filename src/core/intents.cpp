#include "wagbot/core/intents.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>

#include "intents_clause.hpp"
#include "intents_words.hpp"

namespace wagbot::core {

using namespace intents_words;
using intents_clause::one_clause;

std::optional<understanding> understand(std::string_view text, const std::vector<host_words>& hosts,
                                        const grammar& g) {
  const auto s = normalise(text);
  if (s.size() <= 2) return std::nullopt;
  understanding out;
  action last;  // the previous clause's: its verb, host and container carry over
  bool any = false;
  // "hi", "hello there, how are you?", "good morning": a greeting gets one back, not usage help.
  const auto first = words_of(s);
  static const std::set<std::string> hellos = {"hi",    "hello",     "hey", "hiya",
                                               "howdy", "greetings", "sup", "yo"};
  static const std::set<std::string> times_of_day = {"morning", "afternoon", "evening", "day"};
  const bool greeting =
      !first.empty() && (hellos.count(first[0]) ||
                         (first.size() > 1 && first[0] == "good" && times_of_day.count(first[1])));
  auto greet = [&out] {
    out.actions.clear();
    out.question =
        "Hello! Ask me in plain words (\"what's running on the nas?\", \"restart nginx\") or "
        "type `help` for the commands.";
    return out;
  };
  for (const auto& clause : clauses_of(s)) {
    const auto clause_words = words_of(clause);
    static const std::set<std::string> greeting_words = {
        "hi",  "hello", "hey",     "hiya",      "howdy",   "yo",    "greetings",
        "sup", "good",  "morning", "afternoon", "evening", "there", "wagbot"};
    if (std::all_of(clause_words.begin(), clause_words.end(),
                    [](const std::string& w) { return is_filler(w) || greeting_words.count(w); }))
      continue;  // "hey wagbot, …", "hi, …", "…, thanks", "; then"
    auto r = one_clause(clause, text, hosts, g, last);
    if (!r.understood) {
      if (any) {
        out.actions.clear();
        out.question = "I understood part of that, but not \"" +
                       std::string(clause.substr(1, clause.size() - 2)) +
                       "\". Could you say it as separate requests?";
        return out;
      }
      if (greeting) return greet();
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
  if (!any && greeting) return greet();
  // "restart nginx and postgres on the nas": a host named at the end of a run of the same
  // verb applies to the whole run.
  for (std::size_t i = out.actions.size(); i-- > 1;) {
    auto& before = out.actions[i - 1];
    const auto& after = out.actions[i];
    if (before.host.empty() && !after.host.empty() && before.command == after.command)
      before.host = after.host;
  }
  // "the memory and cpu of the pi": two clauses, one request.
  out.actions.erase(std::unique(out.actions.begin(), out.actions.end()), out.actions.end());
  return out;
}

}  // namespace wagbot::core

namespace wagbot::core {

namespace {

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
                     has_politeness_after_command(lowered);  // "logs for jellyfin"
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
