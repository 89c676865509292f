#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
std::string share(std::uint64_t used, std::uint64_t total) {
  if (total == 0) return size_text(used);
  return size_text(used) + " of " + size_text(total) + " (" +
         std::to_string(static_cast<int>(
             100.0 * static_cast<double>(used) / static_cast<double>(total) + 0.5)) +
         "%)";
}

boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action&) {
  auto m = co_await ctx.host.api->system_metrics(ctx.host.key);
  if (!m) co_return ctx.fail(m.error());
  auto info = co_await ctx.host.api->system_info(ctx.host.key);
  char cpu[16];
  std::snprintf(cpu, sizeof cpu, "%.1f%%", m->cpu_usage);
  core::chat_reply r;
  r.text("@" + ctx.host.alias + " has been up " + duration_text(m->uptime) + ".");
  r.text("CPU " + std::string(cpu) + " (average since boot) · memory " +
         share(m->memory_used, m->memory_total) + " · disk " + share(m->disk_used, m->disk_total) +
         (info && info->is_object() && info->contains("docker_root") &&
                  (*info)["docker_root"].is_string()
              ? " · Docker root " + (*info)["docker_root"].get<std::string>()
              : ""));
  co_return r;
}
}  // namespace

app::command make_system() {
  auto s =
      listing_spec("system", "A host's CPU, memory, disk, uptime and Docker root", "system:read");
  s.aliases = {"sys", "resources"};
  return {s, run};
}

}  // namespace wagbot::commands
