#include "wagbot/protocol/discord.hpp"

#include <limits>

namespace wagbot::protocol::discord {

namespace {
std::string id_of(const json& j, const char* key) {
  // A snowflake is a string on the wire; a number (as some libraries send) reads the same.
  auto it = j.find(key);
  if (it == j.end() || !(it->is_string() || it->is_number_integer())) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

/// An integer field that fits an int; `fallback` otherwise. (json::value<int> converts a float
/// such as 1e30 with a cast that is undefined behaviour; reproduced with tests/fuzz/discord.)
int int_at(const json& j, const char* key, int fallback) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return fallback;
  if (it->is_number_unsigned())
    return it->get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<int>::max())
               ? it->get<int>()
               : fallback;
  const auto n = it->get<std::int64_t>();
  return n >= std::numeric_limits<int>::min() && n <= std::numeric_limits<int>::max() ? int(n)
                                                                                      : fallback;
}

void read_options(const json& list, std::vector<command_option>& out) {
  if (!list.is_array()) return;
  for (const auto& o : list) {
    if (!o.is_object()) continue;
    command_option opt;
    opt.name = o.value("name", "");
    opt.type = int_at(o, "type", 0);
    if (o.contains("value")) opt.value = o["value"];
    opt.focused = o.value("focused", false);
    if (o.contains("options")) read_options(o["options"], opt.options);
    out.push_back(std::move(opt));
  }
}
}  // namespace

std::optional<gateway_payload> parse_gateway(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("op") || !j["op"].is_number_integer()) return std::nullopt;
  gateway_payload p;
  p.op = j["op"].get<int>();
  if (auto d = j.find("d"); d != j.end()) p.d = std::move(*d);
  if (j.contains("s") && j["s"].is_number_integer()) p.s = j["s"].get<std::int64_t>();
  if (j.contains("t") && j["t"].is_string()) p.t = j["t"].get<std::string>();
  return p;
}

close_action classify_close(std::uint16_t code) {
  switch (code) {
    case 4004:
    case 4010:
    case 4011:
    case 4012:
    case 4013:
    case 4014:
      return close_action::fatal;
    case 4003:
    case 4005:
    case 4007:
    case 4008:
    case 4009:
      return close_action::new_session;
    default:
      return close_action::resume;  // 4000-4002, network drops, 1006, our own zombie close
  }
}

std::string close_meaning(std::uint16_t code) {
  switch (code) {
    case 4004:
      return "authentication failed: the bot token is wrong";
    case 4010:
      return "invalid shard";
    case 4011:
      return "sharding required: configure discord.shard";
    case 4012:
      return "invalid API version";
    case 4013:
      return "invalid intents";
    case 4014:
      return "disallowed intents: enable the Message Content intent in the Developer Portal, or "
             "turn off discord.text_commands";
    default:
      return "gateway closed with " + std::to_string(code);
  }
}

void from_json(const json& j, user& u) {
  u.id = id_of(j, "id");
  u.username = j.value("username", "");
  u.bot = j.value("bot", false);
}

void from_json(const json& j, ready& r) {
  r.session_id = j.value("session_id", "");
  r.resume_gateway_url = j.value("resume_gateway_url", "");
  if (j.contains("user") && j["user"].is_object()) r.me = j["user"].get<user>();
  if (j.contains("application") && j["application"].is_object())
    r.application_id = id_of(j["application"], "id");
}

namespace {
/// Every button of a message, however deep its layout nests them.
void collect_buttons(const json& components, std::vector<button_ref>& out) {
  if (!components.is_array()) return;
  for (const auto& c : components) {
    if (!c.is_object()) continue;
    if (int_at(c, "type", 0) == 2 && c.contains("custom_id"))
      out.push_back({c.value("label", ""), c.value("custom_id", "")});
    if (c.contains("components")) collect_buttons(c["components"], out);
    if (c.contains("accessory")) collect_buttons(json::array({c["accessory"]}), out);
  }
}

void read_target(const json& data, interaction& i) {
  const auto* messages = data.contains("resolved") && data["resolved"].is_object() &&
                                 data["resolved"].contains("messages") &&
                                 data["resolved"]["messages"].is_object()
                             ? &data["resolved"]["messages"]
                             : nullptr;
  if (!messages || !messages->contains(i.target_id)) return;
  const json& m = (*messages)[i.target_id];
  if (!m.is_object()) return;
  if (m.contains("author") && m["author"].is_object())
    i.target_author_id = id_of(m["author"], "id");
  if (m.contains("components")) collect_buttons(m["components"], i.target_buttons);
}
}  // namespace

void from_json(const json& j, interaction& i) {
  i.id = id_of(j, "id");
  i.application_id = id_of(j, "application_id");
  i.token = j.value("token", "");
  i.guild_id = id_of(j, "guild_id");
  i.channel_id = id_of(j, "channel_id");
  i.type = static_cast<interaction_type>(int_at(j, "type", 1));
  if (j.contains("member") && j["member"].is_object() && j["member"].contains("user"))
    i.invoker = j["member"]["user"].get<user>();
  else if (j.contains("user") && j["user"].is_object())
    i.invoker = j["user"].get<user>();
  const json data = j.value("data", json::object());
  i.command_name = data.value("name", "");
  if (data.contains("options")) read_options(data["options"], i.options);
  i.kind = static_cast<command_kind>(int_at(data, "type", 1));
  i.custom_id = data.value("custom_id", "");
  if (data.contains("values") && data["values"].is_array())
    for (const auto& v : data["values"])
      if (v.is_string()) i.values.push_back(v.get<std::string>());
  i.target_id = id_of(data, "target_id");
  if (!i.target_id.empty()) read_target(data, i);
  if (j.contains("message") && j["message"].is_object()) i.message_id = id_of(j["message"], "id");
  if (data.contains("components") && data["components"].is_array())
    for (const auto& row : data["components"])
      for (const auto& c : row.value("components", json::array()))
        if (c.is_object()) i.fields.emplace_back(c.value("custom_id", ""), c.value("value", ""));
}

void from_json(const json& j, message& m) {
  m.id = id_of(j, "id");
  m.channel_id = id_of(j, "channel_id");
  m.guild_id = id_of(j, "guild_id");
  m.content = j.value("content", "");
  if (j.contains("author") && j["author"].is_object()) m.author = j["author"].get<user>();
}

}  // namespace wagbot::protocol::discord
