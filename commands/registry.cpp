#include "commands/commands.hpp"

namespace wagbot::commands {

namespace {
/// "logs <container> [lines] [@host]": the name, each argument (an optional one in brackets),
/// then where it runs.
std::string usage_of(const core::command_spec& s) {
  std::string out = s.name;
  for (const auto& a : s.args) out += a.required ? " <" + a.name + ">" : " [" + a.name + "]";
  if (s.fans_out) return out + " [@host|all]";
  return s.uses_host ? out + " [@host]" : out;
}
}  // namespace

core::command_spec local_spec(std::string name, std::string summary,
                              std::vector<core::argument_spec> args) {
  core::command_spec s;
  s.name = std::move(name);
  s.summary = std::move(summary);
  s.args = std::move(args);
  return s;
}

core::command_spec host_spec(std::string name, std::string summary, std::string scope,
                             std::vector<core::argument_spec> args) {
  auto s = local_spec(std::move(name), std::move(summary), std::move(args));
  s.scope = std::move(scope);
  s.uses_host = true;
  return s;
}

core::command_spec listing_spec(std::string name, std::string summary, std::string scope) {
  auto s = host_spec(name, std::move(summary), std::move(scope));
  s.examples = {name, name + " @nas", name + " all"};
  s.fans_out = true;
  s.lists = true;
  return s;
}

core::command_spec container_spec(std::string name, std::string summary, std::string scope) {
  auto s = host_spec(
      name, std::move(summary), std::move(scope),
      {{"container", "name or id (a unique prefix is enough)", core::value_kind::container}});
  s.examples = {name + " nginx", name + " nginx @nas"};
  s.targets_container = true;
  return s;
}

std::vector<app::command> all() {
  std::vector<app::command> list{
      make_help(),       make_hosts(),      make_status(),   make_health(),        make_system(),
      make_activity(),   make_ps(),         make_inspect(),  make_logs(),          make_start(),
      make_stop(),       make_restart(),    make_rm(),       make_run(),           make_images(),
      make_pull(),       make_rmi(),        make_apps(),     make_app(),           make_installed(),
      make_install(),    make_templates(),  make_template(), make_template_save(), make_key_add(),
      make_key_remove(), make_key_list(),   make_default(),  make_audit(),         make_alerts(),
      make_alerts_on(),  make_alerts_off(), make_confirm(),  make_cancel()};
  for (auto& c : list)
    if (c.spec.usage.empty()) c.spec.usage = usage_of(c.spec);
  return list;
}

}  // namespace wagbot::commands
