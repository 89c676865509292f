// wagbot's command line: run, shell, explain, check-config, health, version.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "commands/commands.hpp"
#include "wagbot/app/app.hpp"
#include "wagbot/app/log_sink.hpp"
#include "wagbot/app/observability.hpp"
#include "wagbot/core/agent_request.hpp"
#include "wagbot/core/grammar.hpp"
#include "wagbot/core/intents.hpp"
#include "wagbot/core/planner.hpp"
#include "wagbot/shell/shell.hpp"

namespace {

constexpr int exit_config = 2;

/// The config in `file`; every problem in it is printed, one a line, and ends the process.
wagbot::app::config load_or_exit(const std::string& file,
                                 const wagbot::app::load_options& options = {}) {
  try {
    return wagbot::app::load_config(file, options);
  } catch (const wagbot::app::config_error& e) {
    const auto* many = dynamic_cast<const wagbot::app::config_errors*>(&e);
    const std::vector<wagbot::app::config_error> one{e};
    const auto& all = many ? many->all() : one;
    for (const auto& problem : all)
      std::cerr << "wagbot: config error in " << file << ": " << problem.what() << "\n";
    if (all.size() > 1) std::cerr << "wagbot: " << all.size() << " problems in " << file << "\n";
    std::exit(exit_config);
  }
}

/// The data folder exists and can be written; otherwise says why, as a config error. A relative
/// data_dir is read from the config file's folder, which systemd units often make read-only.
bool data_dir_ready(const wagbot::app::config& cfg) {
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  if (!ec && ::access(cfg.data_dir.c_str(), W_OK) != 0) ec.assign(errno, std::generic_category());
  if (!ec) return true;
  std::cerr << "wagbot: config error in " << cfg.path.string() << ": data_dir: cannot write "
            << cfg.data_dir.string() << ": " << ec.message() << "\n";
  if (std::getenv("INVOCATION_ID"))  // set by systemd for the processes of a unit
    std::cerr << "wagbot: under systemd, give data_dir as an absolute path the unit may write, "
                 "e.g. data_dir: /var/lib/wagbot (StateDirectory=wagbot)\n";
  return false;
}

/// `wagbot explain`: what a line would turn into, as JSON, without running anything.
class explainer {
 public:
  explainer(std::optional<wagbot::app::config> cfg) : cfg_(std::move(cfg)), grammar_(specs()) {
    // Host descriptions ("the nas") come from the config when one is given.
    if (cfg_)
      for (const auto& h : cfg_->hosts) hosts_.push_back({h.alias, h.description});
  }

  int run(const std::string& text, bool ask_model) const {
    if (wagbot::core::has_agent_block(text)) return agent_requests(text);
    auto line = wagbot::core::read_line(
        text, [&] { return hosts_; }, grammar_);
    if (line.plan) {
      nlohmann::json out{{"ok", line.plan->question.empty()}, {"actions", nlohmann::json::array()}};
      if (!line.plan->question.empty()) out["question"] = line.plan->question;
      for (const auto& a : line.plan->actions) out["actions"].push_back(describe(a));
      return print(out);
    }
    // The planner calls out to a model, so it is asked only on request.
    if (line.error && cfg_ && cfg_->planner.enabled &&
        wagbot::core::worth_planning(text, *line.error))
      return planned(text, *line.error, ask_model);
    if (line.error)
      return print({{"ok", false},
                    {"error", line.error->message},
                    {"usage", line.error->usage},
                    {"actions", nlohmann::json::array()}});
    return print({{"ok", true}, {"actions", nlohmann::json::array({describe(*line.command)})}});
  }

 private:
  static std::vector<wagbot::core::command_spec> specs() {
    std::vector<wagbot::core::command_spec> out;
    for (const auto& c : wagbot::commands::all()) out.push_back(c.spec);
    return out;
  }

  /// Prints the answer; the exit code is 0 when it is "ok".
  static int print(const nlohmann::json& out) {
    std::cout << out.dump(2) << "\n";
    return out.value("ok", false) ? 0 : 1;
  }

  nlohmann::json describe(const wagbot::core::action& act) const {
    const auto* spec = grammar_.find(act.command);
    nlohmann::json a = act;
    a["scope"] = spec->scope;
    a["destructive"] = spec->destructive;
    a["runs_on_host"] = spec->uses_host;
    return a;
  }

  int agent_requests(const std::string& text) const {
    nlohmann::json out{
        {"ok", true}, {"actions", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
    for (const auto& req : wagbot::core::parse_agent_requests(text, grammar_)) {
      if (req.act) {
        auto a = describe(*req.act);
        a["request_id"] = req.id;
        out["actions"].push_back(a);
      } else {
        out["ok"] = false;
        out["errors"].push_back({{"id", req.id},
                                 {"code", wagbot::core::to_string(req.error_code)},
                                 {"message", req.error_message}});
      }
    }
    return print(out);
  }

  int planned(const std::string& text, const wagbot::core::parse_error& error,
              bool ask_model) const {
    if (!ask_model)
      return print({{"ok", false},
                    {"error", error.message},
                    {"usage", error.usage},
                    {"actions", nlohmann::json::array()},
                    {"planner", "not asked; add --planner to ask the configured model"}});
    auto log = wagbot::core::logger(wagbot::core::log_level::warn, wagbot::app::stream_sink(false),
                                    "planner");
    auto plan = wagbot::app::ask_once(cfg_->planner, text, hosts_, grammar_, log);
    nlohmann::json out{{"ok", false}, {"planner", true}, {"actions", nlohmann::json::array()}};
    if (!plan) {
      out["error"] = "the model " + plan.error().message;
      out["usage"] = error.usage;
    } else if (!plan->refusal.empty()) {
      out["error"] = "refused: " + plan->refusal;
    } else if (plan->actions.empty()) {
      out["question"] = plan->words;
    } else {
      out["ok"] = true;
      for (const auto& act : plan->actions) {
        auto a = describe(act);
        a["planned"] = true;
        out["actions"].push_back(a);
      }
    }
    return print(out);
  }

  std::optional<wagbot::app::config> cfg_;
  wagbot::core::grammar grammar_;
  std::vector<wagbot::core::host_words> hosts_;
};

int explain(const std::string& text, const std::string& config_file, bool ask_model) {
  std::optional<wagbot::app::config> cfg;
  if (!config_file.empty()) cfg = load_or_exit(config_file);
  if (ask_model && (!cfg || !cfg->planner.enabled)) {
    std::cerr << "wagbot: --planner needs -c FILE with a `planner:` section\n";
    return exit_config;
  }
  return explainer(std::move(cfg)).run(text, ask_model);
}

/// The shell id `wagbot shell` speaks as: --as (a user's name or shell id), else $USER when
/// it is a shell id, else the first user with one. Nothing (after saying why) when none fits.
std::optional<std::string> shell_sender(const wagbot::app::config& c, const std::string& as) {
  if (!as.empty()) {
    if (const auto* u = c.find_user(as); u && !u->ids_on("shell").empty())
      return u->ids_on("shell").front();
    if (c.user_by_network_id("shell", as)) return as;
    std::cerr << "wagbot: no user `" << as << "` with a shell id in the config\n";
    return std::nullopt;
  }
  const char* login = std::getenv("USER");
  if (login && c.user_by_network_id("shell", login)) return std::string(login);
  for (const auto& u : c.users)
    if (!u.ids_on("shell").empty()) return u.ids_on("shell").front();
  std::cerr << "wagbot: no user has a `shell` id in the config; add one or pass --as\n";
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"wagbot — chat-ops for WAGMIOS hosts, from Matrix, Discord or a terminal"};
  cli.require_subcommand(1);
  std::string config_file = "wagbot.yaml";

  auto* run = cli.add_subcommand("run", "Run the daemon");
  run->add_option("-c,--config", config_file, "Configuration file")->capture_default_str();

  std::string as;
  auto* shell = cli.add_subcommand("shell", "Chat with the bot in this terminal");
  shell->add_option("-c,--config", config_file, "Configuration file")->capture_default_str();
  shell->add_option("--as", as, "Act as this user (users[].name or users[].shell)");
  bool echo = false;
  shell->add_flag("--echo", echo, "Print each input line before its answer");

  std::string text;
  auto* explain_cmd =
      cli.add_subcommand("explain", "Print, as JSON, the actions a message would turn into");
  explain_cmd->add_option("text", text, "The message")->required();
  std::string explain_config;
  explain_cmd->add_option("-c,--config", explain_config,
                          "Configuration file (for host descriptions)");
  bool explain_planner = false;
  explain_cmd->add_flag(
      "--planner", explain_planner,
      "Ask the configured LLM planner about text nothing else understands (calls out)");

  std::string check_file;
  auto* check = cli.add_subcommand("check-config", "Validate a configuration file (exit 2 if bad)");
  check->add_option("file", check_file, "Configuration file")->required();

  bool ready = false;
  auto* health = cli.add_subcommand(
      "health",
      "Ask a running wagbot's observability listener if it is healthy (exit 0) or not (1)");
  health->add_option("-c,--config", config_file, "Configuration file")->capture_default_str();
  health->add_flag("--ready", ready,
                   "Ask /readyz (every chat transport connected) instead of /healthz");

  auto* version = cli.add_subcommand("version", "Print the version");

  CLI11_PARSE(cli, argc, argv);

  if (*version) {
    std::cout << "wagbot " << WAGBOT_VERSION << "\n";
    return 0;
  }
  if (*explain_cmd) return explain(text, explain_config, explain_planner);
  if (*check) {
    auto cfg = load_or_exit(check_file);
    std::cout << "config ok: " << cfg.hosts.size() << " host(s), " << cfg.users.size()
              << " user(s), data in " << cfg.data_dir.string() << "\n";
    return 0;
  }
  // Asking the listener needs no secret: the operator's shell need not hold the bot's.
  if (*health)
    return wagbot::app::health_check(load_or_exit(config_file, {.secrets = false}), ready);

  auto cfg = load_or_exit(config_file);
  if (!data_dir_ready(cfg)) return exit_config;
  try {
    wagbot::app::application app(std::move(cfg));
    if (*run) return app.run();

    const auto sender = shell_sender(app.cfg(), as);
    if (!sender) return exit_config;
    const bool terminal = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
    wagbot::shell::options opts{*sender, static_cast<bool>(::isatty(STDIN_FILENO)), echo, terminal};
    return app.run_shell(std::cin, std::cout, opts);
  } catch (const std::exception& e) {
    std::cerr << "wagbot: " << e.what() << "\n";
    return 1;
  }
}
