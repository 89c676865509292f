#pragma once
// Every chat command, one factory per file. The list in registry.cpp is the only place that
// says which commands exist.
#include <vector>

#include "wagbot/app/command.hpp"

namespace wagbot::commands {

app::command make_help();
app::command make_hosts();
app::command make_status();
app::command make_health();
app::command make_system();
app::command make_activity();
app::command make_ps();
app::command make_inspect();
app::command make_logs();
app::command make_start();
app::command make_stop();
app::command make_restart();
app::command make_rm();
app::command make_run();
app::command make_images();
app::command make_pull();
app::command make_rmi();
app::command make_apps();
app::command make_app();
app::command make_installed();
app::command make_install();
app::command make_templates();
app::command make_template();
app::command make_template_save();
app::command make_key_add();
app::command make_key_remove();
app::command make_key_list();
app::command make_default();
app::command make_audit();
app::command make_alerts();
app::command make_alerts_on();
app::command make_alerts_off();
app::command make_confirm();
app::command make_cancel();

/// A command wagbot answers itself, on no host: `<name> <args…>`.
core::command_spec local_spec(std::string name, std::string summary,
                              std::vector<core::argument_spec> args = {});
/// A command on one host: `<name> <args…> [@host]`.
core::command_spec host_spec(std::string name, std::string summary, std::string scope,
                             std::vector<core::argument_spec> args = {});
/// A listing: `<name> [@host|all]`, run on every host the user holds a key for when no host
/// is named.
core::command_spec listing_spec(std::string name, std::string summary, std::string scope);
/// A command on one container: `<name> <container> [@host]`, the container resolved first.
core::command_spec container_spec(std::string name, std::string summary, std::string scope);

/// All commands, in the order `help` lists them. A spec that leaves its usage empty gets it
/// from its name, arguments and host: `logs <container> [lines] [@host]`.
std::vector<app::command> all();

}  // namespace wagbot::commands
