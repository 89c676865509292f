// Fuzzes the configuration loader (app::load_config) with YAML text. load_config reads a file,
// so each input is written to wagbot.yaml in a private temporary folder, which also holds a
// key file and a token file (and the environment a variable) for the secret paths to find. The
// only failure allowed is app::config_error naming a key; any other exception is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_support.hpp"
#include "wagbot/app/config.hpp"

using namespace wagbot;
namespace fs = std::filesystem;

namespace {

fs::path folder;

void write(const fs::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char tmpl[] = "/tmp/wagbot-fuzz-config-XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  folder = tmpl;
  // A well-formed key (wag_live_ + 44 characters) and a token, for *_file and *_env.
  write(folder / "nas.key", "wag_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
  write(folder / "token", "syt_fuzz_token\n");
  setenv("WAGBOT_FUZZ_KEY", "wag_live_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", 1);
  setenv("WAGBOT_FUZZ_TOKEN", "syt_fuzz_token", 1);
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(folder, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::text_of(data, size);
  // Secret paths are read as files: a config naming a device (/dev/zero, /dev/stdin) would
  // read forever. That is the operator's own file, not a parser fault, so such inputs are left
  // out rather than allowed to hang the run.
  for (const char* device : {"/dev", "/proc", "/sys"})
    if (text.find(device) != std::string_view::npos) return 0;
  const auto file = folder / "wagbot.yaml";
  write(file, text);
  try {
    const auto c = app::load_config(file);
    for (const auto& h : c.hosts) {
      WAGBOT_FUZZ_CHECK(!h.alias.empty() && h.alias != "all");
      WAGBOT_FUZZ_CHECK(c.find_host(h.alias) == &h);
    }
    for (const auto& u : c.users) {
      WAGBOT_FUZZ_CHECK(c.find_user(u.name) == &u);
      for (const auto& k : u.keys) WAGBOT_FUZZ_CHECK(c.find_host(k.host) != nullptr);
      if (u.agent) WAGBOT_FUZZ_CHECK(!u.approvers.empty());
    }
    // The two system containers stay protected whatever the file says.
    int system = 0;
    for (const auto& p : c.protected_containers)
      system += p == "wagmios-backend" || p == "wagmios-frontend";
    WAGBOT_FUZZ_CHECK(system >= 2);
  } catch (const app::config_error& e) {
    WAGBOT_FUZZ_CHECK(!e.key().empty());
  }
  return 0;
}
