#include "wagbot/protocol/wagmios.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace wagbot::protocol {

namespace {

/// A field that may come as string or number (docs vs code); "" when absent or null.
std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  if (it->is_number()) return std::to_string(it->get<double>());
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  return it->dump();
}

std::string first_text(const json& j, std::initializer_list<const char*> keys) {
  for (auto key : keys)
    if (auto value = text_of(j, key); !value.empty()) return value;
  return {};
}

/// A port or similar small number, sent as a number or as text ("8096", "8096/tcp"); 0 when it
/// is neither, or does not fit an int. (Converting an out-of-range or NaN double to an integer
/// is undefined behaviour; reproduced with tests/fuzz/wagmios.)
int int_of(const json& v) {
  if (v.is_number_unsigned()) {
    const auto n = v.get<std::uint64_t>();
    return n <= std::uint64_t(std::numeric_limits<int>::max()) ? int(n) : 0;
  }
  if (v.is_number_integer()) {
    const auto n = v.get<std::int64_t>();
    return n >= std::numeric_limits<int>::min() && n <= std::numeric_limits<int>::max() ? int(n)
                                                                                        : 0;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    return d >= std::numeric_limits<int>::min() && d <= std::numeric_limits<int>::max() ? int(d)
                                                                                        : 0;
  }
  if (v.is_string()) {
    const auto& t = v.get_ref<const std::string&>();
    int n = 0;
    std::from_chars(t.data(), t.data() + t.size(), n);  // stops at "/tcp"; 0 on overflow
    return n;
  }
  return 0;
}

/// A byte count or a number of seconds: negative and NaN are 0, beyond 2^64 the largest.
std::uint64_t count_of(double d) {
  if (!(d > 0)) return 0;
  return d >= 18446744073709551615.0 ? std::numeric_limits<std::uint64_t>::max() : std::uint64_t(d);
}

}  // namespace

errc classify_error(const std::string& code, int http_status) {
  if (code == "RATE_LIMITED" || http_status == 429) return errc::rate_limited;
  if (code == "SCOPE_REQUIRED") return errc::scope_required;
  if (code == "SETUP_REQUIRED" || code == "API_KEY_REQUIRED" || code == "INVALID_KEY" ||
      http_status == 401)
    return errc::unauthorized;
  if (http_status == 403) return errc::forbidden;
  if (http_status == 404 || code == "NOT_FOUND" || code == "APP_NOT_FOUND") return errc::not_found;
  if (http_status >= 400 && http_status < 500) return errc::invalid_input;
  return errc::server_error;
}

boost::system::result<json, error> parse_envelope(int http_status, const std::string& body,
                                                  bool enveloped) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    // The documented plain-text answer for an unknown route.
    if (http_status == 404) return error{errc::not_found, "", "route not found", 404};
    if (http_status == 429) return error{errc::rate_limited, "RATE_LIMITED", "rate limited", 429};
    std::string what = http_status >= 500 ? "the host answered HTTP " + std::to_string(http_status)
                                          : "the host's answer was not JSON";
    return error{errc::bad_response, "", what, http_status};
  }
  if (doc.is_object()) {
    auto detail = doc.find("error");
    const bool failed = (doc.contains("success") && doc["success"] == false) ||
                        (detail != doc.end() && detail->is_object());
    if (failed) {
      error e;
      e.http_status = http_status;
      if (detail != doc.end() && detail->is_object()) {
        e.code = text_of(*detail, "code");
        e.message = text_of(*detail, "message");
      } else if (detail != doc.end() && detail->is_string()) {
        e.message = detail->get<std::string>();
      }
      if (e.message.empty()) e.message = "request failed";
      e.kind = classify_error(e.code, http_status);
      return e;
    }
  }
  if (http_status >= 400) {
    error e{classify_error("", http_status), "", "HTTP " + std::to_string(http_status),
            http_status};
    if (http_status >= 500) e.kind = errc::bad_response;
    return e;
  }
  if (!enveloped) return {boost::system::in_place_value, std::move(doc)};
  if (!doc.is_object() || !doc.contains("data"))
    return error{errc::bad_response, "", "the host's answer had no data envelope", http_status};
  return {boost::system::in_place_value, std::move(doc["data"])};
}

void from_json(const json& j, container& c) {
  if (!j.is_object()) throw json::type_error::create(302, "container is not an object", &j);
  c.id = text_of(j, "id");
  if (c.id.empty()) c.id = text_of(j, "Id");
  c.name = text_of(j, "name");
  if (!c.name.empty() && c.name.front() == '/') c.name.erase(0, 1);
  c.image = text_of(j, "image");
  // Code: status = Docker State.Status. Docs: state = that, status = "Up 2 hours".
  const auto state = text_of(j, "state");
  const auto status = text_of(j, "status");
  if (!state.empty()) {
    c.status = state;
    c.status_text = status;
  } else {
    c.status = status;
  }
  c.ports.clear();
  if (auto it = j.find("ports"); it != j.end() && it->is_array()) {
    for (const auto& p : *it) {
      if (!p.is_object()) continue;
      port_binding b;
      b.host = first_text(p, {"host", "public", "PublicPort"});
      b.container = first_text(p, {"container", "private", "PrivatePort"});
      b.protocol = first_text(p, {"protocol", "type", "Type"});
      if (b.protocol.empty()) b.protocol = "tcp";
      if (std::find(c.ports.begin(), c.ports.end(), b) == c.ports.end()) c.ports.push_back(b);
    }
  }
  if (c.name.empty() && c.id.empty())
    throw json::type_error::create(302, "container without name or id", &j);
}

void to_json(json& j, const container& c) {
  j = json{{"id", c.id},
           {"name", c.name},
           {"image", c.image},
           {"status", c.status},
           {"ports", json::array()}};
  for (const auto& p : c.ports)
    j["ports"].push_back({{"host", p.host}, {"container", p.container}, {"protocol", p.protocol}});
}

void from_json(const json& j, image& i) {
  i.id = first_text(j, {"ID", "Id", "id"});
  i.repository = first_text(j, {"Repository", "repository"});
  i.tag = first_text(j, {"Tag", "tag"});
  i.digest = first_text(j, {"Digest", "digest"});
  i.created_since = first_text(j, {"CreatedSince", "created_since", "CreatedAt"});
  i.size = first_text(j, {"Size", "size"});
}

bool key_info::has_scope(const std::string& scope) const {
  return std::any_of(scopes.begin(), scopes.end(),
                     [&](const std::string& s) { return s == "*" || s == scope; });
}

void from_json(const json& j, key_info& k) {
  k.id = first_text(j, {"id", "key_id"});
  k.key_prefix = text_of(j, "key_prefix");
  k.label = first_text(j, {"label", "key_label"});
  k.role = text_of(j, "role");
  k.scopes.clear();
  const json* scopes = nullptr;
  if (auto it = j.find("scopes"); it != j.end())
    scopes = &*it;
  else if (auto m = j.find("meta"); m != j.end() && m->is_object() && m->contains("scopes"))
    scopes = &(*m)["scopes"];
  if (scopes && scopes->is_array())
    for (const auto& s : *scopes)
      if (s.is_string()) k.scopes.push_back(s.get<std::string>());
}

void from_json(const json& j, app_summary& a) {
  a.id = text_of(j, "id");
  a.name = text_of(j, "name");
  a.description = text_of(j, "description");
  a.category = text_of(j, "category");
  if (auto it = j.find("defaultPort"); it != j.end()) a.default_port = int_of(*it);
  if (auto it = j.find("verified"); it != j.end() && it->is_boolean()) a.verified = it->get<bool>();
  if (auto it = j.find("popularity"); it != j.end() && it->is_number())
    a.popularity = it->get<double>();
  if (a.name.empty()) a.name = a.id;
}

void from_json(const json& j, app_detail& a) {
  const json empty = json::object();
  const json& meta = j.contains("meta") && j["meta"].is_object() ? j["meta"] : empty;
  const json& tpl = j.contains("template") && j["template"].is_object() ? j["template"] : empty;
  from_json(meta.empty() ? tpl : meta, a.meta);
  if (a.meta.id.empty()) a.meta.id = text_of(tpl, "id");
  if (a.meta.description.empty()) a.meta.description = text_of(tpl, "description");
  if (a.meta.category.empty()) a.meta.category = text_of(tpl, "category");
  a.image = text_of(tpl, "image");
  a.ports.clear();
  if (auto it = tpl.find("ports"); it != tpl.end() && it->is_array())
    for (const auto& p : *it)
      if (p.is_number_integer() || p.is_string()) a.ports.push_back(int_of(p));
  a.environment.clear();
  if (auto it = tpl.find("environment"); it != tpl.end() && it->is_array())
    for (const auto& e : *it) {
      if (!e.is_object()) continue;
      env_spec spec;
      spec.name = text_of(e, "name");
      spec.description = text_of(e, "description");
      spec.required = e.value("required", false);
      if (e.contains("default") && !e["default"].is_null())
        spec.default_value = text_of(e, "default");
      a.environment.push_back(std::move(spec));
    }
  if (auto it = tpl.find("volumes"); it != tpl.end()) a.volumes = *it;
}

void from_json(const json& j, installed_app& a) {
  a.app_id = text_of(j, "app_id");
  a.path = text_of(j, "path");
  if (auto it = j.find("versions"); it != j.end() && it->is_array()) a.versions = it->size();
}

void from_json(const json& j, marketplace_created& m) {
  m.app_id = text_of(j, "app_id");
  m.app_name = text_of(j, "app_name");
  m.install_dir = text_of(j, "install_dir");
  m.compose_path = text_of(j, "compose_path");
}

void from_json(const json& j, marketplace_started& m) {
  m.container_name = text_of(j, "container_name");
  m.compose_path = text_of(j, "compose_path");
  m.output = text_of(j, "output");
}

void from_json(const json& j, system_metrics& m) {
  auto number = [](const json& o, const char* a, const char* b) -> double {
    if (!o.contains(a) || !o[a].is_object()) return 0;
    const auto& inner = o[a];
    return inner.contains(b) && inner[b].is_number() ? inner[b].get<double>() : 0;
  };
  m.cpu_usage = number(j, "cpu", "usage");
  m.memory_total = count_of(number(j, "memory", "total"));
  m.memory_used = count_of(number(j, "memory", "used"));
  m.memory_percent = number(j, "memory", "usagePercent");
  m.disk_total = count_of(number(j, "disk", "total"));
  m.disk_used = count_of(number(j, "disk", "used"));
  if (j.contains("uptime") && j["uptime"].is_number())
    m.uptime = count_of(j["uptime"].get<double>());
}

void from_json(const json& j, activity_event& e) {
  e.id = text_of(j, "id");
  e.timestamp = text_of(j, "timestamp");
  e.type = text_of(j, "type");
  e.action = text_of(j, "action");
  e.target = text_of(j, "target");
  e.status = text_of(j, "status");
  e.agent = text_of(j, "agent");
  e.details = j.contains("details") ? j["details"] : json();
}

}  // namespace wagbot::protocol
