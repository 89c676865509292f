#include "commands/commands.hpp"
#include "commands/lifecycle.hpp"

namespace wagbot::commands {

app::command make_stop() {
  return lifecycle_command("stop", "stopped", "Stop a running container (asks first)", true);
}

}  // namespace wagbot::commands
