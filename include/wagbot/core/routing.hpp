#pragma once
// Which host(s) an action goes to: `@alias`/`on alias`, `all`, the room's default, the user's
// only host, or, for a command that can run on several, every host the user holds a key for.
#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

namespace wagbot::core {

/// Chooses the target hosts among the aliases the user holds keys for (sorted).
/// The error is the text to show the user.
boost::system::result<std::vector<std::string>, std::string> route(
    const std::string& requested, const std::optional<std::string>& room_default,
    const std::vector<std::string>& user_hosts, bool fan_out_allowed,
    bool every_host_by_default = false);

}  // namespace wagbot::core
