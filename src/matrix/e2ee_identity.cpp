// The bot's encryption identity: the store opened with a key kept sealed by the master key,
// a device cross-signed by its own account, and never a silent reset.
#include <filesystem>
#include <fstream>
#include <random>

#include "wagbot/matrix/e2ee.hpp"
#include "wagbot/matrix/sync_fsm.hpp"

namespace wagbot::matrix {

namespace asio = boost::asio;
using pm::json;

namespace {
constexpr const char* store_key_name = "matrix.crypto_store_key";
const char* const reset_hint =
    "To start over deliberately: stop wagbot, delete {} and log the bot in as a new device "
    "(remove matrix.device_id, or delete the stored token), then reset the account's identity "
    "in Element (Settings → Encryption → Reset) or give its recovery key.";
}  // namespace

std::string e2ee::store_key() {
  // A random key for the crypto store, sealed with wagbot's master key like every secret.
  if (auto sealed = kv_.get(store_key_name))
    if (auto key = secrets_.open(*sealed, store_key_name)) return *key;
  std::random_device random;
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += fmt::format("{:02x}", random() & 0xff);
  kv_.set(store_key_name, secrets_.seal(hex, store_key_name));
  return hex;
}

asio::awaitable<int> e2ee::start(const std::string& user_id, const std::string& device_id) {
  user_id_ = user_id;
  const bool existed = std::filesystem::exists(cfg_.crypto_store);
  auto opened = crypto_machine::open({{"user_id", user_id},
                                      {"device_id", device_id},
                                      {"store_path", cfg_.crypto_store},
                                      {"store_key_hex", store_key()}});
  if (!opened) {
    log_.error("cannot open the encryption store {}{}: {}", cfg_.crypto_store,
               existed ? " (made for another device, or with another master key?)" : "",
               opened.error().message);
    log_.error(fmt::runtime(reset_hint), cfg_.crypto_store);
    co_return exit_identity;
  }
  machine_ = std::move(*opened);
  co_await pump();  // our device keys and one-time keys, the first time
  co_return co_await set_up_identity();
}

asio::awaitable<std::optional<std::string>> e2ee::published_master_key() {
  // Asked of the homeserver directly, fresh at every start: a reset done elsewhere shows here.
  json query{{"device_keys", {{user_id_, json::array()}}}};
  std::string method = "POST", path = "/_matrix/client/v3/keys/query";
  auto keys = co_await api_.request(method, path, query);
  if (!keys) co_return std::nullopt;
  const auto master = keys->value("master_keys", json::object()).value(user_id_, json::object());
  const auto public_keys = master.value("keys", json::object());
  for (const auto& [id, key] : public_keys.items())
    if (key.is_string()) co_return key.get<std::string>();
  std::string none;
  co_return none;
}

asio::awaitable<int> e2ee::set_up_identity() {
  machine_->track_users(json::array({user_id_}));
  co_await pump();
  auto st = machine_->status();
  auto published = co_await published_master_key();
  if (!st || !published) {
    log_.error("cannot tell the bot's encryption identity: {}",
               st ? "the homeserver did not answer /keys/query" : st.error().message);
    co_return exit_identity;
  }
  const bool ours = st->value("has_master", false);
  const auto mine = st->value("master_public", json()).is_string() ? st->value("master_public", "")
                                                                   : std::string{};
  const std::string server = published->empty() ? "none" : *published == mine ? "ours" : "other";
  if (ours && server == "ours") {
    log_.info("end-to-end encryption ready: device {} (ed25519 {}), cross-signed: {}",
              st->value("device_id", ""), st->value("ed25519", ""),
              st->value("device_signed_by_owner", false) ? "yes" : "no");
    co_return 0;
  }
  if (!cfg_.recovery_key.empty()) co_return co_await import_identity();
  if (server == "none") co_return co_await bootstrap();
  log_.error("{}",
             ours ? "the account's cross-signing identity on the homeserver is not the one this "
                    "bot holds: it was reset elsewhere. wagbot will not trust it silently."
                  : "the account already has a cross-signing identity (set up in another "
                    "client). Give its recovery key in matrix.recovery_key_env or "
                    "matrix.recovery_key_file, and wagbot joins it.");
  log_.error(fmt::runtime(reset_hint), cfg_.crypto_store);
  co_return exit_identity;
}

asio::awaitable<int> e2ee::bootstrap() {
  auto made = machine_->bootstrap_cross_signing();
  if (!made) {
    log_.error("cannot create a cross-signing identity: {}", made.error().message);
    co_return exit_identity;
  }
  for (const auto& request : made->value("requests", json::array()))
    if (!co_await send_request(request)) {
      log_.error(
          "the homeserver refused the cross-signing keys ({}); if it asks for a password "
          "(an identity existed before), reset it in Element or give its recovery key",
          request.value("path", ""));
      co_return exit_identity;
    }
  for (const auto& data : made->value("account_data", json::array()))
    if (auto put = co_await api_.put_account_data(user_id_, data.value("type", ""),
                                                  data.value("content", json::object()));
        !put)
      log_.warn("secret storage ({}) was not saved: {}", data.value("type", ""), put.error());
  // The recovery key is the one secret the operator must keep: a file only they can read,
  // never a log line or a room.
  const auto file = std::filesystem::path(cfg_.crypto_store).parent_path() / "matrix-recovery-key";
  {
    std::ofstream out(file, std::ios::trunc);
    out << made->value("recovery_key", "") << "\n";
  }
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  log_.warn(
      "created the bot's cross-signing identity. Its recovery key is in {}: keep it "
      "somewhere safe (it restores this identity), then delete the file.",
      file.string());
  co_await pump();
  co_return 0;
}

asio::awaitable<int> e2ee::import_identity() {
  json data = json::object();
  auto fetch = [&](const std::string& type) -> asio::awaitable<void> {
    if (auto got = co_await api_.account_data(user_id_, type)) data[type] = *got;
  };
  co_await fetch("m.secret_storage.default_key");
  const auto key_id = data.value("m.secret_storage.default_key", json::object()).value("key", "");
  co_await fetch("m.secret_storage.key." + key_id);
  for (const char* type :
       {"m.cross_signing.master", "m.cross_signing.self_signing", "m.cross_signing.user_signing"})
    co_await fetch(type);
  auto imported = machine_->import_from_secret_storage(
      {{"recovery_key", cfg_.recovery_key}, {"account_data", data}});
  if (!imported) {
    log_.error("cannot join the account's identity with the recovery key: {}",
               imported.error().message);
    co_return exit_identity;
  }
  for (const auto& request : imported->value("requests", json::array()))
    if (!co_await send_request(request)) co_return exit_identity;
  co_await pump();
  log_.info("joined the account's cross-signing identity; this device is signed by it");
  co_return 0;
}

}  // namespace wagbot::matrix
