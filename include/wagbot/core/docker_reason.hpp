#pragma once
// Why a Docker action failed. A WAGMIOS host answers every Docker failure with only
// "exit status 1"; Docker's own words reach only the host's activity feed, in the error event
// of the action. These find that event and put its words plainly.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagbot/protocol/wagmios.hpp"

namespace wagbot::core {

/// The activity event a failed action leaves behind.
struct failed_action {
  std::string type;    ///< "container_action", "image_pull" or "image_delete"
  std::string action;  ///< "start", "stop", "restart", "delete", "create", "pull"
  std::string target;  ///< the reference exactly as it was sent
  std::string agent;   ///< the acting key's last 8 characters
};

/// The event's type and action for a failed call, by the command's own words ("start",
/// "pull", "rmi", ...): nullopt for a call that leaves no such event.
std::optional<failed_action> failed_action_of(std::string_view call, std::string target,
                                              std::string_view key);

/// Docker's words from the newest error event of `what` (events oldest first); nullopt when
/// there is none.
std::optional<std::string> docker_words(const std::vector<protocol::activity_event>& events,
                                        const failed_action& what);

/// Docker's words as a user reads them: what happened in a few plain words, then Docker's
/// own line: "registry unreachable (Get \"https://…\": dial tcp: … no such host)".
std::string plain_docker_reason(std::string_view words);

/// Why `docker compose up` failed, from its output (COMPOSE_UP_FAILED's message): its last
/// line that names an error, put plainly; else its last line.
std::string compose_reason(std::string_view output);

/// A server message as one readable line: its first line that says something, without
/// Docker's "Error response from daemon: " and cut at `most` characters.
std::string one_line(std::string_view message, std::size_t most = 200);

}  // namespace wagbot::core
