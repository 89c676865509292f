#include "wagbot/app/app.hpp"

#include <cstdlib>
#include <filesystem>

#include "commands/commands.hpp"

namespace wagbot::app {

application::application(config cfg) : cfg_(std::move(cfg)) {
  log_ = core::logger(core::parse_log_level(cfg_.log_level), core::stderr_sink(cfg_.log_format == "json"));
  std::filesystem::create_directories(cfg_.data_dir);
  std::filesystem::permissions(cfg_.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  http_ = std::make_unique<net::http_client>(io_.get_executor(), "wagbot/" WAGBOT_VERSION);
  db_ = std::make_unique<store::database>((cfg_.data_dir / "wagbot.db").string());
  vault_ = std::make_unique<store::vault>(
      store::load_or_create_master_key(cfg_.master_key_file, std::getenv("WAGBOT_MASTER_KEY")));
  keys_ = std::make_unique<store::key_store>(*db_, *vault_);
  confirmations_ = std::make_unique<store::confirmation_store>(*db_);
  audit_ = std::make_unique<store::audit_log>(*db_);
  rooms_ = std::make_unique<store::room_settings>(*db_);
  engine_ = std::make_unique<engine>(cfg_, log_.child("engine"), *http_, *keys_, *confirmations_,
                                     *audit_, *rooms_);
  dispatcher_ = std::make_unique<dispatcher>(*engine_, commands::all());
  import_preset_keys();
}

application::~application() = default;

void application::import_preset_keys() {
  for (const auto& user : cfg_.users)
    for (const auto& preset : user.keys) {
      const auto* host = cfg_.find_host(preset.host);
      auto existing = keys_->get(user.name, preset.host);
      if (existing && existing->secret == preset.secret && existing->url == host->url) continue;
      keys_->put(user.name, preset.host, host->url, preset.secret, system_now());
      log_.info("imported {}'s key for @{} from the config", user.name, preset.host);
    }
}

}  // namespace wagbot::app
