#include "wagbot/discord/slash.hpp"

#include <map>
#include <set>

namespace wagbot::discord {

namespace {
constexpr int sub_command = 1, string_type = 3, integer_type = 4;

std::string head_of(const std::string& name) {
  return name.substr(0, name.find(' '));
}
std::string tail_of(const std::string& name) {
  auto space = name.find(' ');
  return space == std::string::npos ? std::string{} : name.substr(space + 1);
}

std::string clip(std::string text, std::size_t n) {
  if (text.size() <= n) return text;
  text.resize(n - 1);
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
  return text + "…";
}

bool completes(core::value_kind k) {
  using core::value_kind;
  return k == value_kind::container || k == value_kind::image || k == value_kind::app ||
         k == value_kind::host || k == value_kind::template_name;
}

std::string text_of(const pd::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_null()) return {};
  return value.dump();
}

/// `key add` asks for its secret in a modal: the slash command only names the host.
bool secret_in_modal(const core::command_spec& spec) {
  return spec.name == "key add";
}

pd::json options_of(const core::command_spec& spec) {
  pd::json out = pd::json::array();
  const auto names = option_names(spec);
  bool has_host = false;
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    const auto& a = spec.args[i];
    if (secret_in_modal(spec) && i > 0) break;
    pd::json o{{"name", names[i]},
               {"description", clip(a.description.empty() ? a.name : a.description, 100)},
               {"type", a.kind == core::value_kind::integer ? integer_type : string_type},
               {"required", a.required && !secret_in_modal(spec)}};
    if (completes(a.kind)) o["autocomplete"] = true;
    has_host = has_host || names[i] == "host";
    out.push_back(std::move(o));
  }
  for (const auto& opt : spec.options)
    out.push_back(
        {{"name", opt.name},
         {"description",
          clip(opt.description + (opt.repeatable ? " (several: separate with spaces)" : ""), 100)},
         {"type", string_type},
         {"required", false}});
  if (spec.uses_host && !has_host)
    out.push_back({{"name", "host"},
                   {"description", spec.fans_out ? "which host (or all); default: the channel's"
                                                 : "which host; default: the channel's"},
                   {"type", string_type},
                   {"required", false},
                   {"autocomplete", true}});
  if (out.size() > 25) out.erase(out.begin() + 25, out.end());
  return out;
}
}  // namespace

std::vector<std::string> option_names(const core::command_spec& spec) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const auto& a : spec.args) {
    std::string n;
    for (char c : a.name)
      n.push_back(c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (int count = seen[n]++; count > 0) n += std::to_string(count + 1);
    names.push_back(n);
  }
  return names;
}

pd::json application_commands(const std::vector<core::command_spec>& specs, registration how) {
  pd::json out = pd::json::array();
  std::vector<std::string> heads;
  for (const auto& s : specs)
    if (std::find(heads.begin(), heads.end(), head_of(s.name)) == heads.end())
      heads.push_back(head_of(s.name));
  for (const auto& head : heads) {
    std::vector<const core::command_spec*> members;
    for (const auto& s : specs)
      if (head_of(s.name) == head) members.push_back(&s);
    pd::json cmd{{"name", head}, {"type", 1}, {"contexts", {0, 1}}};
    if (how.user_install) {
      // Installed to a guild (0) or to a user's account (1); usable in guilds (0), the bot's
      // DM (1) and other private channels (2).
      cmd["integration_types"] = {0, 1};
      cmd["contexts"] = {0, 1, 2};
    }
    if (how.restrict_destructive &&
        std::any_of(members.begin(), members.end(), [](auto* m) { return m->destructive; }))
      cmd["default_member_permissions"] = manage_server;
    if (members.size() == 1 && tail_of(members[0]->name).empty()) {
      cmd["description"] = clip(members[0]->summary, 100);
      cmd["options"] = options_of(*members[0]);
    } else {
      cmd["description"] = clip(
          head + ": " +
              [&] {
                std::string subs;
                for (auto* m : members)
                  subs += (subs.empty() ? "" : ", ") +
                          (tail_of(m->name).empty() ? std::string("show") : tail_of(m->name));
                return subs;
              }(),
          100);
      cmd["options"] = pd::json::array();
      for (auto* m : members)
        cmd["options"].push_back(
            {{"name", tail_of(m->name).empty() ? std::string("show") : tail_of(m->name)},
             {"description", clip(m->summary, 100)},
             {"type", sub_command},
             {"options", options_of(*m)}});
    }
    out.push_back(std::move(cmd));
  }
  // In an alert's "Apps" menu: its own Restart and Logs, run as whoever uses them.
  for (const char* name : {"Restart", "Logs"}) {
    pd::json cmd{{"name", name}, {"type", 3}, {"contexts", {0, 1}}};
    if (how.user_install) {
      cmd["integration_types"] = {0, 1};
      cmd["contexts"] = {0, 1, 2};
    }
    out.push_back(std::move(cmd));
  }
  return out;
}

invoked find_invoked(const pd::interaction& i, const core::grammar& grammar) {
  invoked out;
  if (!i.options.empty() && i.options.front().type == sub_command) {
    const auto& sub = i.options.front();
    out.spec = sub.name == "show" ? grammar.find(i.command_name)
                                  : grammar.find(i.command_name + " " + sub.name);
    out.options = sub.options;
  } else {
    out.spec = grammar.find(i.command_name);
    out.options = i.options;
  }
  return out;
}

std::string to_command_line(const invoked& call) {
  const auto& spec = *call.spec;
  auto value = [&](const std::string& name) -> std::optional<std::string> {
    for (const auto& o : call.options)
      if (o.name == name) return text_of(o.value);
    return std::nullopt;
  };
  std::string line = spec.name;
  const auto names = option_names(spec);
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    auto v = value(names[i]);
    if (!v || v->empty()) continue;
    const bool last = i + 1 == spec.args.size();
    if (spec.raw_tail && last)
      line += " " + *v;  // verbatim JSON
    else if (spec.args[i].variadic)
      line += " " + *v;  // several words, as typed
    else
      line += " " + core::quote(*v);
  }
  for (const auto& opt : spec.options) {
    auto v = value(opt.name);
    if (!v || v->empty()) continue;
    if (opt.repeatable) {
      std::size_t pos = 0;
      while (pos < v->size()) {
        auto end = v->find_first_of(" ,", pos);
        if (end == std::string::npos) end = v->size();
        if (end > pos) line += " --" + opt.name + " " + core::quote(v->substr(pos, end - pos));
        pos = end + 1;
      }
    } else {
      line += " --" + opt.name + " " + core::quote(*v);
    }
  }
  if (auto host = value("host"); host && !host->empty() && spec.uses_host) {
    auto h = *host;
    if (h[0] == '@') h.erase(0, 1);
    line += " @" + h;
  }
  return line;
}

}  // namespace wagbot::discord
