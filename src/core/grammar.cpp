#include "wagbot/core/grammar.hpp"

#include "wagbot/core/spelling.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace wagbot::core {

std::vector<token> tokenize(std::string_view line) {
  std::vector<token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    token t;
    t.offset = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) {
      const char c = line[i];
      if (c == '"' || c == '\'') {
        t.quoted = true;
        ++i;
        while (i < line.size() && line[i] != c) {
          if (line[i] == '\\' && c == '"' && i + 1 < line.size()) ++i;
          t.text.push_back(line[i++]);
        }
        if (i < line.size()) ++i;  // closing quote; an unclosed one ends at the line's end
      } else {
        t.text.push_back(c);
        ++i;
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

grammar::grammar(std::vector<command_spec> specs) : specs_(std::move(specs)) {}

namespace {
bool is_integer(const std::string& s) {
  return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}
}  // namespace

const command_spec* grammar::find(std::string_view name) const {
  const auto wanted = lowered(name);
  for (const auto& spec : specs_) {
    if (spec.name == wanted) return &spec;
    if (std::find(spec.aliases.begin(), spec.aliases.end(), wanted) != spec.aliases.end())
      return &spec;
  }
  return nullptr;
}

std::vector<std::string> grammar::suggest(std::string_view word) const {
  const auto w = lowered(word);
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& spec : specs_) {
    const auto head = spec.name.substr(0, spec.name.find(' '));
    std::size_t d = edit_distance(w, head);
    for (const auto& alias : spec.aliases) d = std::min(d, edit_distance(w, alias));
    if (d <= 2 || (w.size() >= 2 && head.rfind(w, 0) == 0)) scored.emplace_back(d, head);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (auto& [d, name] : scored)
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  if (out.size() > 3) out.resize(3);
  return out;
}

namespace {

/// The spec the line's first one or two words name ("key add" before "key"); `next` is the
/// first token after them.
const command_spec* find_command(const grammar& g, const std::vector<token>& tokens,
                                 std::size_t& next) {
  const auto head = lowered(tokens[0].text);
  next = 1;
  if (tokens.size() >= 2)
    if (const auto* spec = g.find(head + " " + lowered(tokens[1].text))) {
      next = 2;
      return spec;
    }
  return g.find(head);
}

/// Why the first word is no command: a group's subcommands, or the names closest to it.
parse_error unknown_command(const grammar& g, const std::vector<token>& tokens) {
  const auto head = lowered(tokens[0].text);
  // A group such as `key` without (or with a wrong) subcommand: show its subcommands.
  std::string group_usage;
  for (const auto& s : g.specs())
    if (s.name.rfind(head + " ", 0) == 0) group_usage += s.usage + "\n";
  if (!group_usage.empty()) {
    group_usage.pop_back();
    const std::string what = tokens.size() >= 2
                                 ? "Unknown subcommand `" + tokens[1].text + "` of `" + head + "`."
                                 : "`" + head + "` needs a subcommand.";
    return parse_error{what, group_usage, head};
  }
  std::string message = "Unknown command `" + tokens[0].text + "`.";
  if (auto close = g.suggest(head); !close.empty()) {
    message += " Did you mean";
    for (std::size_t i = 0; i < close.size(); ++i)
      message += (i ? (i + 1 == close.size() ? " or `" : ", `") : " `") + close[i] + "`";
    message += "?";
  }
  return parse_error{message + " Type `help` for the list of commands.", "", ""};
}

/// One line being bound to the spec of its command: arguments, options and host.
struct binding {
  const command_spec& spec;
  std::string_view line;
  const std::vector<token>& tokens;
  action act;
  std::string other_host;  ///< a second, different host named in the same line

  parse_error fail(std::string message) const {
    return parse_error{std::move(message), "Usage: " + spec.usage, spec.name};
  }

  /// Binds tokens[first…] to the spec, in the order they come.
  std::optional<parse_error> bind(std::size_t first) {
    const std::size_t positional_limit = spec.args.size();
    const bool variadic = !spec.args.empty() && spec.args.back().variadic;
    for (std::size_t i = first; i < tokens.size(); ++i) {
      const auto& tok = tokens[i];
      const std::string& word = tok.text;
      if (spec.raw_tail && act.args.size() + 1 == positional_limit) {
        take_raw_tail(i);
        break;
      }
      if (!tok.quoted && word.size() > 1 && word[0] == '@' && !spec.uses_host)
        return fail("`" + spec.name + "` does not take a host.");
      if (take_host(i)) continue;
      if (!tok.quoted && word.size() > 1 && word[0] == '-' && !is_integer(word.substr(1))) {
        if (auto error = take_option(i)) return error;
        continue;
      }
      if (act.args.size() >= positional_limit && !variadic)
        return fail("Too many arguments: `" + word + "` is not expected.");
      act.args.push_back(word);
    }
    // Two hosts in one command: never guess which one was meant.
    if (!other_host.empty())
      return fail("You named two hosts, @" + act.host + " and @" + other_host +
                  ". Which one? Send the command again with just that one.");
    return std::nullopt;
  }

  /// Takes `alias` as the host, noting a second, different one.
  void set_host(std::string alias) {
    if (!alias.empty() && alias[0] == '@') alias.erase(0, 1);
    if (!act.host.empty() && act.host != alias) {
      if (other_host.empty()) other_host = alias;
      return;
    }
    act.host = std::move(alias);
  }

  /// The verbatim tail (JSON of `template save`): everything from tokens[i] on, untouched.
  void take_raw_tail(std::size_t i) {
    const auto& tok = tokens[i];
    std::string tail(line.substr(tok.offset));
    // A trailing ` @alias` still chooses the host: `template save web {…} @nas`.
    const auto& last = tokens.back();
    if (&last != &tok && !last.quoted && last.text.size() > 1 && last.text[0] == '@') {
      act.host = lowered(last.text.substr(1));
      tail = std::string(line.substr(tok.offset, last.offset - tok.offset));
      while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back())))
        tail.pop_back();
    }
    act.args.push_back(std::move(tail));
  }

  /// Takes tokens[i] (and the next ones for `on [the] nas`) as the host when it names one.
  bool take_host(std::size_t& i) {
    const auto& tok = tokens[i];
    const std::string& word = tok.text;
    if (tok.quoted || !spec.uses_host) return false;
    // `ps all`, `ps nas`: a command without arguments takes a bare word as its host.
    if (spec.args.empty() && act.host.empty() && word[0] != '-') {
      set_host(lowered(word));
      return true;
    }
    if (word.size() > 1 && word[0] == '@') {
      set_host(lowered(word.substr(1)));
      return true;
    }
    if (word == "on" && i + 1 < tokens.size() && !act.args.empty()) {
      if (lowered(tokens[i + 1].text) == "the" && i + 2 < tokens.size()) ++i;  // "on the nas"
      set_host(lowered(tokens[++i].text));
      return true;
    }
    return false;
  }

  /// `--name value`, `--name=value`, `-p value` or `-pvalue` at tokens[i].
  std::optional<parse_error> take_option(std::size_t& i) {
    const std::string& word = tokens[i].text;
    std::string name;
    std::string value;
    bool has_value = false;
    if (word.rfind("--", 0) == 0) {
      name = word.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        has_value = true;
      }
    } else {
      name = word.substr(1, 1);
      if (word.size() > 2) {
        value = word.substr(2);
        has_value = true;
      }
    }
    const option_spec* opt = nullptr;
    for (const auto& o : spec.options)
      if (o.name == name || (name.size() == 1 && o.short_name == name[0])) opt = &o;
    if (!opt) return fail("Unknown option `" + word + "` for `" + spec.name + "`.");
    if (!has_value) {
      if (i + 1 >= tokens.size())
        return fail("Option `" + word + "` needs a value (" + opt->value_name + ").");
      value = tokens[++i].text;
    }
    if (!opt->repeatable && !act.option(opt->name).empty())
      return fail("Option `--" + opt->name + "` is given twice.");
    act.options.emplace_back(opt->name, value);
    return std::nullopt;
  }

  /// What can only be judged once every token is bound: missing or mistyped arguments.
  std::optional<parse_error> check() const {
    std::size_t required = 0;
    for (const auto& a : spec.args) required += a.required ? 1 : 0;
    if (act.args.size() < required) {
      const auto& missing = spec.args[act.args.size()];
      return fail("Missing <" + missing.name + ">.");
    }
    for (std::size_t i = 0; i < act.args.size() && i < spec.args.size(); ++i) {
      if (spec.args[i].kind == value_kind::integer && !is_integer(act.args[i]))
        return fail("<" + spec.args[i].name + "> must be a whole number, not `" + act.args[i] +
                    "`.");
    }
    if (act.host == "all" && !spec.fans_out)
      return fail("`" + spec.name + "` runs on one host at a time; name it with @alias.");
    return std::nullopt;
  }
};

}  // namespace

boost::system::result<action, parse_error> grammar::parse(std::string_view line) const {
  const auto tokens = tokenize(line);
  if (tokens.empty()) return parse_error{"Empty command.", "", ""};
  std::size_t next = 1;
  const command_spec* spec = find_command(*this, tokens, next);
  if (!spec) return unknown_command(*this, tokens);
  binding b{*spec, line, tokens, {}};
  b.act.command = spec->name;
  if (auto error = b.bind(next)) return *error;
  if (auto error = b.check()) return *error;
  return std::move(b.act);
}

std::string quote(const std::string& v) {
  std::string q = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') q.push_back('\\');
    q.push_back(c);
  }
  return q + "\"";
}

}  // namespace wagbot::core
