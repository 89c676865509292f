#include "wagbot/core/agent_request.hpp"

#include <algorithm>

namespace wagbot::core {

using nlohmann::json;

namespace {
constexpr std::string_view fence_open = "```wagmios";

std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

/// Action names agents use, mapped to the command that serves them.
std::string command_for(const std::string& action) {
  static const std::vector<std::pair<std::string, std::string>> names = {{"list", "ps"},
                                                                         {"containers", "ps"},
                                                                         {"ps", "ps"},
                                                                         {"inspect", "inspect"},
                                                                         {"logs", "logs"},
                                                                         {"start", "start"},
                                                                         {"stop", "stop"},
                                                                         {"restart", "restart"},
                                                                         {"delete", "rm"},
                                                                         {"remove", "rm"},
                                                                         {"rm", "rm"},
                                                                         {"create", "run"},
                                                                         {"run", "run"},
                                                                         {"images", "images"},
                                                                         {"pull", "pull"},
                                                                         {"delete_image", "rmi"},
                                                                         {"rmi", "rmi"},
                                                                         {"apps", "apps"},
                                                                         {"app", "app"},
                                                                         {"installed", "installed"},
                                                                         {"install", "install"},
                                                                         {"templates", "templates"},
                                                                         {"template", "template"},
                                                                         {"status", "status"},
                                                                         {"scopes", "status"},
                                                                         {"hosts", "hosts"}};
  for (const auto& [name, command] : names)
    if (name == action) return command;
  return {};
}

/// The words one `args` entry adds to the command line; nothing when the command takes no such
/// argument.
std::optional<std::string> words_for(const command_spec& spec, const std::string& key,
                                     const json& v) {
  std::string words;
  if (key == "lines" || key == "tail" || key == "n") return " " + quote(text_of(v));
  if (key == "name" && spec.name == "install") return " as " + quote(text_of(v));
  if (key == "env" && v.is_object()) {
    for (auto e = v.begin(); e != v.end(); ++e)
      words += spec.name == "install" ? " " + quote(e.key() + "=" + text_of(e.value()))
                                      : " --env " + quote(e.key() + "=" + text_of(e.value()));
    return words;
  }
  if (key == "ports" && v.is_object()) {
    for (auto p = v.begin(); p != v.end(); ++p)
      words += " --publish " + quote(p.key() + ":" + text_of(p.value()));
    return words;
  }
  if (key == "ports" && v.is_array()) {
    for (const auto& p : v) words += " --publish " + quote(text_of(p));
    return words;
  }
  if (key == "search" || key == "category") return " " + quote(text_of(v));
  for (const auto& o : spec.options)
    if (o.name == key) return " --" + key + " " + quote(text_of(v));
  return std::nullopt;
}

agent_request refused(agent_request out, reply_code code, std::string message) {
  out.error_code = code;
  out.error_message = std::move(message);
  return out;
}

agent_request one(const json& r, const grammar& g) {
  agent_request out;
  if (!r.is_object())
    return refused(out, reply_code::invalid_request, "each request must be a JSON object");
  out.id = r.contains("id") ? text_of(r["id"]) : "";
  if (!r.contains("action") || !r["action"].is_string())
    return refused(out, reply_code::invalid_request, "`action` (a string) is required");
  const auto name = r["action"].get<std::string>();
  const auto command = command_for(name);
  const command_spec* spec = command.empty() ? nullptr : g.find(command);
  if (!spec) return refused(out, reply_code::unknown_action, "unknown action `" + name + "`");
  for (const char* key : {"host", "target"})
    if (r.contains(key) && !r[key].is_string())
      return refused(out, reply_code::invalid_request,
                     std::string("`") + key + "` must be a string");
  const json args = r.value("args", json::object());
  if (!args.is_object())
    return refused(out, reply_code::invalid_request, "`args` must be an object");
  // The request becomes the command line a person would type; the grammar checks it.
  std::string line = spec->name;
  if (r.contains("target")) line += " " + quote(r["target"].get<std::string>());
  for (auto it = args.begin(); it != args.end(); ++it) {
    auto words = words_for(*spec, it.key(), it.value());
    if (!words)
      return refused(out, reply_code::invalid_request,
                     "`" + name + "` takes no argument `" + it.key() + "`");
    line += *words;
  }
  if (r.contains("host")) {
    auto host = r["host"].get<std::string>();
    if (!host.empty() && host[0] == '@') host.erase(0, 1);
    if (!host.empty()) line += " @" + host;
  }
  auto parsed = g.parse(line);
  if (!parsed) return refused(out, reply_code::invalid_request, parsed.error().message);
  out.act = *parsed;
  return out;
}

std::vector<agent_request> many(const json& doc, const grammar& g) {
  std::vector<agent_request> out;
  const json* list = &doc;
  if (doc.is_object() && doc.contains("requests")) list = &doc["requests"];
  if (list->is_array()) {
    if (list->empty())
      out.push_back(
          {"", std::nullopt, reply_code::invalid_request, "the list of requests is empty"});
    for (const auto& r : *list) out.push_back(one(r, g));
  } else {
    out.push_back(one(*list, g));
  }
  return out;
}
}  // namespace

bool has_agent_block(std::string_view text) {
  for (auto pos = text.find(fence_open); pos != std::string_view::npos;
       pos = text.find(fence_open, pos + 1)) {
    const auto after = pos + fence_open.size();
    if (after >= text.size() || text[after] == '\n' || text[after] == ' ' || text[after] == '\r')
      return true;
  }
  return false;
}

std::vector<agent_request> parse_agent_requests(std::string_view text, const grammar& g) {
  std::vector<agent_request> out;
  std::size_t pos = 0;
  while ((pos = text.find(fence_open, pos)) != std::string_view::npos) {
    auto start = pos + fence_open.size();
    if (start < text.size() && text[start] != '\n' && text[start] != ' ' && text[start] != '\r') {
      pos = start;  // ```wagmios-result and the like are not requests
      continue;
    }
    const auto end = text.find("```", start);
    const auto body =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto doc = json::parse(body, nullptr, false);
    if (doc.is_discarded())
      out.push_back(
          {"", std::nullopt, reply_code::invalid_json, "the wagmios block is not valid JSON"});
    else
      for (auto& r : many(doc, g)) out.push_back(std::move(r));
    if (end == std::string_view::npos) break;
    pos = end + 3;
  }
  return out;
}

std::vector<agent_request> parse_agent_json(const json& value, const grammar& g) {
  return many(value, g);
}

json result_of(const std::string& id, const chat_reply& reply) {
  json data{{"text", reply.plain()}, {"tables", json::array()}};
  for (const auto& b : reply.blocks)
    if (b.type == block::kind::table)
      data["tables"].push_back({{"headers", b.grid.headers}, {"rows", b.grid.rows}});
  json out{{"id", id}, {"status", "ok"}, {"data", data}, {"error", nullptr}};
  if (!reply.confirmation_id.empty()) {
    out["status"] = "pending_confirmation";
    out["confirmation_id"] = reply.confirmation_id;
  } else if (reply.mood == tone::error) {
    out["status"] = "error";
    const auto code = reply.error_code == reply_code::none ? "FAILED" : to_string(reply.error_code);
    out["error"] = {{"code", code}, {"message", reply.plain()}};
  }
  return out;
}

bool carries_result(const chat_reply& reply) {
  return std::any_of(reply.blocks.begin(), reply.blocks.end(),
                     [](const block& b) { return b.lang == result_lang; });
}

std::string result_block(const json& result) {
  const auto status = result.value("status", "");
  std::string line;
  const auto id = result.value("id", "");
  const auto text = result["data"].value("text", "");
  const auto first_line = text.substr(0, text.find('\n'));
  if (status == "ok")
    line = "✅ " + (id.empty() ? "" : id + ": ") + first_line;
  else if (status == "pending_confirmation")
    line = "⏳ " + (id.empty() ? "" : id + ": ") + "waiting for a human to confirm.";
  else
    line = "❌ " + (id.empty() ? "" : id + ": ") + result["error"].value("message", "failed");
  return line + "\n```" + std::string(result_lang) + "\n" + result.dump() + "\n```";
}

}  // namespace wagbot::core
