#include "commands/commands.hpp"
#include "commands/lifecycle.hpp"

namespace wagbot::commands {

app::command make_restart() {
  return lifecycle_command("restart", "restarted", "Restart a container", false);
}

}  // namespace wagbot::commands
