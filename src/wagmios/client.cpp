#include "wagbot/wagmios/client.hpp"

namespace wagbot::wagmios {

using net::percent_encode;
using protocol::parse_envelope;

api_error transport_error(const boost::system::error_code& ec) {
  switch (net::classify(ec)) {
    case net::failure::timeout:
      return {errc::timeout, "", "no answer in time", 0};
    case net::failure::tls:
      return {errc::tls_failure, "", "TLS failed: " + ec.message(), 0};
    case net::failure::refused:
      return {errc::host_unreachable, "", "connection refused", 0};
    case net::failure::name_not_found:
      return {errc::host_unreachable, "", "host name not found", 0};
    case net::failure::other:
      break;
  }
  return {errc::host_unreachable, "", ec.message(), 0};
}

client::client(net::http_client& http, endpoint where, timeouts limits)
    : http_(http), where_(std::move(where)), limits_(limits) {}

task<json> client::call(std::string_view key, const char* method, std::string target,
                        std::string body, std::chrono::milliseconds timeout, bool enveloped) {
  net::http_request req;
  req.method = method;
  req.target = std::move(target);
  req.timeout = timeout;
  req.headers.emplace_back("Accept", "application/json");
  if (!key.empty()) req.headers.emplace_back("X-API-Key", std::string(key));
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = std::move(body);
  }
  const auto started = std::chrono::steady_clock::now();
  if (!key.empty()) {
    // Looked up without building a string: this runs for every request.
    const auto suffix = key.substr(key.size() > 8 ? key.size() - 8 : 0);
    auto slot = sent_.find(suffix);
    if (slot == sent_.end())
      slot = sent_.emplace(std::string(suffix), decltype(slot->second){}).first;
    auto& sent = slot->second;
    sent.push_back(started);
    while (started - sent.front() > std::chrono::minutes(1)) sent.pop_front();
  }
  auto response = co_await http_.send(where_.base, where_.tls, std::move(req));
  if (!response) {
    auto error = transport_error(response.error());
    report(started, error.kind == errc::timeout       ? "timeout"
                    : error.kind == errc::tls_failure ? "tls"
                                                      : "unreachable");
    co_return error;
  }
  auto parsed = parse_envelope(response->status, response->body, enveloped);
  report(started, response->status >= 500                                ? "http"
                  : !parsed && parsed.error().kind == errc::bad_response ? "bad_response"
                                                                         : "");
  co_return parsed;
}

void client::report(std::chrono::steady_clock::time_point started, std::string_view failure) const {
  if (observer_) observer_(std::chrono::steady_clock::now() - started, failure);
}

template <class T>
task<T> client::get_as(std::string_view key, std::string target) {
  auto data = co_await call(key, "GET", std::move(target), {}, limits_.normal);
  if (!data) co_return data.error();
  try {
    co_return data->template get<T>();
  } catch (const json::exception&) {
    co_return api_error{errc::bad_response, "", "the host's answer had an unexpected shape", 200};
  }
}

namespace {
template <class T>
result<std::vector<T>> as_list(const json& data) {
  try {
    return protocol::list_of<T>(data);
  } catch (const json::exception&) {
    return api_error{errc::bad_response, "", "the host's answer had an unexpected shape", 200};
  }
}

template <class T>
result<std::vector<T>> as_list(result<json>&& data) {
  if (!data) return data.error();
  try {
    return protocol::list_of<T>(*data);
  } catch (const json::exception&) {
    return api_error{errc::bad_response, "", "the host's answer had an unexpected shape", 200};
  }
}

std::string status_word(const json& data) {
  if (data.is_object() && data.contains("status") && data["status"].is_string())
    return data["status"].get<std::string>();
  return "ok";
}

std::string container_path(std::string_view id, std::string_view tail) {
  return "/api/containers/" + percent_encode(id) + "/" + std::string(tail);
}
}  // namespace

task<protocol::key_info> client::settings(std::string_view key) {
  return get_as<protocol::key_info>(key, "/api/settings");
}

task<std::vector<protocol::container>> client::containers(std::string_view key) {
  co_return as_list<protocol::container>(
      co_await call(key, "GET", "/api/containers", {}, limits_.normal));
}

task<protocol::container> client::container_config(std::string_view key, std::string_view id) {
  return get_as<protocol::container>(key, container_path(id, "config"));
}

task<std::string> client::logs(std::string_view key, std::string_view id, int tail) {
  auto data = co_await call(
      key, "GET", container_path(id, "logs") + "?tail=" + std::to_string(tail), {}, limits_.normal);
  if (!data) co_return data.error();
  if (data->is_object() && data->contains("logs") && (*data)["logs"].is_string())
    co_return (*data)["logs"].get<std::string>();
  if (data->is_string()) co_return data->get<std::string>();
  co_return api_error{errc::bad_response, "", "the host's answer had no logs", 200};
}

task<std::string> client::container_action(std::string_view key, std::string_view id,
                                           std::string_view action) {
  auto data = co_await call(key, "POST", container_path(id, action), "{}", limits_.normal);
  if (!data) co_return data.error();
  co_return status_word(*data);
}

task<std::string> client::delete_container(std::string_view key, std::string_view id) {
  auto data = co_await call(key, "POST", container_path(id, "delete"), "{}", limits_.normal);
  if (!data) co_return data.error();
  co_return status_word(*data);
}

task<std::string> client::create_container(std::string_view key, const json& body) {
  auto data = co_await call(key, "POST", "/api/containers", body.dump(), limits_.normal);
  if (!data) co_return data.error();
  if (data->is_object() && data->contains("id") && (*data)["id"].is_string())
    co_return (*data)["id"].get<std::string>();
  co_return api_error{errc::bad_response, "", "the host did not return the new container's id",
                      200};
}

task<std::vector<protocol::image>> client::images(std::string_view key) {
  co_return as_list<protocol::image>(co_await call(key, "GET", "/api/images", {}, limits_.normal));
}

task<json> client::pull_image(std::string_view key, std::string_view image) {
  json body = json::object();
  body["image"] = std::string(image);
  auto data = co_await call(key, "POST", "/api/images/pull", body.dump(), limits_.pull);
  if (!data && data.error().kind == errc::timeout)
    co_return api_error{errc::still_running, "", "the pull is still running on the host", 0};
  co_return data;
}

task<std::string> client::delete_image(std::string_view key, std::string_view id) {
  auto data = co_await call(key, "DELETE", "/api/images/" + percent_encode(id), {}, limits_.normal);
  if (!data) co_return data.error();
  co_return status_word(*data);
}

task<std::vector<json>> client::templates(std::string_view key) {
  co_return as_list<json>(
      co_await call(key, "GET", "/api/containers/templates", {}, limits_.normal));
}

task<json> client::template_get(std::string_view key, std::string_view name) {
  return call(key, "GET", "/api/containers/templates/" + percent_encode(name), {}, limits_.normal,
              false);
}

task<std::string> client::template_save(std::string_view key, const json& body) {
  auto data = co_await call(key, "POST", "/api/containers/templates", body.dump(), limits_.normal);
  if (!data) co_return data.error();
  co_return status_word(*data);
}

task<std::vector<protocol::app_summary>> client::marketplace(std::string_view key) {
  auto data = co_await call(key, "GET", "/api/marketplace", {}, limits_.normal);
  if (!data) co_return data.error();
  if (data->is_object() && data->contains("apps"))
    co_return as_list<protocol::app_summary>((*data)["apps"]);
  co_return as_list<protocol::app_summary>(std::move(data));
}

task<protocol::app_detail> client::app(std::string_view key, std::string_view app_id) {
  return get_as<protocol::app_detail>(key, "/api/marketplace/" + percent_encode(app_id));
}

task<std::vector<protocol::installed_app>> client::installed(std::string_view key) {
  co_return as_list<protocol::installed_app>(
      co_await call(key, "GET", "/api/marketplace/installed", {}, limits_.normal));
}

task<protocol::marketplace_created> client::marketplace_create(std::string_view key,
                                                               const json& body) {
  auto data = co_await call(key, "POST", "/api/marketplace/create", body.dump(), limits_.normal);
  if (!data) co_return data.error();
  try {
    co_return data->get<protocol::marketplace_created>();
  } catch (const json::exception&) {
    co_return api_error{errc::bad_response, "", "the host's answer had an unexpected shape", 200};
  }
}

task<protocol::marketplace_started> client::marketplace_start(std::string_view key,
                                                              std::string_view container_name,
                                                              std::string_view compose_path) {
  json body = json::object();
  body["container_name"] = std::string(container_name);
  body["compose_path"] = std::string(compose_path);
  auto data =
      co_await call(key, "POST", "/api/marketplace/start", body.dump(), limits_.marketplace_start);
  if (!data && data.error().kind == errc::timeout)
    co_return api_error{errc::still_running, "", "the app is still starting on the host", 0};
  if (!data) co_return data.error();
  try {
    co_return data->get<protocol::marketplace_started>();
  } catch (const json::exception&) {
    co_return api_error{errc::bad_response, "", "the host's answer had an unexpected shape", 200};
  }
}

task<json> client::system_info(std::string_view key) {
  return call(key, "GET", "/api/system/info", {}, limits_.normal);
}

task<protocol::system_metrics> client::system_metrics(std::string_view key) {
  return get_as<protocol::system_metrics>(key, "/api/system/metrics");
}

task<json> client::metrics_summary(std::string_view key) {
  auto data = co_await call(key, "GET", "/api/metrics/summary", {}, limits_.normal, false);
  if (data && data->is_object() && data->contains("data"))
    co_return result<json>{boost::system::in_place_value, (*data)["data"]};
  co_return data;
}

task<std::vector<protocol::activity_event>> client::activity(std::string_view key) {
  auto data = co_await call(key, "GET", "/api/activity", {}, limits_.normal, false);
  if (!data) co_return data.error();
  json& body = data->is_object() && data->contains("data") ? (*data)["data"] : *data;
  if (body.is_object() && body.contains("events"))
    co_return as_list<protocol::activity_event>(body["events"]);
  co_return api_error{errc::bad_response, "", "the activity feed had no events", 200};
}

task<std::chrono::milliseconds> client::health() {
  const auto started = std::chrono::steady_clock::now();
  auto data = co_await call({}, "GET", "/health", {}, limits_.normal, false);
  if (!data) co_return data.error();
  if (!data->is_object() || data->value("status", "") != "ok")
    co_return api_error{errc::bad_response, "", "/health did not say ok", 200};
  co_return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started);
}

task<json> client::auth_status() {
  return call({}, "GET", "/api/auth/status", {}, limits_.normal);
}

std::size_t client::sent_last_minute(std::string_view key) {
  auto it = sent_.find(key.substr(key.size() > 8 ? key.size() - 8 : 0));
  if (it == sent_.end()) return 0;
  const auto now = std::chrono::steady_clock::now();
  while (!it->second.empty() && now - it->second.front() > std::chrono::minutes(1))
    it->second.pop_front();
  return it->second.size();
}

}  // namespace wagbot::wagmios
