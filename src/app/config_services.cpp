// The sections for what the bot talks to: Matrix, Discord, alerts, the observability
// listener and the LLM planner.
#include <boost/asio/ip/address.hpp>

#include <regex>

#include "config_yaml.hpp"

namespace wagbot::app::config_yaml {

namespace {

// "127.0.0.1:9464" or "[::1]:9464"; the address must be an IP literal (no name lookups).
void read_listen(const std::string& text, observability_config& out) {
  const auto colon = text.rfind(':');
  std::string address = colon == std::string::npos ? std::string{} : text.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  const auto port_text = colon == std::string::npos ? std::string{} : text.substr(colon + 1);
  boost::system::error_code ec;
  boost::asio::ip::make_address(address, ec);
  if (address.empty() || ec)
    throw config_error("observability.listen",
                       "must be an IP address and a port, like 127.0.0.1:9464");
  int port = -1;
  if (!port_text.empty() && port_text.size() <= 5 &&
      port_text.find_first_not_of("0123456789") == std::string::npos)
    port = std::stoi(port_text);
  if (port < 0 || port > 65535)
    throw config_error("observability.listen", "the port must be a number from 0 to 65535");
  out.address = address;
  out.port = static_cast<std::uint16_t>(port);
}

void read_matrix_options(const YAML::Node& m, context& ctx, matrix_config& mc) {
  ctx.check([&] {
    if (m["device_id"])
      mc.device_id = scalar<std::string>(m["device_id"], "matrix.device_id", "a string");
  });
  ctx.check([&] {
    if (!m["prefix"]) return;
    mc.prefix = scalar<std::string>(m["prefix"], "matrix.prefix", "a string");
    if (mc.prefix.empty() || mc.prefix.find(' ') != std::string::npos)
      throw config_error("matrix.prefix", "must be one word, e.g. !wag");
  });
  ctx.check([&] {
    mc.allowed_inviters = strings(m["allowed_inviters"], "matrix.allowed_inviters");
    for (std::size_t i = 0; i < mc.allowed_inviters.size(); ++i) {
      const auto& a = mc.allowed_inviters[i];
      if (a != "*" && !is_matrix_id(a) && (a.size() < 2 || a[0] != ':'))
        ctx.problems.emplace_back("matrix.allowed_inviters[" + std::to_string(i) + "]",
                                  "must be @user:server, :server or *");
    }
  });
  ctx.check([&] {
    mc.sync_timeout_ms = positive(m["sync_timeout_ms"], "matrix.sync_timeout_ms", 30000);
  });
  ctx.check([&] {
    mc.max_command_age_seconds = positive(m["max_command_age"], "matrix.max_command_age", 600);
  });
}

void read_discord_options(const YAML::Node& d, context& ctx, discord_config& dc) {
  for (auto [key, flag] : {std::pair{"global_commands", &dc.global_commands},
                           {"text_commands", &dc.text_commands},
                           {"compress", &dc.compress},
                           {"restrict_destructive", &dc.restrict_destructive},
                           {"user_install", &dc.user_install}})
    optional_flag(d, "discord", key, *flag, ctx);
  ctx.check([&] {
    if (d["prefix"]) dc.prefix = scalar<std::string>(d["prefix"], "discord.prefix", "a string");
  });
  ctx.check([&] {
    const auto shard = d["shard"];
    if (!shard) return;
    if (!shard.IsSequence() || shard.size() != 2)
      throw config_error("discord.shard", "must be [shard_id, shard_count]");
    dc.shard_id = scalar<int>(shard[0], "discord.shard[0]", "a whole number");
    dc.shard_count = scalar<int>(shard[1], "discord.shard[1]", "a whole number");
    if (dc.shard_count < 1 || dc.shard_id < 0 || dc.shard_id >= dc.shard_count)
      throw config_error("discord.shard", "needs 0 <= shard_id < shard_count");
  });
}

}  // namespace

void read_matrix(const YAML::Node& m, context& ctx, matrix_config& mc) {
  only_keys(m, "matrix",
            {"homeserver", "ca_file", "user_id", "access_token", "access_token_env",
             "access_token_file", "password", "password_env", "password_file", "device_id",
             "prefix", "allowed_inviters", "sync_timeout_ms", "max_command_age", "e2ee",
             "recovery_key", "recovery_key_env", "recovery_key_file"},
            ctx);
  mc.enabled = true;
  ctx.check([&] { mc.base = http_url(m["homeserver"], "matrix.homeserver", mc.homeserver); });
  ctx.check([&] {
    if (m["ca_file"])
      mc.tls.ca_file = existing_file(m["ca_file"], "matrix.ca_file", ctx.base).string();
  });
  ctx.check([&] {
    if (!m["user_id"]) throw config_error("matrix.user_id", "is required");
    mc.user_id = scalar<std::string>(m["user_id"], "matrix.user_id", "a Matrix user id");
    if (!is_matrix_id(mc.user_id))
      throw config_error("matrix.user_id", "must look like @wagbot:example.org");
  });
  ctx.check([&] { mc.access_token = secret_from(m, "matrix", "access_token", ctx); });
  ctx.check([&] { mc.password = secret_from(m, "matrix", "password", ctx); });
  if (!names_secret(m, "access_token") && !names_secret(m, "password"))
    ctx.problems.emplace_back("matrix", "needs access_token_env/_file or password_env/_file");
  ctx.check([&] { mc.recovery_key = secret_from(m, "matrix", "recovery_key", ctx); });
  optional_flag(m, "matrix", "e2ee", mc.e2ee, ctx);
  read_matrix_options(m, ctx, mc);
}

/// The application id and the guilds, all numeric ids.
void read_discord_ids(const YAML::Node& d, context& ctx, discord_config& dc) {
  static const std::regex snowflake(R"(^[0-9]{1,20}$)");
  ctx.check([&] {
    if (!d["application_id"]) return;
    dc.application_id = scalar<std::string>(d["application_id"], "discord.application_id", "an id");
    if (!std::regex_match(dc.application_id, snowflake))
      throw config_error("discord.application_id", "must be a numeric id");
  });
  ctx.check([&] {
    dc.guilds = strings(d["guilds"], "discord.guilds");
    for (std::size_t i = 0; i < dc.guilds.size(); ++i)
      if (!std::regex_match(dc.guilds[i], snowflake))
        ctx.problems.emplace_back("discord.guilds[" + std::to_string(i) + "]",
                                  "must be a numeric id (quote it)");
  });
}

void read_discord(const YAML::Node& d, context& ctx, discord_config& dc) {
  only_keys(d, "discord",
            {"token", "token_env", "token_file", "api_base", "application_id", "guilds",
             "global_commands", "text_commands", "prefix", "shard", "compress",
             "restrict_destructive", "user_install"},
            ctx);
  dc.enabled = true;
  ctx.check([&] {
    dc.token = secret_from(d, "discord", "token", ctx);
    if (!names_secret(d, "token")) throw config_error("discord", "needs token_env or token_file");
  });
  ctx.check([&] {
    if (d["api_base"])
      dc.api_base = scalar<std::string>(d["api_base"], "discord.api_base", "a URL");
    auto api = net::parse_url(dc.api_base);
    if (!api || api->websocket()) throw config_error("discord.api_base", "must be an http(s) URL");
    dc.api = *api;
  });
  read_discord_ids(d, ctx, dc);
  read_discord_options(d, ctx, dc);
  if (!dc.global_commands && dc.guilds.empty() && !dc.text_commands)
    ctx.problems.emplace_back(
        "discord.guilds", "list the guilds to register slash commands in (or set global_commands)");
}

void read_alerts(const YAML::Node& a, context& ctx, alerts_config& ac) {
  only_keys(
      a, "alerts",
      {"poll_interval", "unreachable_after", "flap_window", "flap_threshold", "digest_threshold"},
      ctx);
  ctx.check(
      [&] { ac.poll_interval_seconds = positive(a["poll_interval"], "alerts.poll_interval", 10); });
  ctx.check([&] {
    ac.unreachable_after = positive(a["unreachable_after"], "alerts.unreachable_after", 3);
  });
  ctx.check(
      [&] { ac.flap_window_seconds = positive(a["flap_window"], "alerts.flap_window", 600); });
  ctx.check([&] { ac.flap_threshold = positive(a["flap_threshold"], "alerts.flap_threshold", 3); });
  ctx.check(
      [&] { ac.digest_threshold = positive(a["digest_threshold"], "alerts.digest_threshold", 5); });
}

void read_observability(const YAML::Node& o, context& ctx, observability_config& oc) {
  only_keys(o, "observability", {"listen"}, ctx);
  if (o["listen"])
    read_listen(scalar<std::string>(o["listen"], "observability.listen", "a string"), oc);
}

void read_planner(const YAML::Node& p, context& ctx, planner_config& pc) {
  only_keys(p, "planner",
            {"base_url", "model", "api_key", "api_key_env", "api_key_file", "ca_file", "timeout",
             "max_actions"},
            ctx);
  pc.enabled = true;
  ctx.check([&] {
    pc.base = http_url(p["base_url"], "planner.base_url", pc.base_url,
                       " (e.g. http://127.0.0.1:11434/v1)");
  });
  ctx.check([&] {
    if (!p["model"]) throw config_error("planner.model", "is required");
    pc.model = scalar<std::string>(p["model"], "planner.model", "a model name");
    if (pc.model.empty()) throw config_error("planner.model", "must not be empty");
  });
  ctx.check([&] { pc.api_key = secret_from(p, "planner", "api_key", ctx); });
  ctx.check([&] {
    if (!p["ca_file"]) return;
    const auto ca = existing_file(p["ca_file"], "planner.ca_file", ctx.base);
    if (!pc.base.tls()) throw config_error("planner.ca_file", "needs an https:// base_url");
    pc.tls.ca_file = ca.string();
  });
  ctx.check([&] { pc.timeout_seconds = positive(p["timeout"], "planner.timeout", 60); });
  ctx.check([&] {
    pc.max_actions = positive(p["max_actions"], "planner.max_actions", 3);
    if (pc.max_actions > 10) throw config_error("planner.max_actions", "must be at most 10");
  });
}

}  // namespace wagbot::app::config_yaml
