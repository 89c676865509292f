#include "intents_words.hpp"

#include "wagbot/core/spelling.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace wagbot::core::intents_words {

namespace {

const std::set<std::string> filler = {
    "the",     "a",      "an",     "my",     "our",      "container", "containers",
    "service", "app",    "please", "pls",    "can",      "could",     "you",
    "would",   "kindly", "me",     "for",    "of",       "again",     "now",
    "up",      "down",   "image",  "it",     "that",     "this",      "real",
    "quick",   "hey",    "wagbot", "bot",    "just",     "to",        "go",
    "ahead",   "and",    "then",   "server", "instance", "thanks",    "thank",
    "thx",     "ty",     "cheers", "plz",    "ok",       "okay",      "back"};

// Words that stand for something said before: the previous clause's container.
const std::set<std::string> pronouns = {"it",   "its", "that",  "this",
                                        "them", "one", "those", "these"};

// What a request to browse the marketplace says besides the words it searches for.
const std::set<std::string> apps_words = {
    "apps",       "show",        "list",      "what",    "whats",  "are",    "there",
    "available",  "marketplace", "catalogue", "catalog", "browse", "search", "find",
    "any",        "which",       "in",        "is",      "do",     "have",   "we",
    "i",          "can",         "install",   "get",     "could",  "there",  "category",
    "categories", "you",         "offer",     "a",       "an"};

const verb_form verbs[] = {{" restart ", "restart", "restart"},
                           {" reboot ", "restart", "restart"},
                           {" bounce ", "restart", "restart"},
                           {" stop ", "stop", "stop"},
                           {" shut down ", "stop", "stop"},
                           {" shutdown ", "stop", "stop"},
                           {" start ", "start", "start"},
                           {" delete ", "rm", "delete"},
                           {" remove ", "rm", "delete"},
                           {" get rid of ", "rm", "delete"},
                           {" destroy ", "rm", "delete"},
                           {" kill ", "stop", "stop"},
                           {" kick ", "restart", "restart"},
                           {" cycle ", "restart", "restart"},
                           {" relaunch ", "restart", "restart"},
                           {" turn off ", "stop", "stop"},
                           {" switch off ", "stop", "stop"},
                           {" power off ", "stop", "stop"},
                           {" power down ", "stop", "stop"},
                           {" take down ", "stop", "stop"},
                           {" bring down ", "stop", "stop"},
                           {" halt ", "stop", "stop"},
                           {" pause ", "stop", "stop"},
                           {" turn on ", "start", "start"},
                           {" switch on ", "start", "start"},
                           {" power on ", "start", "start"},
                           {" power up ", "start", "start"},
                           {" spin up ", "start", "start"},
                           {" bring up ", "start", "start"},
                           {" fire up ", "start", "start"},
                           {" boot ", "start", "start"},
                           {" resume ", "start", "start"},
                           {" nuke ", "rm", "delete"},
                           {" wipe ", "rm", "delete"},
                           {" erase ", "rm", "delete"},
                           {" trash ", "rm", "delete"},
                           {" inspect ", "inspect", "inspect"},
                           {" details on ", "inspect", "inspect"},
                           {" details of ", "inspect", "inspect"},
                           {" details for ", "inspect", "inspect"},
                           {" info on ", "inspect", "inspect"},
                           {" info about ", "inspect", "inspect"},
                           {" describe ", "inspect", "inspect"},
                           {" status of ", "inspect", "inspect"},
                           {" tell me about ", "inspect", "inspect"},
                           {" check on ", "inspect", "inspect"},
                           {" look at ", "inspect", "inspect"}};

}  // namespace

namespace {
// Words whose "'s" is "is" or "us" (what's → whats), not a possessive (traefik's → traefik).
const std::set<std::string> contracted = {"what",  "that", "it",  "there", "here", "who",
                                          "where", "how",  "let", "hes",   "shes"};

/// At `i`, an apostrophe: ' or the typographic ’ that phones type (its length, else 0).
std::size_t apostrophe_at(std::string_view text, std::size_t i) {
  if (text[i] == '\'') return 1;
  return text.substr(i, 3) == "\xE2\x80\x99" ? 3 : 0;
}

std::string last_word(const std::string& out) {
  const auto space = out.rfind(' ');
  return space == std::string::npos ? out : out.substr(space + 1);
}
}  // namespace

namespace {
// "shut plex down", "turn it off", "bring grafana back up": the particle moves next to its verb.
const std::set<std::string> particle_verbs = {"shut",  "turn", "switch", "power", "take",
                                              "bring", "spin", "fire",   "start", "boot"};
const std::set<std::string> particles = {"up", "down", "off", "on"};

std::string particles_together(const std::string& squeezed) {
  auto words = words_of(squeezed);
  for (std::size_t i = 0; i + 2 < words.size(); ++i) {
    if (!particle_verbs.count(words[i]) || particles.count(words[i + 1])) continue;
    // The particle a few words on: "take the redis container down", "bring it back up".
    std::size_t j = i + 2;
    while (j < words.size() && j <= i + 4 && !particles.count(words[j])) ++j;
    if (j >= words.size() || j > i + 4) continue;
    // "start nginx on the pi": an "on" before more words names a host, not a particle.
    static const std::set<std::string> ends = {"please", "now", "again", "then", "and",
                                               "thanks", "for", "asap",  "pls"};
    const std::string next = j + 1 < words.size() ? words[j + 1] : "";
    const bool host_follows = next == "on" || next == "at" || next == "in";
    if (!next.empty() && !ends.count(next) && !(host_follows && words[j] != "on")) continue;
    std::string particle = words[j];
    words.erase(words.begin() + static_cast<std::ptrdiff_t>(j));
    words.insert(words.begin() + static_cast<std::ptrdiff_t>(i) + 1, particle);
  }
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}
}  // namespace

std::string normalise(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (const auto len = apostrophe_at(text, i)) {
      const auto next = i + len;
      const bool possessive_s =
          next < text.size() && (text[next] == 's' || text[next] == 'S') &&
          (next + 1 == text.size() || !std::isalnum(static_cast<unsigned char>(text[next + 1]))) &&
          !contracted.count(last_word(out));
      i = next - 1 + (possessive_s ? 1 : 0);  // traefik's → traefik; what's → whats
      continue;
    }
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == ':' || c == '=' || c == '/' ||
        c == '@' || u >= 0x80)
      out.push_back(static_cast<char>(std::tolower(u)));
    else if (c == ';')
      out += " then ";  // "restart nginx; show me its logs"
    else if (c == ',')
      out += " , ";  // a list or a pause: clauses_of splits there
    else
      out.push_back(' ');
  }
  // collapse spaces
  std::string squeezed;
  for (char c : out)
    if (!(c == ' ' && (squeezed.empty() || squeezed.back() == ' '))) squeezed.push_back(c);
  while (!squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
  // "bring jellyfin back online", "take sonarr offline": the particles of the same meaning.
  for (const auto& [from, to] :
       {std::pair<std::string_view, std::string_view>{" online", " up"}, {" offline", " down"}})
    for (auto p = squeezed.find(from); p != std::string::npos; p = squeezed.find(from, p + 1))
      if (p + from.size() == squeezed.size() || squeezed[p + from.size()] == ' ')
        squeezed.replace(p, from.size(), to);
  return " " + particles_together(squeezed) + " ";
}

bool has(const std::string& s, std::string_view phrase) {
  return s.find(phrase) != std::string::npos;
}

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

bool is_filler(const std::string& word) {
  return filler.count(word) != 0;
}

bool is_version_word(const std::string& word) {
  static const std::set<std::string> words = {"newest", "latest",  "new",     "recent",
                                              "fresh",  "version", "current", "last"};
  return words.count(word) != 0;
}

bool is_pronoun(const std::string& word) {
  return pronouns.count(word) != 0;
}

bool is_apps_word(const std::string& word) {
  return apps_words.count(word) != 0;
}

const verb_form* first_verb(const std::string& clause, std::size_t& at) {
  const verb_form* found = nullptr;
  at = std::string::npos;
  for (const auto& v : verbs)
    if (auto p = clause.find(v.phrase); p != std::string::npos && p < at) {
      at = p;
      found = &v;
    }
  return found;
}

std::string find_host(std::string& clause, const std::vector<host_words>& hosts, bool placed_only) {
  // length, (alias, phrase)
  std::vector<std::pair<std::size_t, std::pair<std::string, std::string>>> hits;
  for (const auto& h : hosts) {
    std::vector<std::string> phrases{h.alias, "@" + h.alias};
    for (const auto& w : h.words) phrases.push_back(w);
    for (const auto& phrase : phrases) {
      std::string word = lowered(phrase);
      if (word.rfind("the ", 0) == 0) word = word.substr(4);
      for (const char* lead : {" on the ", " on ", " at the ", " at ", " from the ", " from ",
                               " in the ", " in ", " the ", " "}) {
        // In a marketplace question a bare word is a category ("media apps"), not a host.
        const std::string_view l(lead);
        if (placed_only && (l == " the " || l == " ") && word[0] != '@') continue;
        const auto needle = std::string(lead) + word + " ";
        // "in the media category": a category named like a host is still a category.
        if (placed_only && (has(clause, needle + "category ") || has(clause, needle + "apps ")))
          continue;
        if (has(clause, needle)) hits.push_back({needle.size(), {h.alias, needle}});
      }
    }
  }
  if (hits.empty()) {
    for (const char* all :
         {" on all hosts ", " on every host ", " everywhere ", " on all ", " across all hosts "})
      if (has(clause, all)) {
        clause.replace(clause.find(all), std::string(all).size(), " ");
        return "all";
      }
    return {};
  }
  std::sort(hits.begin(), hits.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
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

std::string target_after(const std::string& clause, std::string_view after) {
  auto pos = clause.find(after);
  if (pos == std::string::npos) return {};
  auto rest = words_of(clause.substr(pos + after.size()));
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const auto& w = rest[i];
    // "a"/"an" only as an article ("restart a container called x"): "start a b" names `a`.
    const bool article = (w == "a" || w == "an") && i + 1 < rest.size() && is_filler(rest[i + 1]);
    if (w == "a" || w == "an" ? !article
                              : !is_filler(w) && !is_version_word(w) && w != "is" &&
                                    w != "running" && w != "logs" && w != "log")
      return w;
  }
  return {};
}

std::string as_typed(std::string_view original, const std::string& word) {
  const auto lower = lowered(original);
  auto p = lower.find(word);
  return p == std::string::npos ? word : std::string(original.substr(p, word.size()));
}

std::vector<std::string> clauses_of(const std::string& s) {
  std::vector<std::string> out;
  std::string rest = s;
  for (;;) {
    std::size_t cut = std::string::npos, len = 0;
    for (const char* sep : {" , and then ", " , then ", " , and ", " and then ", " then ",
                            " and also ", " and ", " also ", " , "}) {
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
  // "stop and remove old-nginx on the nas": a verb alone shares the next clause's object.
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    std::size_t at = 0, next_at = 0;
    const auto* verb = first_verb(out[i], at);
    const auto* next = first_verb(out[i + 1], next_at);
    if (!verb || !next || !target_after(out[i], verb->phrase).empty() ||
        target_after(out[i + 1], next->phrase).empty())
      continue;
    out[i] = out[i].substr(0, out[i].size() - 1) +
             out[i + 1].substr(next_at + std::string_view(next->phrase).size() - 1);
  }
  return out;
}

}  // namespace wagbot::core::intents_words
