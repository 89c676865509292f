#include "config_yaml.hpp"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace wagbot::app::config_yaml {

void only_keys(const YAML::Node& node, const std::string& where,
               const std::set<std::string>& allowed, context& ctx) {
  if (!node.IsMap()) throw config_error(where.empty() ? "(top level)" : where, "must be a mapping");
  for (const auto& item : node) {
    // A key that is a list or a mapping (`? [a]: 1`) cannot be converted: say so, never throw
    // yaml-cpp's conversion error past load_config (found by tests/fuzz/config).
    if (!item.first.IsScalar())
      throw config_error(where.empty() ? "(top level)" : where, "keys must be plain words");
    const auto key = item.first.as<std::string>();
    const auto shown = key.empty() ? std::string("\"\"") : key;  // `? !` is an empty key
    if (!allowed.count(key))
      ctx.problems.emplace_back(where.empty() ? shown : where + "." + shown,
                                "unknown key (misspelt?)");
  }
}

void optional_flag(const YAML::Node& section, const std::string& where, const char* key, bool& out,
                   context& ctx) {
  ctx.check([&] {
    const std::string name = where.empty() ? std::string(key) : where + "." + key;
    if (section[key]) out = scalar<bool>(section[key], name, "true or false");
  });
}

net::url http_url(const YAML::Node& node, const std::string& key, std::string& text,
                  const char* hint) {
  if (!node) throw config_error(key, std::string("is required") + hint);
  text = scalar<std::string>(node, key, "a URL");
  auto parsed = net::parse_url(text);
  if (!parsed || parsed->websocket()) throw config_error(key, "must be an http:// or https:// URL");
  return *parsed;
}

std::vector<std::string> strings(const YAML::Node& node, const std::string& key) {
  if (!node) return {};
  if (node.IsScalar()) return {node.as<std::string>()};
  if (!node.IsSequence()) throw config_error(key, "must be a string or a list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(scalar<std::string>(node[i], key + "[" + std::to_string(i) + "]", "a string"));
  return out;
}

int positive(const YAML::Node& node, const std::string& key, int fallback) {
  if (!node) return fallback;
  int value = scalar<int>(node, key, "a whole number");
  if (value <= 0) throw config_error(key, "must be greater than zero");
  return value;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool names_secret(const YAML::Node& node, const std::string& name) {
  return node[name + "_env"] || node[name + "_file"];
}

bool is_matrix_id(const std::string& id) {
  static const std::regex mxid_re(R"(^@[^:\s]+:[^\s]+$)");
  return std::regex_match(id, mxid_re);
}

std::string secret_from(const YAML::Node& node, const std::string& where, const std::string& name,
                        const context& ctx) {
  const auto env_key = name + "_env";
  const auto file_key = name + "_file";
  if (node[env_key] && node[file_key])
    throw config_error(where, "give " + env_key + " or " + file_key + ", not both");
  if (node[name])
    throw config_error(where + "." + name,
                       "secrets are not written in the config; use " + env_key + " or " + file_key);
  if (!ctx.options.secrets) return {};
  if (node[env_key]) {
    const auto var = scalar<std::string>(node[env_key], where + "." + env_key, "a variable name");
    const char* value = std::getenv(var.c_str());
    if (!value || !*value)
      throw config_error(where + "." + env_key, "environment variable " + var + " is not set");
    return value;
  }
  if (node[file_key]) {
    std::filesystem::path file =
        scalar<std::string>(node[file_key], where + "." + file_key, "a path");
    if (file.is_relative()) file = ctx.base / file;
    std::ifstream in(file);
    if (!in) throw config_error(where + "." + file_key, "cannot read " + file.string());
    std::stringstream ss;
    ss << in.rdbuf();
    auto value = ss.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' '))
      value.pop_back();
    if (value.empty()) throw config_error(where + "." + file_key, file.string() + " is empty");
    return value;
  }
  return {};
}

std::filesystem::path existing_file(const YAML::Node& node, const std::string& key,
                                    const std::filesystem::path& base) {
  std::filesystem::path file = scalar<std::string>(node, key, "a path");
  if (file.is_relative()) file = base / file;
  if (!std::filesystem::exists(file)) throw config_error(key, "no such file " + file.string());
  return file;
}

}  // namespace wagbot::app::config_yaml
