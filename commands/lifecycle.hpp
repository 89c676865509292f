#pragma once
// start, stop and restart differ only in their verb and whether they ask first.
#include <string>

#include "wagbot/app/command.hpp"

namespace wagbot::commands {

/// A container lifecycle command calling `POST /api/containers/{id}/<verb>`.
app::command lifecycle_command(std::string verb, std::string past, std::string summary,
                               bool destructive);

}  // namespace wagbot::commands
