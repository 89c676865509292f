// The `planner:` section of the config (the rest of the file is in config_test.cpp).
#include "wagbot/app/config.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

using wagbot::app::config_error;
using wagbot::app::load_config;
namespace fs = std::filesystem;

namespace {

/// Loads `yaml` from a file of its own; returns the config or the error key ("!" + key).
struct loaded {
  std::optional<wagbot::app::config> cfg;
  std::string error_key;
};

loaded load(const std::string& yaml) {
  std::random_device random;
  const auto dir =
      fs::temp_directory_path() /
      ("wagbot-planner-" + std::to_string(::getpid()) + "-" + std::to_string(random()) + "-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(dir);
  std::ofstream(dir / "wagbot.yaml") << yaml;
  std::ofstream(dir / "llm.key") << "sk-from-a-file\n";
  loaded out;
  try {
    out.cfg = load_config(dir / "wagbot.yaml");
  } catch (const config_error& e) {
    out.error_key = e.key();
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return out;
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("planner: off unless configured") {
    auto none = load("log_level: info\n");
    REQUIRE(none.cfg);
    CHECK_FALSE(none.cfg->planner.enabled);
  }

  TEST_CASE("planner: a full section, with defaults") {
    auto full = load(R"(
planner:
  base_url: http://127.0.0.1:11434/v1
  model: qwen2.5:7b
)");
    REQUIRE(full.cfg);
    const auto& p = full.cfg->planner;
    CHECK(p.enabled);
    CHECK(p.base.host == "127.0.0.1");
    CHECK(p.base.port == 11434);
    CHECK(p.base.path == "/v1");
    CHECK(p.model == "qwen2.5:7b");
    CHECK(p.api_key.empty());
    CHECK(p.timeout_seconds == 60);
    CHECK(p.max_actions == 3);

    auto keyed = load(R"(
planner:
  base_url: https://api.openai.com/v1
  model: gpt-4o-mini
  api_key_file: llm.key
  timeout: 20
  max_actions: 5
)");
    REQUIRE(keyed.cfg);
    CHECK(keyed.cfg->planner.api_key == "sk-from-a-file");
    CHECK(keyed.cfg->planner.base.tls());
    CHECK(keyed.cfg->planner.timeout_seconds == 20);
    CHECK(keyed.cfg->planner.max_actions == 5);
  }

  TEST_CASE("planner: each mistake names its key") {
    const std::string url = "  base_url: http://127.0.0.1:11434/v1\n";
    CHECK(load("planner:\n  model: m\n").error_key == "planner.base_url");
    CHECK(load("planner:\n  base_url: ws://x/v1\n  model: m\n").error_key == "planner.base_url");
    CHECK(load("planner:\n  base_url: not a url\n  model: m\n").error_key == "planner.base_url");
    CHECK(load("planner:\n" + url).error_key == "planner.model");
    CHECK(load("planner:\n" + url + "  model: \"\"\n").error_key == "planner.model");
    CHECK(load("planner:\n" + url + "  model: m\n  api_key: sk-inline\n").error_key ==
          "planner.api_key");
    ::unsetenv("WAGBOT_TEST_UNSET_LLM_KEY");
    CHECK(load("planner:\n" + url + "  model: m\n  api_key_env: WAGBOT_TEST_UNSET_LLM_KEY\n")
              .error_key == "planner.api_key_env");
    CHECK(load("planner:\n" + url + "  model: m\n  timeout: 0\n").error_key == "planner.timeout");
    CHECK(load("planner:\n" + url + "  model: m\n  max_actions: 11\n").error_key ==
          "planner.max_actions");
    CHECK(load("planner:\n" + url + "  model: m\n  max_actions: x\n").error_key ==
          "planner.max_actions");
    CHECK(load("planner:\n" + url + "  model: m\n  ca_file: nowhere.pem\n").error_key ==
          "planner.ca_file");
    CHECK(load("planner:\n" + url + "  model: m\n  temperature: 1\n").error_key ==
          "planner.temperature");
    CHECK(load("planner: yes\n").error_key == "planner");
  }
}
