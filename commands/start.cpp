#include "commands/commands.hpp"
#include "commands/lifecycle.hpp"

namespace wagbot::commands {

app::command make_start() {
  return lifecycle_command("start", "started", "Start a stopped container", false);
}

}  // namespace wagbot::commands
