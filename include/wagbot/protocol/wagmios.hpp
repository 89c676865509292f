#pragma once
// WAGMIOS payloads as the server's code sends them, tolerant of the variants its docs describe
// (see shared/reference/wagmios-api.md, "Documented variants").
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>

#include "wagbot/protocol/error.hpp"

namespace wagbot::protocol {

using json = nlohmann::json;

/// Splits an HTTP answer into the envelope's `data` or an error. `raw` routes (template
/// get, activity, metrics summary, health) pass `enveloped = false`.
boost::system::result<json, error> parse_envelope(int http_status, const std::string& body,
                                                  bool enveloped = true);

/// Maps a WAGMIOS error code (and its HTTP status) to an errc.
errc classify_error(const std::string& code, int http_status);

struct port_binding {
  std::string host, container, protocol = "tcp";
  bool operator==(const port_binding&) const = default;
};

struct container {
  std::string id, name, image, status;  ///< status: running|exited|created|paused|restarting|...
  std::string status_text;              ///< docs variant "Up 2 hours", when sent
  std::vector<port_binding> ports;      ///< IPv4/IPv6 duplicates removed
};
void from_json(const json& j, container& c);
void to_json(json& j, const container& c);

struct image {
  std::string id, repository, tag, digest, created_since, size;
};
void from_json(const json& j, image& i);

/// The caller's key as /api/settings or /api/auth/verify describe it.
struct key_info {
  std::string id, key_prefix, label, role;
  std::vector<std::string> scopes;
  /// True when the key holds `scope` or `*`.
  bool has_scope(const std::string& scope) const;
};
void from_json(const json& j, key_info& k);

struct app_summary {
  std::string id, name, description, category;
  int default_port = 0;
  bool verified = false;
  double popularity = 0;
};
void from_json(const json& j, app_summary& a);

struct env_spec {
  std::string name, description;
  bool required = false;
  std::optional<std::string> default_value;
};

struct app_detail {
  app_summary meta;
  std::string image;
  std::vector<int> ports;
  std::vector<env_spec> environment;
  json volumes = json::array();
};
void from_json(const json& j, app_detail& a);

struct installed_app {
  std::string app_id, path;
  std::size_t versions = 0;
};
void from_json(const json& j, installed_app& a);

struct marketplace_created {
  std::string app_id, app_name, install_dir, compose_path;
};
void from_json(const json& j, marketplace_created& m);

struct marketplace_started {
  std::string container_name, compose_path, output;
};
void from_json(const json& j, marketplace_started& m);

struct system_metrics {
  double cpu_usage = 0, memory_percent = 0;
  std::uint64_t memory_total = 0, memory_used = 0, disk_total = 0, disk_used = 0;
  std::uint64_t uptime = 0;
};
void from_json(const json& j, system_metrics& m);

/// One entry of the activity feed (HTTP list or WebSocket frame).
struct activity_event {
  std::string id, timestamp, type, action, target, status, agent;
  json details;
};
void from_json(const json& j, activity_event& e);

/// Reads a JSON array of T; `null` is an empty list (the server sends it for "nothing").
template <class T>
std::vector<T> list_of(const json& j) {
  std::vector<T> out;
  if (j.is_null()) return out;
  if (!j.is_array()) throw json::type_error::create(302, "expected an array", &j);
  out.reserve(j.size());
  for (const auto& item : j) out.push_back(item.get<T>());
  return out;
}

}  // namespace wagbot::protocol
