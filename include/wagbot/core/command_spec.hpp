#pragma once
// What a chat command is, as data: the specs drive the text parser, `help`, `explain`, the
// policy checks and (later) Discord slash-command registration and autocomplete.
#include <string>
#include <vector>

namespace wagbot::core {

/// What kind of value an argument takes; transports use it for completion.
enum class value_kind { text, container, image, app, host, integer, template_name, json };

struct argument_spec {
  std::string name;
  std::string description;
  value_kind kind = value_kind::text;
  bool required = true;
  bool variadic = false;  ///< takes every remaining word
};

struct option_spec {
  std::string name;        ///< long name, "name" for --name
  char short_name = 0;     ///< 'p' for -p
  std::string value_name;  ///< shown in usage, e.g. "host:container"
  std::string description;
  bool repeatable = false;
};

struct command_spec {
  std::string name;
  std::vector<std::string> aliases;
  std::string summary;  ///< one line for `help`
  std::string usage;    ///< e.g. "logs <container> [lines]"
  std::vector<argument_spec> args;
  std::vector<option_spec> options;
  std::string scope;       ///< WAGMIOS scope it needs; empty = runs locally
  bool uses_host = false;  ///< talks to a WAGMIOS host
  bool fans_out = false;   ///< accepts `all`
  bool lists = false;  ///< a read-only listing: with no host named it runs on every host (`all`)
  bool destructive = false;        ///< asks a human to confirm first
  bool targets_container = false;  ///< args[0] is a container: resolve it, check protection
  bool admin_only = false;
  bool raw_tail = false;  ///< the last argument takes the rest of the line verbatim
  std::vector<std::string> examples;

  /// Changes something on a host (so it is audited, and a model's plan of it is confirmed).
  bool writes() const {
    return destructive || scope.find(":write") != std::string::npos ||
           scope.find(":delete") != std::string::npos;
  }
};

}  // namespace wagbot::core
