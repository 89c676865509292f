#pragma once
// The Discord transport's settings, as the configuration gives them (app/config.cpp reads them).
#include <string>
#include <vector>

#include "wagbot/net/tls.hpp"
#include "wagbot/net/url.hpp"

namespace wagbot::discord {

/// The Discord transport; present when the file has a `discord:` section.
struct config {
  bool enabled = false;
  std::string token;  ///< secret (token_env / token_file)
  std::string api_base = "https://discord.com/api/v10";
  net::url api;
  std::string application_id;       ///< optional: learnt from READY otherwise
  std::vector<std::string> guilds;  ///< slash commands are registered here (instantly)
  bool global_commands = false;     ///< also register globally (takes up to an hour)
  bool text_commands = false;       ///< `!wag …` in channels; needs the Message Content intent
  std::string prefix = "!wag";
  int shard_id = 0, shard_count = 1;
  bool compress = false;  ///< gateway zlib-stream compression
  /// Destructive commands (rm, stop, run, install, …) are offered by Discord only to members
  /// with Manage Server until the server's admins change it (Server Settings → Integrations).
  bool restrict_destructive = true;
  /// Also a user-installable app: people add wagbot to their own account and use its slash
  /// commands in DMs and other servers (registered globally).
  bool user_install = false;
};

}  // namespace wagbot::discord
