#include "wagbot/core/action.hpp"

namespace wagbot::core {

std::vector<std::string> action::option_values(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : options)
    if (key == name) out.push_back(value);
  return out;
}

std::string action::option(const std::string& name) const {
  std::string out;
  for (const auto& [key, value] : options)
    if (key == name) out = value;
  return out;
}

void to_json(nlohmann::json& j, const action& a) {
  j = nlohmann::json{{"command", a.command},
                     {"host", a.host},
                     {"args", a.args},
                     {"options", nlohmann::json::array()}};
  for (const auto& [key, value] : a.options) j["options"].push_back({key, value});
  if (!a.request_id.empty()) j["request_id"] = a.request_id;
}

void from_json(const nlohmann::json& j, action& a) {
  a.command = j.at("command").get<std::string>();
  a.host = j.value("host", "");
  a.args = j.value("args", std::vector<std::string>{});
  a.request_id = j.value("request_id", "");
  a.options.clear();
  if (j.contains("options"))
    for (const auto& pair : j["options"])
      a.options.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
}

}  // namespace wagbot::core
