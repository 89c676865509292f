#include "wagbot/app/config.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <unistd.h>

using wagbot::app::config;
using wagbot::app::config_error;
using wagbot::app::load_config;
namespace fs = std::filesystem;

namespace {

const std::string alice_key = "wag_live_O0ubdq6phGvQZ4haN_Kd2AWc_cfsgMgljBZkytfufL0=";
const std::string bob_key = "wag_live_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde=";

/// A uniquely named folder for one test's files, removed with them.
class scratch {
 public:
  scratch() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("wagbot-config-" + std::to_string(::getpid()) + "-" + std::to_string(random()) + "-" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~scratch() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;

  const fs::path& path() const { return path_; }

  /// Writes `text` to `name` (folders created) and returns its path.
  fs::path write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  fs::path path_;
};

/// The key() of the config_error that loading `yaml` throws ("" when none is thrown).
std::string error_key(const std::string& yaml, std::string* what = nullptr) {
  scratch dir;
  try {
    load_config(dir.write("wagbot.yaml", yaml));
  } catch (const config_error& e) {
    if (what) *what = e.what();
    return e.key();
  }
  return "";
}

/// Sets an environment variable for the life of the value.
struct env_var {
  env_var(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~env_var() { ::unsetenv(name_); }
  env_var(const env_var&) = delete;
  env_var& operator=(const env_var&) = delete;

 private:
  const char* name_;
};

const std::string two_hosts = R"(
hosts:
  - alias: nas
    url: http://192.168.1.10:5179
  - alias: media
    url: https://media.home.arpa:5179
)";

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("a full configuration loads, with defaults and resolved paths") {
    scratch dir;
    dir.write("secrets/alice_nas.key", alice_key + "\n");
    const auto file = dir.write("etc/wagbot.yaml", R"(
# wagbot configuration
data_dir: state
log_level: debug
log_format: json
confirmation_timeout: 120
protected_containers: [traefik, wagmios-backend]
allow_user_hosts: true
timeouts:
  pull: 240
hosts:
  - alias: NAS
    url: http://192.168.1.10:5179/
    description: [The NAS, storage]
  - alias: media
    url: https://media.home.arpa:5179
    pinned_sha256: "3F:1A:9C:0E:5B:7D:2F:4A:6C:8E:0B:1D:3F:5A:7C:9E:2B:4D:6F:8A:0C:1E:3B:5D:7F:9A:2C:4E:6B:8D:0F:1A"
users:
  - name: alice
    admin: true
    shell: alice
    matrix: "@alice:example.org"
    discord: "123456789012345678"
    keys:
      - host: nas
        key_file: ../secrets/alice_nas.key
  - name: helper-bot
    agent: true
    approvers: [alice]
    matrix: ["@helper:example.org"]
)");
    const config c = load_config(file);

    CHECK(c.path == file);
    CHECK(c.data_dir == fs::absolute(dir.path() / "etc" / "state"));
    CHECK(c.master_key_file == c.data_dir / "master.key");
    CHECK(c.log_level == "debug");
    CHECK(c.log_format == "json");
    CHECK(c.confirmation_timeout_seconds == 120);
    CHECK(c.scope_cache_seconds == 60);
    CHECK(c.allow_user_hosts);
    CHECK(c.timeouts.request_seconds == 10);
    CHECK(c.timeouts.pull_seconds == 240);
    CHECK(c.timeouts.marketplace_start_seconds == 300);

    CHECK(c.protected_containers.size() == 3);
    CHECK(has(c.protected_containers, "wagmios-backend"));
    CHECK(has(c.protected_containers, "wagmios-frontend"));
    CHECK(has(c.protected_containers, "traefik"));

    REQUIRE(c.hosts.size() == 2);
    const auto* nas = c.find_host("nas");
    REQUIRE(nas);
    CHECK(nas->url == "http://192.168.1.10:5179/");
    CHECK(nas->base.host == "192.168.1.10");
    CHECK(nas->base.port == 5179);
    CHECK(nas->base.path.empty());
    CHECK(nas->description == std::vector<std::string>{"the nas", "storage"});
    const auto* media = c.find_host("media");
    REQUIRE(media);
    CHECK(media->base.tls());
    CHECK(media->tls.pinned_sha256 ==
          "3f1a9c0e5b7d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a");
    CHECK(c.find_host("all") == nullptr);

    REQUIRE(c.users.size() == 2);
    const auto* alice = c.find_user("alice");
    REQUIRE(alice);
    CHECK(alice->admin);
    CHECK_FALSE(alice->agent);
    REQUIRE(alice->keys.size() == 1);
    CHECK(alice->keys[0].host == "nas");
    CHECK(alice->keys[0].secret == alice_key);
    const auto* helper = c.find_user("helper-bot");
    REQUIRE(helper);
    CHECK(helper->agent);
    CHECK(helper->approvers == std::vector<std::string>{"alice"});

    CHECK(c.user_by_network_id("matrix", "@alice:example.org") == alice);
    CHECK(c.user_by_network_id("matrix", "@helper:example.org") == helper);
    CHECK(c.user_by_network_id("discord", "123456789012345678") == alice);
    CHECK(c.user_by_network_id("shell", "alice") == alice);
    CHECK(c.user_by_network_id("matrix", "@mallory:example.org") == nullptr);
    // A network nobody configured knows nobody, even by another network's id.
    CHECK(c.user_by_network_id("irc", "123456789012345678") == nullptr);
    CHECK(c.user_by_network_id("slack", "alice") == nullptr);
  }

  TEST_CASE("a file that sets one thing gives the defaults for the rest") {
    scratch dir;
    const auto c = load_config(dir.write("wagbot.yaml", "# nearly nothing yet\nlog_level: info\n"));
    CHECK(c.data_dir == fs::absolute(dir.path() / "data"));
    CHECK(c.log_level == "info");
    CHECK(c.log_format == "text");
    CHECK(c.confirmation_timeout_seconds == 300);
    CHECK_FALSE(c.allow_user_hosts);
    CHECK(c.hosts.empty());
    CHECK(c.users.empty());
    CHECK(c.protected_containers ==
          std::vector<std::string>{"wagmios-backend", "wagmios-frontend"});
  }

  TEST_CASE("timeouts.settle: 3 s by default, 0 to 60 allowed, anything else refused by key") {
    scratch dir;
    CHECK(load_config(dir.write("a.yaml", "log_level: info\n")).timeouts.settle_seconds == 3);
    CHECK(load_config(dir.write("b.yaml", "timeouts:\n  settle: 0\n")).timeouts.settle_seconds ==
          0);
    CHECK(error_key("timeouts:\n  settle: 61\n") == "timeouts.settle");
    CHECK(error_key("timeouts:\n  settle: -1\n") == "timeouts.settle");
    CHECK(error_key("timeouts:\n  settle: soon\n") == "timeouts.settle");
  }

  TEST_CASE("the two system containers stay protected whatever the file lists") {
    scratch dir;
    auto c = load_config(dir.write("a.yaml", "protected_containers: [traefik]\n"));
    CHECK(has(c.protected_containers, "wagmios-backend"));
    CHECK(has(c.protected_containers, "wagmios-frontend"));
    CHECK(has(c.protected_containers, "traefik"));
    c = load_config(dir.write("b.yaml", "protected_containers: []\n"));
    CHECK(has(c.protected_containers, "wagmios-backend"));
    CHECK(has(c.protected_containers, "wagmios-frontend"));
  }

  TEST_CASE("an absolute data_dir is kept as written") {
    scratch dir;
    const auto target = dir.path() / "elsewhere";
    const auto c = load_config(dir.write("wagbot.yaml", "data_dir: " + target.string() + "\n"));
    CHECK(c.data_dir == target);
  }

  TEST_CASE("a preset key from key_file (a Docker secret with a trailing newline)") {
    scratch dir;
    dir.write("alice.key", alice_key + "\n");
    const auto c = load_config(dir.write("wagbot.yaml", two_hosts + R"(
users:
  - name: alice
    keys:
      - host: NAS
        key_file: alice.key
)"));
    REQUIRE(c.users.at(0).keys.size() == 1);
    CHECK(c.users[0].keys[0].host == "nas");
    CHECK(c.users[0].keys[0].secret == alice_key);
  }

  TEST_CASE("a preset key from key_env") {
    const env_var var("WAGBOT_TEST_BOB_MEDIA_KEY", bob_key);
    scratch dir;
    const auto c = load_config(dir.write("wagbot.yaml", two_hosts + R"(
users:
  - name: bob
    keys:
      - host: media
        key_env: WAGBOT_TEST_BOB_MEDIA_KEY
)"));
    REQUIRE(c.users.at(0).keys.size() == 1);
    CHECK(c.users[0].keys[0].host == "media");
    CHECK(c.users[0].keys[0].secret == bob_key);
  }

  TEST_CASE("an unknown top-level key is named") {
    CHECK(error_key("hots:\n  - alias: nas\n    url: http://nas:5179\n") == "hots");
    CHECK(error_key("log_levle: debug\n") == "log_levle");
  }

  TEST_CASE("a key that is a list or a mapping is a config error, not a crash") {
    CHECK(error_key("? [a, b]\n: 1\n") == "(top level)");
    CHECK(error_key("users:\n  - name: alice\n    ? keys:\n        - {host: nas}\n") == "users[0]");
    CHECK(error_key("hosts:\n  - {alias: nas, {url: x}: 1}\n") == "hosts[0]");
    CHECK(error_key("~: 1\n") == "(top level)");
    CHECK(error_key("? !\n") == "\"\"");  // an empty key is named, not left blank
    CHECK(error_key("hosts:\n  - {alias: nas, '': 1}\n") == "hosts[0].\"\"");
  }

  TEST_CASE("an unknown key inside a host is named") {
    CHECK(error_key("hosts:\n  - alias: nas\n    uri: http://nas:5179\n") == "hosts[0].uri");
  }

  TEST_CASE("a host URL must be http(s)") {
    CHECK(error_key(R"(
hosts:
  - alias: nas
    url: http://192.168.1.10:5179
  - alias: media
    url: ftp://media.home.arpa
)") == "hosts[1].url");
    CHECK(error_key("hosts:\n  - alias: nas\n    url: 192.168.1.10:5179\n") == "hosts[0].url");
    CHECK(error_key("hosts:\n  - alias: nas\n    url: http://nas:99999\n") == "hosts[0].url");
    CHECK(error_key("hosts:\n  - alias: nas\n") == "hosts[0].url");
  }

  TEST_CASE("TLS settings on a plain-http host are refused") {
    CHECK(error_key(R"(
hosts:
  - alias: nas
    url: http://192.168.1.10:5179
    pinned_sha256: 3f1a9c0e5b7d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a
)") == "hosts[0].url");
    CHECK(error_key(R"(
hosts:
  - alias: media
    url: https://media.home.arpa:5179
    pinned_sha256: 3F:1A:9C
)") == "hosts[0].pinned_sha256");
  }

  TEST_CASE("an alias is used once, whatever its case") {
    CHECK(error_key(R"(
hosts:
  - alias: nas
    url: http://192.168.1.10:5179
  - alias: NAS
    url: http://192.168.1.11:5179
)") == "hosts[1].alias");
  }

  TEST_CASE("`all` is not an alias") {
    CHECK(error_key("hosts:\n  - alias: all\n    url: http://nas:5179\n") == "hosts[0].alias");
    CHECK(error_key("hosts:\n  - alias: ALL\n    url: http://nas:5179\n") == "hosts[0].alias");
    CHECK(error_key("hosts:\n  - alias: the nas\n    url: http://nas:5179\n") == "hosts[0].alias");
  }

  TEST_CASE("log_level must be one of debug, info, warn, error") {
    CHECK(error_key("log_level: verbose\n") == "log_level");
    CHECK(error_key("log_format: xml\n") == "log_format");
  }

  TEST_CASE("timeouts must be positive whole numbers") {
    CHECK(error_key("confirmation_timeout: -5\n") == "confirmation_timeout");
    CHECK(error_key("confirmation_timeout: 0\n") == "confirmation_timeout");
    CHECK(error_key("confirmation_timeout: soon\n") == "confirmation_timeout");
    CHECK(error_key("timeouts:\n  pull: -1\n") == "timeouts.pull");
  }

  TEST_CASE("a key written in clear in the file is refused, and not echoed") {
    std::string what;
    CHECK(error_key(two_hosts + R"(
users:
  - name: alice
    keys:
      - host: nas
        key: )" + alice_key +
                        "\n",
                    &what) == "users[0].keys[0].key");
    CHECK(what.find(alice_key) == std::string::npos);
    CHECK(what.find(alice_key.substr(9, 20)) == std::string::npos);
    CHECK(what.find("use key_env or key_file") != std::string::npos);
  }

  TEST_CASE("key_env naming an unset variable is refused") {
    ::unsetenv("WAGBOT_TEST_UNSET_KEY_VARIABLE");
    CHECK(error_key(two_hosts + R"(
users:
  - name: alice
    keys:
      - host: nas
        key_env: WAGBOT_TEST_UNSET_KEY_VARIABLE
)") == "users[0].keys[0].key_env");
  }

  TEST_CASE("a key_file that cannot be read is refused") {
    CHECK(error_key(two_hosts + R"(
users:
  - name: alice
    keys:
      - host: nas
        key_file: /nonexistent/wagbot/alice.key
)") == "users[0].keys[0].key_file");
  }

  TEST_CASE("a secret that is not wag_live_ and 44 characters is refused, and not echoed") {
    for (const std::string& bad :
         {std::string("wag_live_tooshort"), alice_key.substr(0, 52), alice_key + "A",
          "wag_test_" + alice_key.substr(9), std::string("hunter2hunter2hunter2")}) {
      CAPTURE(bad.size());
      const env_var var("WAGBOT_TEST_BAD_KEY", bad);
      std::string what;
      CHECK(error_key(two_hosts + R"(
users:
  - name: alice
    keys:
      - host: nas
        key_env: WAGBOT_TEST_BAD_KEY
)",
                      &what) == "users[0].keys[0]");
      CHECK(what.find(bad) == std::string::npos);
    }
  }

  TEST_CASE("an agent needs approvers, and approvers are users") {
    CHECK(error_key(R"(
users:
  - name: alice
  - name: helper-bot
    agent: true
)") == "users[1].approvers");
    CHECK(error_key(R"(
users:
  - name: alice
  - name: helper-bot
    agent: true
    approvers: [alice, carol]
)") == "users[1].approvers");
  }

  TEST_CASE("a preset key must name a host from hosts") {
    scratch dir;
    dir.write("alice.key", alice_key);
    CHECK(error_key(two_hosts + R"(
users:
  - name: alice
    keys:
      - host: nas
        key_file: )" +
                    (dir.path() / "alice.key").string() +
                    R"(
      - host: garage
        key_file: )" +
                    (dir.path() / "alice.key").string() + "\n") == "users[0].keys[1].host");
  }

  TEST_CASE("a user name is used once") {
    CHECK(error_key("users:\n  - name: alice\n  - name: alice\n") == "users[1].name");
  }

  TEST_CASE("a YAML syntax error is reported as (syntax)") {
    std::string what;
    CHECK(error_key("hosts:\n  - alias: nas\n    url: [http://nas:5179\n", &what) == "(syntax)");
    CHECK(what.find("line") != std::string::npos);
    CHECK(error_key("log_level: info\n  bad: : indent\n") == "(syntax)");
  }

  TEST_CASE("a missing file is reported as (file)") {
    scratch dir;
    try {
      load_config(dir.path() / "absent.yaml");
      FAIL("no error for a missing file");
    } catch (const config_error& e) {
      CHECK(e.key() == "(file)");
    }
  }

  TEST_CASE("the matrix, discord and alerts sections, and monitor keys, name their bad key") {
    env_var token("WAGBOT_TEST_TRANSPORT_SECRET", "s3cret");
    const std::string matrix_ok =
        "matrix:\n  homeserver: http://127.0.0.1:8008\n  user_id: \"@wagbot:localhost\"\n"
        "  password_env: WAGBOT_TEST_TRANSPORT_SECRET\n";
    CHECK(error_key(matrix_ok).empty());
    CHECK(error_key("matrix:\n  user_id: \"@w:x\"\n") == "matrix.homeserver");
    CHECK(error_key("matrix:\n  homeserver: ws://x\n  user_id: \"@w:x\"\n  password_env: "
                    "WAGBOT_TEST_TRANSPORT_SECRET\n") == "matrix.homeserver");
    CHECK(error_key("matrix:\n  homeserver: http://x\n  user_id: wagbot\n  password_env: "
                    "WAGBOT_TEST_TRANSPORT_SECRET\n") == "matrix.user_id");
    CHECK(error_key("matrix:\n  homeserver: http://x\n  user_id: \"@w:x\"\n") ==
          "matrix");  // no credentials
    CHECK(
        error_key("matrix:\n  homeserver: http://x\n  user_id: \"@w:x\"\n  password: hunter2\n") ==
        "matrix.password");
    CHECK(error_key(matrix_ok + "  allowed_inviters: [\"bob\"]\n") == "matrix.allowed_inviters[0]");

    const std::string discord_ok =
        "discord:\n  token_env: WAGBOT_TEST_TRANSPORT_SECRET\n  guilds: [\"123\"]\n";
    CHECK(error_key(discord_ok).empty());
    CHECK(error_key("discord:\n  guilds: [\"123\"]\n") == "discord");  // no token
    CHECK(error_key("discord:\n  token_env: WAGBOT_TEST_TRANSPORT_SECRET\n  guilds: [general]\n") ==
          "discord.guilds[0]");
    CHECK(error_key("discord:\n  token_env: WAGBOT_TEST_TRANSPORT_SECRET\n") == "discord.guilds");
    CHECK(error_key(discord_ok + "  shard: [2, 2]\n") == "discord.shard");

    CHECK(error_key("alerts:\n  poll_interval: 0\n") == "alerts.poll_interval");
    CHECK(error_key("alerts:\n  flap_treshold: 3\n") == "alerts.flap_treshold");
    env_var monitor("WAGBOT_TEST_MONITOR", "not-a-key");
    CHECK(error_key("hosts:\n  - alias: nas\n    url: http://nas:5179\n    monitor_key_env: "
                    "WAGBOT_TEST_MONITOR\n") == "hosts[0].monitor_key");
  }

  TEST_CASE("observability.listen: an IP and a port, off when absent") {
    scratch dir;
    auto cfg = load_config(dir.write("a.yaml", "observability:\n  listen: 127.0.0.1:9464\n"));
    CHECK(cfg.observability.enabled());
    CHECK(cfg.observability.address == "127.0.0.1");
    CHECK(cfg.observability.port == 9464);
    cfg = load_config(dir.write("b.yaml", "observability:\n  listen: \"[::1]:0\"\n"));
    CHECK(cfg.observability.address == "::1");
    CHECK(cfg.observability.port == 0);
    CHECK_FALSE(load_config(dir.write("c.yaml", "log_level: info\n")).observability.enabled());
    std::string what;
    CHECK(error_key("observability:\n  listen: localhost:9464\n", &what) == "observability.listen");
    CHECK(what.find("IP address") != std::string::npos);
    CHECK(error_key("observability:\n  listen: 127.0.0.1\n") == "observability.listen");
    CHECK(error_key("observability:\n  listen: 127.0.0.1:70000\n") == "observability.listen");
    CHECK(error_key("observability:\n  listen: 127.0.0.1:http\n") == "observability.listen");
    CHECK(error_key("observability:\n  port: 9464\n") == "observability.port");
  }
}
