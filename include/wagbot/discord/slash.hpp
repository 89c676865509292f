#pragma once
// Slash commands generated from the command specs, and slash interactions turned back into the
// text command they stand for — so the one grammar validates both.
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "wagbot/core/grammar.hpp"
#include "wagbot/protocol/discord.hpp"

namespace wagbot::discord {

namespace pd = protocol::discord;

/// The bulk-overwrite body: one command per first word; two-word commands ("key add") become
/// subcommands, and a single-word command sharing the word ("template") becomes `show`.
/// How the commands are offered (discord.restrict_destructive and discord.user_install).
struct registration {
  bool restrict_destructive = true;
  bool user_install = false;
};
/// Discord's Manage Server permission: who is offered destructive commands by default.
inline constexpr const char* manage_server = "32";
pd::json application_commands(const std::vector<core::command_spec>& specs, registration how = {});

/// The option name a spec argument gets (lower case, unique within its command).
std::vector<std::string> option_names(const core::command_spec& spec);

/// The spec a slash interaction invokes, and its own options (inside the subcommand).
struct invoked {
  const core::command_spec* spec = nullptr;
  std::vector<pd::command_option> options;
};
invoked find_invoked(const pd::interaction& i, const core::grammar& grammar);

/// The command line a slash command stands for, e.g. "logs \"nginx\" \"20\" @nas".
std::string to_command_line(const invoked& call);

}  // namespace wagbot::discord
