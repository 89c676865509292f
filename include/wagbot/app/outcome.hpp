#pragma once
// What came of a Docker action, told plainly: why it failed (Docker's words, which a WAGMIOS
// host gives only in its activity feed), and whether a container that was started stays up.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "wagbot/app/command.hpp"
#include "wagbot/core/reply.hpp"

namespace wagbot::app {

/// The reply for a failed `call` ("start", "pull", "rmi", …) on `target`. A Docker failure
/// gets Docker's reason from the watcher's feed or the host's activity list (read with the
/// user's own key when it holds system:read), or says which scope would show it; anything
/// else is command_context::fail.
boost::asio::awaitable<core::chat_reply> failure_reply(command_context& ctx, const error& failure,
                                                       std::string_view call,
                                                       const std::string& target);

/// Which containers a settle check watches, by name.
using watched_names = std::function<bool(const std::string& name)>;

/// Watches the containers the host just started for `timeouts.settle` seconds (a look a
/// second, ended early by a crash): `done` when they stay up, else which of them exited (with
/// its last log lines) or keeps restarting. `verb` is what was done ("started").
boost::asio::awaitable<core::chat_reply> settled(command_context& ctx, watched_names watched,
                                                 std::string verb, core::chat_reply done);

}  // namespace wagbot::app
