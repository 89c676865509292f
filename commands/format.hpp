#pragma once
// Small helpers shared by the commands' replies.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagbot/app/command.hpp"
#include "wagbot/core/action.hpp"
#include "wagbot/core/reply.hpp"
#include "wagbot/protocol/wagmios.hpp"

namespace wagbot::commands {

/// The first 12 characters of a container or image id, as `docker ps` shows them.
std::string short_id(const std::string& id);
/// "8080→80/tcp, 8443→443/tcp"
std::string ports_text(const std::vector<protocol::port_binding>& ports);
/// "running" with a marker people can scan: ● running, ○ exited, ◐ restarting…
std::string status_text(const std::string& status);
/// A host alias as people type it ("@NAS", "nas") in its stored form ("nas").
std::string host_alias(std::string text);
/// A size in bytes as people read it: "2.9 GiB", "512 MiB", "740 B".
std::string size_text(std::uint64_t bytes);
/// A span of seconds as people read it: "3 days 4 h", "5 h 12 min", "42 s".
std::string duration_text(std::uint64_t seconds);
/// The count at `act.args[index]` (`fallback` when absent); nullopt when it is not a whole
/// number from 1 to `most`.
std::optional<int> count_arg(const core::action& act, std::size_t index, int fallback, int most);
/// The refusal for such a count: "[lines] must be between 1 and 1000."
core::chat_reply count_refused(std::string_view name, int most);
/// `r`, shown only to the one who asked.
core::chat_reply privately(core::chat_reply r);
/// The reply for a failed call on the host: `expected` when it failed as `kind` (a failure the
/// command words itself, such as an unknown name), else command_context::fail's.
core::chat_reply failed(const app::command_context& ctx, const error& failure, errc kind,
                        core::chat_reply expected);
/// The reply for a listing with nothing to show: its call failed (command_context::fail), or
/// the host has none of `what` ("No containers on @nas."); nullopt when there is a list.
std::optional<core::chat_reply> nothing_listed(const app::command_context& ctx, const auto& list,
                                               std::string_view what) {
  if (!list) return ctx.fail(list.error());
  if (list->empty())
    return core::say(core::tone::info, "No " + std::string(what) + " on @" + ctx.host.alias + ".");
  return std::nullopt;
}
/// "No app `x` in the marketplace of @nas. `apps <words>` searches it."
core::chat_reply no_such_app(const app::command_context& ctx, const std::string& app_id);
/// Joins with ", ".
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

}  // namespace wagbot::commands
