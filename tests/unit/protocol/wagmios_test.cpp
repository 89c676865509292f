#include "wagbot/protocol/wagmios.hpp"

#include <doctest/doctest.h>

#include "../support/fixtures.hpp"

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <tuple>

using namespace wagbot::protocol;
using wagbot::errc;

using wagbot::test::fixture_text;

namespace {

/// The `data` of an enveloped fixture served with HTTP 200 (fails the test if it is an error).
json data_of(const std::string& name) {
  auto r = parse_envelope(200, fixture_text("wagmios", name));
  REQUIRE_MESSAGE(r.has_value(), name, " did not parse: ", (r ? "" : r.error().message));
  return *r;
}

/// A failure envelope exactly as the server writes it.
std::string failure_body(const std::string& code, const std::string& message) {
  return json{
      {"success", false}, {"data", nullptr}, {"error", {{"code", code}, {"message", message}}}}
      .dump();
}

struct error_case {
  const char* code;
  int status;
  errc kind;
  const char* message;
};

// Every code of the reference's "Error codes" list, with its HTTP status and a message of the
// kind the server sends.
const error_case documented_errors[] = {
    {"SETUP_REQUIRED", 401, errc::unauthorized, "No API key configured. Complete setup first."},
    {"API_KEY_REQUIRED", 401, errc::unauthorized, "X-API-Key header is required"},
    {"INVALID_KEY", 401, errc::unauthorized, "API key is invalid or expired"},
    {"RATE_LIMITED", 429, errc::rate_limited, "Rate limit exceeded: 100 requests per minute"},
    {"SCOPE_REQUIRED", 403, errc::scope_required, "containers:delete scope required"},
    {"ADMIN_REQUIRED", 403, errc::forbidden, "Only admin keys can list keys"},
    {"SCOPE_ESCALATION", 403, errc::forbidden,
     "Agents cannot add scopes beyond what the key currently has"},
    {"PROTECTED", 403, errc::forbidden,
     "wagmios-backend is a protected system container and cannot be deleted"},
    {"BLOCKED_VOLUME", 403, errc::forbidden,
     "volume host path '/etc' is not allowed: use a named volume or a path under /opt/wagmios"},
    {"PATH_FORBIDDEN", 403, errc::forbidden, "compose_path must be inside /opt/wagmios"},
    {"NOT_FOUND", 404, errc::not_found, "container ghost not found"},
    {"APP_NOT_FOUND", 404, errc::not_found, "app \"jellyfn\" not found in marketplace"},
    {"COMPOSE_NOT_FOUND", 404, errc::not_found, "compose file not found"},
    {"INVALID_REQUEST", 400, errc::invalid_input, "Invalid JSON payload: unexpected EOF"},
    {"INVALID_TAIL", 400, errc::invalid_input, "tail must be an integer between 0 and 1000"},
    {"INVALID_NAME", 400, errc::invalid_input,
     "invalid container name '-web': must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$"},
    {"INVALID_IMAGE", 400, errc::invalid_input, "invalid image reference 'nginx alpine'"},
    {"INVALID_PORT", 400, errc::invalid_input,
     "invalid port mapping '70000':'80': ports must be 1-65535, optionally /tcp or /udp"},
    {"INVALID_ENV", 400, errc::invalid_input, "invalid environment variable name '1TZ'"},
    {"INVALID_VOLUME_TARGET", 400, errc::invalid_input,
     "volume container path 'data' must be absolute and must not contain '..'"},
    {"INVALID_TEMPLATE_NAME", 400, errc::invalid_input, "invalid template name '../x'"},
    {"APP_ID_REQUIRED", 400, errc::invalid_input, "app_id is required"},
    {"INVALID_APP_ID", 400, errc::invalid_input, "invalid app id 'Jellyfin'"},
    {"INVALID_CUSTOM_NAME", 400, errc::invalid_input, "invalid custom_name 'My App'"},
    {"INVALID_CONTAINER_NAME", 400, errc::invalid_input, "invalid container_name 'My App'"},
    {"VOLUME_OVERRIDES_UNSUPPORTED", 400, errc::invalid_input,
     "volume overrides are not supported"},
    {"COMPOSE_BUILD_FAILED", 400, errc::invalid_input,
     "required environment variable PLEX_CLAIM has no value"},
    {"CONTAINER_NAME_REQUIRED", 400, errc::invalid_input, "container_name is required"},
    {"COMPOSE_PATH_REQUIRED", 400, errc::invalid_input, "compose_path is required"},
    {"INVALID_COMPOSE_FILE", 400, errc::invalid_input,
     "compose_path must point to a docker-compose.yml file"},
    {"DOCKER_ERROR", 500, errc::server_error,
     "Error response from daemon: No such container: ghost"},
    {"IO_ERROR", 500, errc::server_error,
     "open /opt/wagmios/templates/web.json: permission denied"},
    {"METRICS_ERROR", 500, errc::server_error, "failed to read /proc/meminfo"},
    {"MANIFEST_FETCH_FAILED", 500, errc::server_error,
     "failed to fetch manifest: dial tcp: lookup raw.githubusercontent.com: no such host"},
    {"TEMPLATE_FETCH_FAILED", 500, errc::server_error, "failed to fetch template for jellyfin"},
    {"COMPOSE_UP_FAILED", 500, errc::server_error,
     "docker compose up failed: Bind for 0.0.0.0:8096 failed: port is already allocated"},
};

port_binding tcp(const char* host, const char* container) {
  return {host, container, "tcp"};
}

}  // namespace

TEST_SUITE("protocol") {
  // ------------------------------------------------------------------ envelope

  TEST_CASE("a success envelope yields its data") {
    auto r = parse_envelope(200, fixture_text("wagmios", "containers.json"));
    REQUIRE(r.has_value());
    REQUIRE(r->is_array());
    CHECK(r->size() == 4);
    CHECK((*r)[1]["name"] == "jellyfin");
  }

  TEST_CASE("every documented error code keeps the server's code and message") {
    for (const auto& c : documented_errors) {
      CAPTURE(c.code);
      const auto r = parse_envelope(c.status, failure_body(c.code, c.message));
      REQUIRE(r.has_error());
      CHECK(r.error().kind == c.kind);
      CHECK(r.error().code == c.code);
      CHECK(r.error().message == c.message);
      CHECK(r.error().http_status == c.status);
      CHECK(classify_error(c.code, c.status) == c.kind);
    }
  }

  TEST_CASE("a failure envelope is an error on a raw route too") {
    const auto r = parse_envelope(403, fixture_text("wagmios", "error_scope_required.json"), false);
    REQUIRE(r.has_error());
    CHECK(r.error().kind == errc::scope_required);
    CHECK(r.error().code == "SCOPE_REQUIRED");
    CHECK(r.error().message == "containers:delete scope required");
  }

  TEST_CASE("DOCKER_ERROR for a missing container is a server error with docker's words") {
    const auto r = parse_envelope(500, fixture_text("wagmios", "error_docker.json"));
    REQUIRE(r.has_error());
    CHECK(r.error().kind == errc::server_error);
    CHECK(r.error().message == "Error response from daemon: No such container: ghost");
  }

  TEST_CASE("codes the docs name but the server never sends keep their message") {
    for (const auto& [code, status, message] :
         {std::tuple{"LIMIT_REACHED", 400, "Maximum number of containers reached"},
          std::tuple{"DELETE_DISABLED", 403, "Deleting containers is disabled on this host"}}) {
      CAPTURE(code);
      const auto r = parse_envelope(status, failure_body(code, message));
      REQUIRE(r.has_error());
      CHECK(r.error().code == code);
      CHECK(r.error().message == message);
      CHECK(r.error().kind != errc::ok);
      CHECK(r.error().kind != errc::scope_required);
      CHECK(r.error().kind != errc::unauthorized);
      CHECK(r.error().kind != errc::rate_limited);
    }
  }

  TEST_CASE("a failure envelope without a message still says something") {
    const auto r =
        parse_envelope(500, R"({"success":false,"data":null,"error":{"code":"IO_ERROR"}})");
    REQUIRE(r.has_error());
    CHECK(r.error().code == "IO_ERROR");
    CHECK_FALSE(r.error().message.empty());
  }

  TEST_CASE("the plain-text 404 of an unknown route is not_found") {
    const auto r = parse_envelope(404, fixture_text("wagmios", "not_found.txt"));
    REQUIRE(r.has_error());
    CHECK(r.error().kind == errc::not_found);
    CHECK(r.error().code.empty());
    CHECK(r.error().http_status == 404);
    CHECK_FALSE(r.error().message.empty());
  }

  TEST_CASE("a plain-text 429 is still rate limiting") {
    const auto r = parse_envelope(429, "Too Many Requests\n");
    REQUIRE(r.has_error());
    CHECK(r.error().kind == errc::rate_limited);
  }

  TEST_CASE("something that is not JSON is a bad response") {
    SUBCASE("an HTML page with 200 (wrong port, captive portal)") {
      const auto r = parse_envelope(200, fixture_text("wagmios", "captive_portal_200.html"));
      REQUIRE(r.has_error());
      CHECK(r.error().kind == errc::bad_response);
      CHECK(r.error().http_status == 200);
    }
    SUBCASE("a reverse proxy's 502 page") {
      const auto r = parse_envelope(502, fixture_text("wagmios", "proxy_502.html"));
      REQUIRE(r.has_error());
      CHECK(r.error().kind == errc::bad_response);
      CHECK(r.error().http_status == 502);
      CHECK(r.error().message.find("502") != std::string::npos);
    }
    SUBCASE("a body cut short") {
      const auto r = parse_envelope(200, R"({"success":true,"data":[{"id":"c247883d)");
      REQUIRE(r.has_error());
      CHECK(r.error().kind == errc::bad_response);
    }
    SUBCASE("an empty body") {
      const auto r = parse_envelope(200, "");
      REQUIRE(r.has_error());
      CHECK(r.error().kind == errc::bad_response);
    }
    SUBCASE("JSON without the envelope on an enveloped route") {
      const auto r = parse_envelope(200, fixture_text("wagmios", "health.json"));
      REQUIRE(r.has_error());
      CHECK(r.error().kind == errc::bad_response);
    }
    SUBCASE("a JSON error page of a proxy with 503") {
      const auto r = parse_envelope(503, R"({"message":"no healthy upstream"})");
      REQUIRE(r.has_error());
      CHECK(r.error().kind == errc::bad_response);
      CHECK(r.error().http_status == 503);
    }
  }

  TEST_CASE("raw routes hand back the whole document") {
    SUBCASE("a saved template is its own JSON") {
      const auto r = parse_envelope(200, fixture_text("wagmios", "template_raw.json"), false);
      REQUIRE(r.has_value());
      CHECK(*r == json::parse(fixture_text("wagmios", "template_raw.json")));
      CHECK((*r)["name"] == "web");
    }
    SUBCASE("the activity feed has success and data but no error key") {
      const auto r = parse_envelope(200, fixture_text("wagmios", "activity.json"), false);
      REQUIRE(r.has_value());
      REQUIRE(r->contains("data"));
      CHECK((*r)["data"]["events"].size() == 10);
      CHECK((*r)["data"]["total"] == 10);
    }
    SUBCASE("the metrics summary has no error key") {
      const auto r = parse_envelope(200, fixture_text("wagmios", "metrics_summary.json"), false);
      REQUIRE(r.has_value());
      const auto& d = (*r)["data"];
      CHECK(d["requests_last_24h"] == 57);
      CHECK(d["requests_by_hour"].size() == 24);
      CHECK(d["container_counts"]["running"] == 2);
    }
    SUBCASE("health is a bare object") {
      const auto r = parse_envelope(200, fixture_text("wagmios", "health.json"), false);
      REQUIRE(r.has_value());
      CHECK((*r)["status"] == "ok");
    }
  }

  TEST_CASE("an activity feed with no error key also parses as an envelope") {
    const auto data = data_of("activity.json");
    CHECK(data["total"] == 10);
  }

  // ------------------------------------------------------------------ containers

  TEST_CASE("containers in the code's form, IPv4/IPv6 duplicate bindings collapsed") {
    const auto list = list_of<container>(data_of("containers.json"));
    REQUIRE(list.size() == 4);

    const auto& backend = list[0];
    CHECK(backend.id == "c247883d3243eb2e031ce83272dd4242049f4f48c3bbc6cd028ca51b214c4afa");
    CHECK(backend.name == "wagmios-backend");
    CHECK(backend.image == "ghcr.io/mentholmike/wagmios-backend:latest");
    CHECK(backend.status == "running");
    CHECK(backend.status_text.empty());
    CHECK(backend.ports == std::vector<port_binding>{tcp("5179", "5179")});

    const auto& jellyfin = list[1];
    CHECK(jellyfin.ports ==
          std::vector<port_binding>{tcp("8096", "8096"), {"7359", "7359", "udp"}});

    CHECK(list[2].name == "postgres");
    CHECK(list[2].status == "exited");
    CHECK(list[2].ports.empty());
    CHECK(list[3].status == "restarting");
  }

  TEST_CASE("one container from /config") {
    const auto c = data_of("container_config.json").get<container>();
    CHECK(c.name == "jellyfin");
    CHECK(c.status == "running");
    CHECK(c.ports == std::vector<port_binding>{tcp("8096", "8096")});
  }

  TEST_CASE("containers in the docs' form: state, status text, numeric ports, leading slash") {
    const auto list = list_of<container>(data_of("containers_docs_variant.json"));
    REQUIRE(list.size() == 2);

    const auto& nginx = list[0];
    CHECK(nginx.name == "nginx");
    CHECK(nginx.image == "nginx:alpine");
    CHECK(nginx.status == "running");
    CHECK(nginx.status_text == "Up 2 hours");
    CHECK(nginx.ports == std::vector<port_binding>{tcp("8080", "80"), tcp("8443", "443")});

    const auto& kuma = list[1];
    CHECK(kuma.name == "uptime-kuma");
    CHECK(kuma.status == "exited");
    CHECK(kuma.status_text == "Exited (0) 3 days ago");
    CHECK(kuma.ports.empty());
  }

  TEST_CASE("Docker Engine style bindings (IP, PublicPort, PrivatePort, Type) collapse too") {
    const auto c = json::parse(R"({"id":"3e93e3afb553","name":"/grafana","image":"grafana/grafana",
      "state":"running","status":"Up 5 minutes","ports":[
        {"IP":"0.0.0.0","PrivatePort":3000,"PublicPort":3000,"Type":"tcp"},
        {"IP":"::","PrivatePort":3000,"PublicPort":3000,"Type":"tcp"}]})")
                       .get<container>();
    CHECK(c.name == "grafana");
    CHECK(c.ports == std::vector<port_binding>{tcp("3000", "3000")});
  }

  TEST_CASE("a binding without a protocol is tcp") {
    const auto c = json::parse(R"({"id":"ab","name":"web","image":"nginx","status":"running",
                        "ports":[{"host":"8080","container":"80"}]})")
                       .get<container>();
    CHECK(c.ports == std::vector<port_binding>{tcp("8080", "80")});
  }

  TEST_CASE("a container written back is in the code's form and reads back the same") {
    const auto original = data_of("containers_docs_variant.json")[0].get<container>();
    const json written = original;
    CHECK(written["status"] == "running");
    CHECK(written["ports"][0] == json{{"host", "8080"}, {"container", "80"}, {"protocol", "tcp"}});
    const auto again = written.get<container>();
    CHECK(again.id == original.id);
    CHECK(again.name == original.name);
    CHECK(again.status == original.status);
    CHECK(again.ports == original.ports);
  }

  TEST_CASE("what is not a container list is refused") {
    CHECK_THROWS_AS(json("jellyfin").get<container>(), json::exception);
    CHECK_THROWS_AS(json::parse(R"({"image":"nginx","status":"running"})").get<container>(),
                    json::exception);
    CHECK_THROWS_AS(list_of<container>(json::parse(R"({"containers":[]})")), json::exception);
  }

  // ------------------------------------------------------------------ images

  TEST_CASE("images from docker-CLI string fields") {
    const auto list = list_of<image>(data_of("images.json"));
    REQUIRE(list.size() == 2);
    CHECK(list[0].id == "4a4f1b2c9d3e");
    CHECK(list[0].repository == "nginx");
    CHECK(list[0].tag == "alpine");
    CHECK(list[0].digest == "<none>");
    CHECK(list[0].created_since == "6 days ago");
    CHECK(list[0].size == "48.2MB");
    CHECK(list[1].repository == "jellyfin/jellyfin");
    CHECK(list[1].digest.rfind("sha256:", 0) == 0);
    CHECK(list[1].size == "1.27GB");
  }

  // ------------------------------------------------------------------ keys

  TEST_CASE("key_info from /api/settings") {
    const auto k = data_of("settings.json").get<key_info>();
    CHECK(k.id == "690af5defbf30a3c");
    CHECK(k.key_prefix == "ytfufL0=...");
    CHECK(k.label == "wagbot");
    CHECK(k.role == "agent");
    CHECK(k.scopes.size() == 5);
    CHECK(k.has_scope("containers:write"));
    CHECK(k.has_scope("system:read"));
    CHECK_FALSE(k.has_scope("containers:delete"));
    CHECK_FALSE(k.has_scope("images:write"));
    CHECK_FALSE(k.has_scope("*"));
  }

  TEST_CASE("key_info from /api/auth/verify, where `*` holds every scope") {
    const auto k = data_of("auth_verify.json").get<key_info>();
    CHECK(k.id == "d6c0f44c7c660eaa");
    CHECK(k.label == "admin");
    CHECK(k.role == "admin");
    CHECK(k.scopes == std::vector<std::string>{"*"});
    CHECK(k.has_scope("containers:delete"));
    CHECK(k.has_scope("keys:write"));
    CHECK(k.has_scope("marketplace:write"));
  }

  TEST_CASE("key_info reads the docs' meta.scopes and tolerates no scopes") {
    const auto docs = json::parse(R"({"wizard_required":false,"has_key":true,
                                     "meta":{"scopes":["images:read"]}})")
                          .get<key_info>();
    CHECK(docs.scopes == std::vector<std::string>{"images:read"});
    const auto none = json::parse(R"({"id":"k1","label":"x","role":"agent"})").get<key_info>();
    CHECK(none.scopes.empty());
    CHECK_FALSE(none.has_scope("containers:read"));
  }

  // ------------------------------------------------------------------ marketplace

  TEST_CASE("marketplace catalogue apps") {
    const auto data = data_of("marketplace.json");
    CHECK(data["version"] == "1.4.0");
    const auto apps = list_of<app_summary>(data["apps"]);
    REQUIRE(apps.size() == 4);
    CHECK(apps[0].id == "jellyfin");
    CHECK(apps[0].name == "Jellyfin");
    CHECK(apps[0].category == "media");
    CHECK(apps[0].description ==
          "Free software media system to stream your movies, shows and music");
    CHECK(apps[0].default_port == 8096);
    CHECK(apps[0].verified);
    CHECK(apps[0].popularity == doctest::Approx(9.6));
    CHECK(apps[3].id == "openclaw");
    CHECK(apps[3].default_port == 18789);
    CHECK_FALSE(apps[3].verified);
  }

  TEST_CASE("an app without a name is called by its id") {
    const auto a = json::parse(R"({"id":"web-check","defaultPort":"3000"})").get<app_summary>();
    CHECK(a.name == "web-check");
    CHECK(a.default_port == 3000);
  }

  TEST_CASE("app detail: meta, template, integer ports, env with a default") {
    const auto a = data_of("marketplace_app_jellyfin.json").get<app_detail>();
    CHECK(a.meta.id == "jellyfin");
    CHECK(a.meta.name == "Jellyfin");
    CHECK(a.meta.default_port == 8096);
    CHECK(a.image == "jellyfin/jellyfin:latest");
    CHECK(a.ports == std::vector<int>{8096});
    REQUIRE(a.environment.size() == 1);
    CHECK(a.environment[0].name == "TZ");
    CHECK(a.environment[0].description == "Timezone for logs and schedules");
    CHECK_FALSE(a.environment[0].required);
    REQUIRE(a.environment[0].default_value.has_value());
    CHECK(*a.environment[0].default_value == "UTC");
    REQUIRE(a.volumes.is_array());
    CHECK(a.volumes.size() == 3);
    CHECK(a.volumes[0]["name"] == "config");
  }

  TEST_CASE("app detail: a required variable without a default") {
    const auto a = data_of("marketplace_app_plex.json").get<app_detail>();
    CHECK(a.ports == std::vector<int>{32400});
    REQUIRE(a.environment.size() == 2);
    CHECK(a.environment[1].name == "PLEX_CLAIM");
    CHECK(a.environment[1].required);
    CHECK_FALSE(a.environment[1].default_value.has_value());
  }

  TEST_CASE("app detail: environment null (no variables)") {
    const auto a = data_of("marketplace_app_ollama.json").get<app_detail>();
    CHECK(a.meta.name == "Ollama");
    CHECK(a.environment.empty());
    CHECK(a.ports == std::vector<int>{11434});
    CHECK(a.volumes.size() == 1);
  }

  TEST_CASE("app detail without meta falls back to the template") {
    const auto a = json::parse(R"({"template":{"id":"ntfy","name":"ntfy","category":"notifications",
        "description":"Push notifications over HTTP","image":"binwiederhier/ntfy",
        "ports":["80"],"environment":[],"volumes":null}})")
                       .get<app_detail>();
    CHECK(a.meta.id == "ntfy");
    CHECK(a.meta.name == "ntfy");
    CHECK(a.meta.category == "notifications");
    CHECK(a.ports == std::vector<int>{80});
  }

  TEST_CASE("installed apps; `null` means nothing is installed") {
    const auto apps = list_of<installed_app>(data_of("marketplace_installed.json"));
    REQUIRE(apps.size() == 2);
    CHECK(apps[0].app_id == "jellyfin");
    CHECK(apps[0].path == "/opt/wagmios/apps/jellyfin");
    CHECK(apps[0].versions == 2);
    CHECK(apps[1].app_id == "uptime-kuma");
    CHECK(apps[1].versions == 1);

    const auto none = data_of("marketplace_installed_empty.json");
    CHECK(none.is_null());
    CHECK(list_of<installed_app>(none).empty());
  }

  TEST_CASE("marketplace create and start results") {
    const auto created = data_of("marketplace_create.json").get<marketplace_created>();
    CHECK(created.app_id == "jellyfin");
    CHECK(created.app_name == "Jellyfin");
    CHECK(created.install_dir == "/opt/wagmios/apps/jellyfin/20250518-101502");
    CHECK(created.compose_path == "/opt/wagmios/apps/jellyfin/20250518-101502/docker-compose.yml");

    const auto started = data_of("marketplace_start.json").get<marketplace_started>();
    CHECK(started.container_name == "media");
    CHECK(started.compose_path == created.compose_path);
    CHECK(started.output.find("Container media-jellyfin-1  Started") != std::string::npos);
  }

  // ------------------------------------------------------------------ system

  TEST_CASE("system metrics") {
    const auto m = data_of("system_metrics.json").get<system_metrics>();
    CHECK(m.cpu_usage == doctest::Approx(7.83));
    CHECK(m.memory_total == 17179869184ULL);
    CHECK(m.memory_used == 3796751564ULL);
    CHECK(m.memory_percent == doctest::Approx(22.1));
    CHECK(m.disk_total == 512000000000ULL);
    CHECK(m.disk_used == 137800000000ULL);
    CHECK(m.uptime == 261533);
  }

  TEST_CASE("system metrics with parts missing are zero, not an exception") {
    const auto m = json::parse(R"({"cpu":{"usage":1.5},"memory":null})").get<system_metrics>();
    CHECK(m.cpu_usage == doctest::Approx(1.5));
    CHECK(m.memory_total == 0);
    CHECK(m.disk_used == 0);
    CHECK(m.uptime == 0);
  }

  // Reproduced with tests/fuzz/wagmios: a huge, negative or fractional number here was converted to
  // an integer type that cannot hold it (undefined behaviour).
  TEST_CASE("numbers out of range read as zero (or the largest count), never undefined") {
    const auto a = json::parse(R"({"id":"x","defaultPort":1e30})").get<app_summary>();
    CHECK(a.default_port == 0);
    CHECK(json::parse(R"({"id":"x","defaultPort":-1e300})").get<app_summary>().default_port == 0);
    CHECK(json::parse(R"({"id":"x","defaultPort":8096.0})").get<app_summary>().default_port ==
          8096);
    CHECK(
        json::parse(R"({"id":"x","defaultPort":"99999999999"})").get<app_summary>().default_port ==
        0);
    CHECK(json::parse(R"({"id":"x","defaultPort":"8096/tcp"})").get<app_summary>().default_port ==
          8096);
    CHECK(json::parse(R"({"id":"x","defaultPort":18446744073709551615})")
              .get<app_summary>()
              .default_port == 0);
    const auto d = json::parse(R"({"template":{"id":"x","ports":[8096,"7359",4294967296,-2]}})")
                       .get<app_detail>();
    CHECK(d.ports == std::vector<int>{8096, 7359, 0, -2});
    const auto m =
        json::parse(R"({"memory":{"total":1e30,"used":-5},"disk":{"total":-1e30,"used":1.5e3},
                                   "uptime":-1e300})")
            .get<system_metrics>();
    CHECK(m.memory_total == std::numeric_limits<std::uint64_t>::max());
    CHECK(m.memory_used == 0);
    CHECK(m.disk_total == 0);
    CHECK(m.disk_used == 1500);
    CHECK(m.uptime == 0);
    CHECK(json::parse(R"({"uptime":1e300})").get<system_metrics>().uptime ==
          std::numeric_limits<std::uint64_t>::max());
    CHECK(json::parse(R"({"uptime":261533})").get<system_metrics>().uptime == 261533);
  }

  // ------------------------------------------------------------------ activity

  TEST_CASE("activity events of every type") {
    const auto data = parse_envelope(200, fixture_text("wagmios", "activity.json"), false);
    REQUIRE(data.has_value());
    const auto events = list_of<activity_event>((*data)["data"]["events"]);
    REQUIRE(events.size() == 10);

    SUBCASE("api_call") {
      const auto& e = events[0];
      CHECK(e.id == "690af5defbf30a3c");
      CHECK(e.timestamp == "2025-05-18T10:01:02.118Z");
      CHECK(e.type == "api_call");
      CHECK(e.action == "POST");
      CHECK(e.target == "/api/containers/jellyfin/restart");
      CHECK(e.status == "success");
      CHECK(e.agent == "ytfufL0=");
      CHECK(e.details["status_code"] == 200);
      CHECK(e.details["duration_ms"] == 412);
      CHECK(events[8].status == "client_error");
      CHECK(events[8].agent == "unauthenticated");
      CHECK(events[9].status == "server_error");
      CHECK(events[9].agent == "system");
    }
    SUBCASE("container_action") {
      CHECK(events[1].type == "container_action");
      CHECK(events[1].action == "restart");
      CHECK(events[1].target == "jellyfin");
      CHECK(events[1].status == "success");
      CHECK(events[1].details["container_id"] ==
            "4e97c3f9056197b808228db75f4c1b18771bafac146a931d2cac518554961cd9");
      CHECK(events[2].status == "error");
      CHECK(events[2].details["details"] == "Error response from daemon: No such container: ghost");
    }
    SUBCASE("image_pull: pending, then success or error") {
      CHECK(events[3].type == "image_pull");
      CHECK(events[3].action == "pull");
      CHECK(events[3].target == "nginx:alpine");
      CHECK(events[3].status == "pending");
      CHECK(events[3].details.is_null());
      CHECK(events[4].status == "success");
      CHECK(events[5].status == "error");
      REQUIRE(events[5].details.is_string());
      CHECK(events[5].details.get<std::string>().find("pull access denied") != std::string::npos);
    }
    SUBCASE("image_delete") {
      CHECK(events[6].type == "image_delete");
      CHECK(events[6].action == "delete");
      CHECK(events[6].target == "4a4f1b2c9d3e");
      CHECK(events[6].status == "success");
      CHECK(events[7].status == "error");
      CHECK(events[7].details.get<std::string>().find("image is being used") != std::string::npos);
    }
  }

  TEST_CASE("one WebSocket frame is one event") {
    const auto e =
        json::parse(fixture_text("wagmios", "activity_frame.json")).get<activity_event>();
    CHECK(e.type == "container_action");
    CHECK(e.action == "stop");
    CHECK(e.target == "jellyfin");
    CHECK(e.status == "success");
  }
}
