// What an operator is told about a bad config: every problem at once, each naming its key.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "wagbot/app/config.hpp"

using wagbot::app::config_error;
using wagbot::app::config_errors;
using wagbot::app::load_config;
using wagbot::app::load_options;
namespace fs = std::filesystem;

namespace {

/// A folder of its own for one test, removed with it.
class folder {
 public:
  folder() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("wagbot-problems-" + std::to_string(::getpid()) + "-" + std::to_string(random()) +
             "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~folder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  folder(const folder&) = delete;
  folder& operator=(const folder&) = delete;

  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return path_ / name;
  }

 private:
  fs::path path_;
};

/// The keys of every problem loading `yaml` reports, in order (none when it loads).
std::vector<std::string> problems(const std::string& yaml, const load_options& options = {},
                                  std::string* text = nullptr) {
  folder dir;
  try {
    load_config(dir.write("wagbot.yaml", yaml), options);
  } catch (const config_errors& e) {
    std::vector<std::string> keys;
    for (const auto& p : e.all()) {
      keys.push_back(p.key());
      if (text) *text += std::string(p.what()) + "\n";
    }
    return keys;
  } catch (const config_error& e) {
    if (text) *text = e.what();
    return {e.key()};
  }
  return {};
}

using keys = std::vector<std::string>;

}  // namespace

TEST_SUITE("config problems") {
  TEST_CASE("every problem of a file is reported in one go, in the order of the file") {
    ::unsetenv("WAGBOT_TEST_NO_SUCH_PASSWORD");
    const std::string yaml = R"(
log_level: loud
confirmation_timeout: 0
hosts:
  - {alias: nas, url: "ftp://nas"}
  - {alias: media, uri: "http://media"}
users:
  - {name: Alice, matrix: "alice:example.org"}
  - {name: bob, keys: [{host: nas, key: wag_live_x}]}
matrix:
  user_id: wagbot
  password_env: WAGBOT_TEST_NO_SUCH_PASSWORD
alerts: {poll_interval: 0}
)";
    CHECK(problems(yaml) == keys{"log_level", "confirmation_timeout", "hosts[0].url",
                                 "hosts[1].uri", "hosts[1].url", "users[0].name",
                                 "users[0].matrix[0]", "users[1].keys[0].key", "matrix.homeserver",
                                 "matrix.user_id", "matrix.password_env", "alerts.poll_interval"});
    // The first problem is also the exception's own key and message, as before.
    folder dir;
    try {
      load_config(dir.write("wagbot.yaml", yaml));
      FAIL("a bad config loaded");
    } catch (const config_error& e) {
      CHECK(e.key() == "log_level");
      CHECK(std::string(e.what()) == "log_level: must be debug, info, warn or error");
    }
  }

  TEST_CASE("a host that is wrong in one way still counts for the users who name it") {
    // Only the URL is reported: not also a preset key "naming a host that does not exist".
    CHECK(problems("hosts:\n  - {alias: nas, url: \"ftp://nas\"}\nusers:\n  - name: alice\n"
                   "    keys: [{host: nas, key_file: nowhere.key}]\n",
                   {.secrets = false}) == keys{"hosts[0].url"});
    // A user entry that is no mapping at all keeps the indexes of those after it.
    CHECK(problems("users:\n  - alice\n  - {name: bob, agent: true}\n") ==
          keys{"users[0]", "users[1].approvers"});
  }

  TEST_CASE("an empty file is an error, not a bot nobody may use") {
    for (const std::string& empty :
         {std::string(""), std::string("# to do\n"), std::string("{}\n"), std::string("---\n")}) {
      CAPTURE(empty);
      std::string text;
      CHECK(problems(empty, {}, &text) == keys{"(file)"});
      CHECK(text.find("is empty") != std::string::npos);
      CHECK(text.find("wagbot.example.yaml") != std::string::npos);
    }
  }

  TEST_CASE("a Matrix id without its @ or its server is refused, naming the key") {
    std::string text;
    CHECK(problems("users:\n  - {name: alice, matrix: [\"@alice:hs\", \"alice:hs\"]}\n", {},
                   &text) == keys{"users[0].matrix[1]"});
    CHECK(text.find("@alice:example.org") != std::string::npos);
    CHECK(problems("users:\n  - {name: alice, matrix: \"@alice\"}\n") ==
          keys{"users[0].matrix[0]"});
    CHECK(problems("users:\n  - {name: alice, discord: alice#1234}\n") ==
          keys{"users[0].discord[0]"});
    CHECK(
        problems("users:\n  - {name: alice, matrix: \"@alice:hs\", discord: \"1234\"}\n").empty());
    const std::string matrix =
        "matrix:\n  homeserver: http://hs\n  user_id: \"@bot:hs\"\n  password_env: X\n";
    CHECK(problems(matrix + "  allowed_inviters: [\"alice:hs\", \"@bob\", \":\", \":hs\", "
                            "\"@carol:hs\", \"*\"]\n",
                   {.secrets = false}) == keys{"matrix.allowed_inviters[0]",
                                               "matrix.allowed_inviters[1]",
                                               "matrix.allowed_inviters[2]"});
  }

  TEST_CASE("a switch that is not true or false, or a URL that is not http(s), names its key") {
    std::string text;
    CHECK(problems("discord: {token_env: X, guilds: [\"1\"], compress: maybe, user_install: 2,"
                   " global_commands: yes}\n",
                   {.secrets = false}, &text) ==
          keys{"discord.compress", "discord.user_install"});  // YAML's "yes" is true
    CHECK(text.find("discord.compress: must be true or false") != std::string::npos);
    text.clear();
    CHECK(problems("matrix: {homeserver: \"wss://hs\", user_id: \"@b:hs\", password_env: X}\n"
                   "planner: {model: m}\n"
                   "hosts:\n  - {alias: nas, url: [http://nas]}\n",
                   {.secrets = false},
                   &text) == keys{"hosts[0].url", "matrix.homeserver", "planner.base_url"});
    CHECK(text.find("hosts[0].url: must be a URL") != std::string::npos);
    CHECK(text.find("matrix.homeserver: must be an http:// or https:// URL") != std::string::npos);
    CHECK(text.find("planner.base_url: is required (e.g. http://127.0.0.1:11434/v1)") !=
          std::string::npos);
  }

  TEST_CASE("an unknown key is refused in every section, all of them at once") {
    const std::string yaml = R"(
agents: []
command_prefix: "!"
timeouts: {requests: 5}
hosts:
  - {alias: nas, url: "http://nas", monitor: true}
users:
  - {name: alice, shel: alice, keys: [{host: nas, key_env: X, scope: all}]}
matrix: {homeserver: "http://hs", user_id: "@b:hs", password_env: X, sync_timeout: 5}
discord: {token_env: X, guilds: ["1"], guild: ["2"]}
alerts: {poll: 5}
observability: {port: 9464}
planner: {base_url: "http://llm", model: m, temperature: 0}
)";
    CHECK(problems(yaml, {.secrets = false}) ==
          keys{"agents", "command_prefix", "timeouts.requests", "hosts[0].monitor", "users[0].shel",
               "users[0].keys[0].scope", "matrix.sync_timeout", "discord.guild", "alerts.poll",
               "observability.port", "planner.temperature"});
  }

  TEST_CASE("without secrets, the keys naming them are checked but nothing is read") {
    for (const char* name : {"WAGBOT_TEST_UNSET_A", "WAGBOT_TEST_UNSET_B", "WAGBOT_TEST_UNSET_C"})
      ::unsetenv(name);
    const std::string yaml = R"(
hosts:
  - {alias: nas, url: "http://nas", monitor_key_env: WAGBOT_TEST_UNSET_A}
users:
  - {name: alice, keys: [{host: nas, key_file: /nonexistent/alice.key}]}
matrix: {homeserver: "http://hs", user_id: "@b:hs", password_env: WAGBOT_TEST_UNSET_B}
discord: {token_env: WAGBOT_TEST_UNSET_C, guilds: ["1"]}
observability: {listen: "127.0.0.1:9464"}
)";
    CHECK(problems(yaml) == keys{"hosts[0].monitor_key_env", "users[0].keys[0].key_file",
                                 "matrix.password_env", "discord.token_env"});
    folder dir;
    const auto c = load_config(dir.write("wagbot.yaml", yaml), {.secrets = false});
    CHECK(c.observability.port == 9464);
    CHECK(c.hosts.at(0).monitor_key.empty());
    CHECK(c.users.at(0).keys.at(0).secret.empty());
    CHECK(c.matrix.password.empty());
    CHECK(c.discord.token.empty());
    // What is wrong without reading anything stays wrong.
    CHECK(problems("matrix: {homeserver: \"http://hs\", user_id: \"@b:hs\"}\n",
                   {.secrets = false}) == keys{"matrix"});
    CHECK(problems("matrix: {homeserver: \"http://hs\", user_id: \"@b:hs\", password: x}\n",
                   {.secrets = false}) == keys{"matrix.password", "matrix"});
    CHECK(problems("hosts:\n  - {alias: nas, url: \"http://nas\"}\nusers:\n  - name: alice\n"
                   "    keys: [{host: nas}]\n",
                   {.secrets = false}) == keys{"users[0].keys[0]"});
  }

  TEST_CASE("a secret file that is empty is refused") {
    folder dir;
    dir.write("token", "\n");
    const auto file = dir.write("wagbot.yaml", "discord: {token_file: token, guilds: [\"1\"]}\n");
    try {
      load_config(file);
      FAIL("an empty token file was accepted");
    } catch (const config_error& e) {
      CHECK(e.key() == "discord.token_file");
      CHECK(std::string(e.what()).find("is empty") != std::string::npos);
    }
  }
}
