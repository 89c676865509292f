#include "wagbot/core/intents.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace wagbot::core {

namespace {

std::string normalise(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == ':' || c == '=' || c == '/' || c == '@' || u >= 0x80)
      out.push_back(static_cast<char>(std::tolower(u)));
    else if (c == '\'')
      continue;  // what's → whats
    else
      out.push_back(' ');
  }
  // collapse spaces
  std::string squeezed;
  for (char c : out)
    if (!(c == ' ' && (squeezed.empty() || squeezed.back() == ' '))) squeezed.push_back(c);
  while (!squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
  return " " + squeezed + " ";
}

bool has(const std::string& s, std::string_view phrase) { return s.find(phrase) != std::string::npos; }

std::vector<std::string> words_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    auto j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

const std::set<std::string> filler = {"the", "a", "an", "my", "our", "container", "containers", "service", "app",
                                      "please", "pls", "can", "could", "you", "would", "kindly", "me", "for", "of",
                                      "again", "now", "up", "down", "image", "it", "that", "this", "real", "quick",
                                      "hey", "wagbot", "bot", "just", "to", "go", "ahead", "and", "then", "server", "instance"};

struct clause_result {
  std::optional<action> act;
  std::string question;
  bool understood = false;
};

/// Finds the host a clause names; "" when none, "?a|b" when several match.
std::string find_host(std::string& clause, const std::vector<host_words>& hosts) {
  std::vector<std::pair<std::size_t, std::pair<std::string, std::string>>> hits;  // length, (alias, phrase)
  for (const auto& h : hosts) {
    std::vector<std::string> phrases{h.alias, "@" + h.alias};
    for (const auto& w : h.words) phrases.push_back(w);
    for (auto phrase : phrases) {
      std::string lowered;
      for (char c : phrase) lowered.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      if (lowered.rfind("the ", 0) == 0) lowered = lowered.substr(4);
      for (const char* lead : {" on the ", " on ", " at the ", " at ", " from the ", " from ", " in the ", " in ", " the ", " "}) {
        const auto needle = std::string(lead) + lowered + " ";
        if (has(clause, needle)) hits.push_back({needle.size(), {h.alias, needle}});
      }
    }
  }
  if (hits.empty()) {
    for (const char* all : {" on all hosts ", " on every host ", " everywhere ", " on all ", " across all hosts "})
      if (has(clause, all)) {
        clause.replace(clause.find(all), std::string(all).size(), " ");
        return "all";
      }
    return {};
  }
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::set<std::string> aliases;
  const auto best = hits.front().first;
  for (const auto& h : hits)
    if (h.first == best) aliases.insert(h.second.first);
  if (aliases.size() > 1) {
    std::string list;
    for (const auto& a : aliases) list += (list.empty() ? "@" : " or @") + a;
    return "?" + list;
  }
  const auto& phrase = hits.front().second.second;
  clause.replace(clause.find(phrase), phrase.size(), " ");
  return hits.front().second.first;
}

/// The first meaningful word after `after` in the clause (the target of a verb).
std::string target_after(const std::string& clause, std::string_view after) {
  auto pos = clause.find(after);
  if (pos == std::string::npos) return {};
  auto rest = words_of(clause.substr(pos + after.size()));
  for (const auto& w : rest)
    if (!filler.count(w) && w != "is" && w != "running" && w != "logs" && w != "log") return w;
  return {};
}

/// `word` as the person typed it (values keep their case: TZ=Europe/Paris).
std::string as_typed(std::string_view original, const std::string& word) {
  std::string lower;
  for (char c : original) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  auto p = lower.find(word);
  return p == std::string::npos ? word : std::string(original.substr(p, word.size()));
}

clause_result one_clause(std::string clause, std::string_view original, const std::vector<host_words>& hosts,
                         const std::string& last_verb, const std::string& last_host) {
  clause_result out;
  auto host = find_host(clause, hosts);
  if (!host.empty() && host[0] == '?') {
    out.understood = true;
    out.question = "Which host do you mean: " + host.substr(1) + "?";
    return out;
  }
  if (host.empty()) {
    // "on the box": a host we do not know is a question, not something to ignore.
    for (const char* lead : {" on the ", " on "}) {
      auto p = clause.find(lead);
      if (p == std::string::npos) continue;
      auto rest = words_of(clause.substr(p + std::string(lead).size()));
      if (rest.empty() || rest.front() == "port" || rest.front() == "all" || rest.front() == "every") continue;
      std::string known;
      for (const auto& h : hosts) known += (known.empty() ? "@" : ", @") + h.alias;
      out.understood = true;
      out.question = "I don't know a host called \"" + rest.front() + "\"." +
                     (known.empty() ? std::string() : " Your hosts: " + known + ".");
      return out;
    }
    host = last_host;
  }
  action a;
  a.host = host;
  auto need_target = [&](const std::string& verb, const std::string& target) {
    if (target.empty() || target == "all" || target == "everything" || target == "every") {
      out.understood = true;
      out.question = target.empty() ? "Which container should I " + verb + "?"
                                    : "I only " + verb + " one named container at a time: which one?";
      return false;
    }
    return true;
  };

  // Listing.
  if (has(clause, " whats running ") || has(clause, " what is running ") || has(clause, " list containers ") ||
      has(clause, " show containers ") || has(clause, " which containers ") || has(clause, " what containers ") ||
      has(clause, " show me the containers ") || has(clause, " list all containers ") ||
      has(clause, " whats up ") || has(clause, " show everything ")) {
    a.command = "ps";
    out.act = a;
    out.understood = true;
    return out;
  }
  if (has(clause, " images ") && (has(clause, " list ") || has(clause, " show ") || has(clause, " what ") || has(clause, " which "))) {
    a.command = "images";
    out.act = a;
    out.understood = true;
    return out;
  }
  // "make sure X is running" / "ensure X is up" → start (a running container is left alone).
  if (has(clause, " make sure ") || has(clause, " ensure ")) {
    const auto target = target_after(clause, has(clause, " make sure ") ? " make sure " : " ensure ");
    if (!need_target("start", target)) return out;
    a.command = "start";
    a.args = {target};
    out.act = a;
    out.understood = true;
    return out;
  }
  // Logs.
  if (has(clause, " logs ") || has(clause, " log ")) {
    std::string target = target_after(clause, has(clause, " logs ") ? " logs " : " log ");
    if (target.empty())  // "show me nginx logs"
      for (const auto& w : words_of(clause.substr(0, clause.find(has(clause, " logs ") ? " logs " : " log "))))
        if (!filler.count(w) && w != "show" && w != "get" && w != "tail" && w != "check" && w != "read") target = w;
    if (!need_target("show the logs of", target)) return out;
    a.command = "logs";
    a.args = {target};
    // "last 20 lines"
    auto words = words_of(clause);
    for (std::size_t i = 0; i + 1 < words.size(); ++i)
      if ((words[i] == "last" || words[i] == "tail") && std::all_of(words[i + 1].begin(), words[i + 1].end(), ::isdigit))
        a.args.push_back(words[i + 1]);
    out.act = a;
    out.understood = true;
    return out;
  }
  // Apps: browsing and installing.
  if (has(clause, " install ") || has(clause, " set up ") || has(clause, " setup ") || has(clause, " deploy ")) {
    const char* verb = has(clause, " install ") ? " install " : has(clause, " deploy ") ? " deploy " : has(clause, " set up ") ? " set up " : " setup ";
    const auto target = target_after(clause, verb);
    if (!need_target("install", target)) return out;
    a.command = "install";
    a.args = {target};
    auto words = words_of(clause);
    for (std::size_t i = 0; i < words.size(); ++i) {
      if ((words[i] == "as" || words[i] == "named" || words[i] == "called") && i + 1 < words.size()) {
        a.args.push_back("as");
        a.args.push_back(words[i + 1]);
        ++i;
      } else if (words[i].find('=') != std::string::npos && words[i].front() != '=') {
        auto kv = as_typed(original, words[i]);
        auto eq = kv.find('=');
        std::string key = kv.substr(0, eq);
        for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        a.args.push_back(key + "=" + kv.substr(eq + 1));
      }
    }
    out.act = a;
    out.understood = true;
    return out;
  }
  if (has(clause, " apps ") || has(clause, " marketplace ") || has(clause, " catalogue ") || has(clause, " catalog ")) {
    a.command = "apps";
    auto words = words_of(clause);
    for (const auto& w : words)
      if (!filler.count(w) && w != "apps" && w != "show" && w != "list" && w != "what" && w != "whats" && w != "are" &&
          w != "there" && w != "available" && w != "marketplace" && w != "catalogue" && w != "catalog" && w != "browse" &&
          w != "search" && w != "find" && w != "any" && w != "which" && w != "in" && w != "is" && w != "do" && w != "have" &&
          w != "we" && w != "i")
        a.args.push_back(w);
    out.act = a;
    out.understood = true;
    return out;
  }
  // Pulling an image.
  if (has(clause, " pull ") || has(clause, " download ")) {
    const auto target = target_after(clause, has(clause, " pull ") ? " pull " : " download ");
    if (target.empty()) {
      out.understood = true;
      out.question = "Which image should I pull (e.g. nginx:alpine)?";
      return out;
    }
    a.command = "pull";
    a.args = {target};
    out.act = a;
    out.understood = true;
    return out;
  }
  // Container lifecycle.
  struct verb_form {
    const char* phrase;
    const char* command;
    const char* name;
  };
  static const verb_form verbs[] = {{" restart ", "restart", "restart"}, {" reboot ", "restart", "restart"},
                                    {" bounce ", "restart", "restart"},  {" stop ", "stop", "stop"},
                                    {" shut down ", "stop", "stop"},     {" shutdown ", "stop", "stop"},
                                    {" start ", "start", "start"},       {" delete ", "rm", "delete"},
                                    {" remove ", "rm", "delete"},        {" get rid of ", "rm", "delete"},
                                    {" destroy ", "rm", "delete"},       {" kill ", "stop", "stop"},
                                    {" inspect ", "inspect", "inspect"}, {" status of ", "inspect", "inspect"},
                                    {" tell me about ", "inspect", "inspect"}};
  const verb_form* found = nullptr;
  std::size_t at = std::string::npos;
  for (const auto& v : verbs)
    if (auto p = clause.find(v.phrase); p != std::string::npos && p < at) {
      at = p;
      found = &v;
    }
  if (found) {
    const auto target = target_after(clause, found->phrase);
    if (!need_target(found->name, target)) return out;
    // Words left over after the target mean we did not understand all of it: ask.
    auto after = words_of(clause.substr(at + std::string(found->phrase).size()));
    bool past_target = false;
    for (const auto& w : after) {
      if (!past_target) {
        past_target = w == target;
        continue;
      }
      if (!filler.count(w)) {
        out.understood = true;
        out.question = "I am not sure what \"" + w + "\" means there. Did you mean `" + std::string(found->command) +
                       " " + target + "`?";
        return out;
      }
    }
    a.command = found->command;
    a.args = {target};
    out.act = a;
    out.understood = true;
    return out;
  }
  // "…and postgres" after a verb: the same verb on another target.
  if (!last_verb.empty()) {
    auto words = words_of(clause);
    std::vector<std::string> left;
    for (const auto& w : words)
      if (!filler.count(w)) left.push_back(w);
    if (left.size() == 1) {
      a.command = last_verb;
      a.args = {left.front()};
      out.act = a;
      out.understood = true;
    }
  }
  return out;
}

/// Splits "A and B", "A, then B", "A; B" into clauses.
std::vector<std::string> clauses_of(const std::string& s) {
  std::vector<std::string> out;
  std::string rest = s;
  for (;;) {
    std::size_t cut = std::string::npos, len = 0;
    for (const char* sep : {" and then ", " then ", " and also ", " and ", " also "}) {
      auto p = rest.find(sep);
      if (p != std::string::npos && (p < cut || (p == cut && std::string(sep).size() > len))) {
        cut = p;
        len = std::string(sep).size();
      }
    }
    if (cut == std::string::npos) break;
    out.push_back(rest.substr(0, cut) + " ");
    rest = " " + rest.substr(cut + len);
  }
  out.push_back(rest);
  return out;
}

}  // namespace

std::optional<understanding> understand(std::string_view text, const std::vector<host_words>& hosts, const grammar& g) {
  const auto s = normalise(text);
  if (s.size() <= 2) return std::nullopt;
  understanding out;
  std::string last_verb, last_host;
  bool any = false;
  for (const auto& clause : clauses_of(s)) {
    auto r = one_clause(clause, text, hosts, last_verb, last_host);
    if (!r.understood) {
      if (any) {
        out.actions.clear();
        out.question = "I understood part of that, but not \"" + std::string(clause.substr(1, clause.size() - 2)) +
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
    last_verb = parsed->command;
    last_host = parsed->host;
    out.actions.push_back(*parsed);
  }
  // "restart nginx and postgres on the nas": a host named at the end of a run of the same
  // verb applies to the whole run.
  for (std::size_t i = out.actions.size(); i-- > 1;) {
    auto& before = out.actions[i - 1];
    const auto& after = out.actions[i];
    if (before.host.empty() && !after.host.empty() && before.command == after.command) before.host = after.host;
  }
  return out;
}

}  // namespace wagbot::core

namespace wagbot::core {

reading read_line(std::string_view text, const std::function<std::vector<host_words>()>& hosts, const grammar& g) {
  const auto lowered = normalise(text);
  const bool compound = lowered.find(" and ") != std::string::npos || lowered.find(" then ") != std::string::npos;
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
  if (parsed) {
    out.command = *parsed;
    return out;
  }
  if (parsed.error().command.empty() || compound)
    if (auto plan = language()) {
      out.plan = std::move(plan);
      return out;
    }
  out.error = parsed.error();
  return out;
}

}  // namespace wagbot::core
