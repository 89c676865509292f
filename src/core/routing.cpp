#include "wagbot/core/routing.hpp"

#include <algorithm>

#include "wagbot/core/spelling.hpp"

namespace wagbot::core {

namespace {
std::string listing(const std::vector<std::string>& hosts) {
  std::string out;
  for (const auto& h : hosts) out += (out.empty() ? "@" : ", @") + h;
  return out;
}

}  // namespace

boost::system::result<std::vector<std::string>, std::string> route(
    const std::string& requested, const std::optional<std::string>& room_default,
    const std::vector<std::string>& user_hosts, bool fan_out_allowed, bool every_host_by_default) {
  using out = boost::system::result<std::vector<std::string>, std::string>;
  if (user_hosts.empty())
    return out{
        boost::system::in_place_error,
        "You have no WAGMIOS keys yet: add one with `key add <host> <wag_live_…>` in a direct chat "
        "with me (on Discord, `/key add` opens a private form)."};
  auto holds = [&](const std::string& alias) {
    return std::find(user_hosts.begin(), user_hosts.end(), alias) != user_hosts.end();
  };
  if (requested == "all") {
    if (!fan_out_allowed)
      return out{boost::system::in_place_error, "This command runs on one host at a time."};
    return user_hosts;
  }
  if (!requested.empty()) {
    if (holds(requested)) return std::vector<std::string>{requested};
    std::vector<spelling> mine;
    for (const auto& h : user_hosts) mine.push_back({h, {h}});
    if (auto guess = the_one_meant(requested, mine); !guess.empty())
      return out{boost::system::in_place_error,
                 "You have no key for `" + requested + "`: did you mean @" + guess + "?"};
    return out{boost::system::in_place_error,
               "You have no key for `" + requested + "`. Your hosts: " + listing(user_hosts) + "."};
  }
  if (room_default && holds(*room_default)) return std::vector<std::string>{*room_default};
  // A listing names no host: "ps" asks every host the user holds a key for.
  if (user_hosts.size() == 1 || every_host_by_default) return user_hosts;
  return out{boost::system::in_place_error, "Which host? Add one of " + listing(user_hosts) +
                                                (fan_out_allowed ? " or @all" : "") +
                                                ", or set this room's with `default <host>`."};
}

}  // namespace wagbot::core
