#include "commands/commands.hpp"

namespace wagbot::commands {

core::command_spec listing_spec(std::string name, std::string summary, std::string scope) {
  core::command_spec s;
  s.usage = name + " [@host|all]";
  s.examples = {name, name + " @nas", name + " all"};
  s.name = std::move(name);
  s.summary = std::move(summary);
  s.scope = std::move(scope);
  s.uses_host = true;
  s.fans_out = true;
  s.lists = true;
  return s;
}

core::command_spec container_spec(std::string name, std::string summary, std::string scope) {
  core::command_spec s;
  s.usage = name + " <container> [@host]";
  s.examples = {name + " nginx", name + " nginx @nas"};
  s.args = {{"container", "name or id (a unique prefix is enough)", core::value_kind::container}};
  s.name = std::move(name);
  s.summary = std::move(summary);
  s.scope = std::move(scope);
  s.uses_host = true;
  s.targets_container = true;
  return s;
}

std::vector<app::command> all() {
  return {
      make_help(),       make_hosts(),      make_status(),   make_health(),        make_system(),
      make_activity(),   make_ps(),         make_inspect(),  make_logs(),          make_start(),
      make_stop(),       make_restart(),    make_rm(),       make_run(),           make_images(),
      make_pull(),       make_rmi(),        make_apps(),     make_app(),           make_installed(),
      make_install(),    make_templates(),  make_template(), make_template_save(), make_key_add(),
      make_key_remove(), make_key_list(),   make_default(),  make_audit(),         make_alerts(),
      make_alerts_on(),  make_alerts_off(), make_confirm(),  make_cancel()};
}

}  // namespace wagbot::commands
