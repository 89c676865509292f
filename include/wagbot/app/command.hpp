#pragma once
// A chat command: its spec (data) and its handler. One file per command under commands/.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "wagbot/core/action.hpp"
#include "wagbot/core/command_spec.hpp"
#include "wagbot/core/reply.hpp"
#include "wagbot/protocol/wagmios.hpp"

namespace wagbot::wagmios {
class client;
}

namespace wagbot::app {

class engine;
class dispatcher;

/// Who asked, and where.
struct requester {
  std::string network, room, sender;  ///< as the transport saw them
  std::string user;                   ///< the configured wagbot user
  bool admin = false, agent = false, direct = false;
};

/// The host a command runs on, with the requester's own key for it.
struct host_call {
  std::string alias;
  wagmios::client* api = nullptr;
  std::string key;
};

struct command_context {
  engine& eng;
  dispatcher& dispatch;
  const requester& who;
  const core::command_spec& spec;
  host_call host;                             ///< set when spec.uses_host
  std::optional<protocol::container> target;  ///< set when spec.targets_container resolved it
  /// The container argument as the server should get it: resolved name, or what was typed.
  std::string target_name(const core::action& act) const;
  /// The reply for a failed call on this host. A SCOPE_REQUIRED answer also drops the cached
  /// scopes: the server is authoritative.
  core::chat_reply fail(const error& failure) const;
};

using handler =
    std::function<boost::asio::awaitable<core::chat_reply>(command_context&, const core::action&)>;

/// Checks a command's arguments as the host would, before anything is asked or run: the
/// refusal to show, or nothing when the command may go on. May ask the host (read-only), and
/// may put an argument in the host's own form (an app's catalogue id for the way it was said),
/// which is then what is asked about and run.
using checker = std::function<boost::asio::awaitable<std::optional<core::chat_reply>>(
    command_context&, core::action&)>;

struct command {
  core::command_spec spec;
  handler run;
  checker check;  ///< optional; runs before a confirmation is asked
};

}  // namespace wagbot::app
