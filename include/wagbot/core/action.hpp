#pragma once
// An action is one thing a chat line asks for, before any host is called: the unit that
// parsing produces, `explain` prints, confirmations persist and handlers run.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace wagbot::core {

struct action {
  std::string command;            ///< canonical command name, e.g. "restart"
  std::string host;               ///< "@alias" target; "all"; empty = route by room/user default
  std::vector<std::string> args;  ///< positional arguments after the command (and subcommand)
  std::vector<std::pair<std::string, std::string>> options;  ///< ("name","web"), ("p","8080:80")
  std::string request_id;  ///< an agent's request id, echoed in its result
  bool planned = false;    ///< proposed by the LLM planner: whatever writes asks first

  /// All values of option `name`, in order.
  std::vector<std::string> option_values(const std::string& name) const;
  /// The last value of option `name`, or "".
  std::string option(const std::string& name) const;
  bool operator==(const action&) const = default;
};

void to_json(nlohmann::json& j, const action& a);
void from_json(const nlohmann::json& j, action& a);

}  // namespace wagbot::core
