#pragma once
// The crypto library (crypto/, Rust over matrix-sdk-crypto) as a C++ object: one call per
// operation, JSON in and out, errors as wagbot::error whose `code` is the library's kind
// ("missing_key", "untrusted", "identity_mismatch", …). Built without E2EE, open() fails.
#include <memory>
#include <string>

#include <boost/system/result.hpp>

#include "wagbot/protocol/error.hpp"
#include "wagbot/protocol/matrix.hpp"

namespace wagbot::matrix {

/// True when this wagbot was built with end-to-end encryption (WAGBOT_E2EE).
bool e2ee_built();

class crypto_machine {
 public:
  using json = protocol::matrix::json;
  using outcome = boost::system::result<json, wagbot::error>;

  /// {user_id, device_id, store_path, store_key_hex}
  static boost::system::result<std::unique_ptr<crypto_machine>, wagbot::error> open(
      const json& settings);
  ~crypto_machine();
  crypto_machine(const crypto_machine&) = delete;
  crypto_machine& operator=(const crypto_machine&) = delete;

  outcome status();
  outcome outgoing_requests();
  outcome mark_sent(const json& answer);
  outcome receive_sync(const json& changes);
  outcome track_users(const json& users);
  outcome missing_sessions(const json& users);
  outcome share_room_key(const json& room_and_users);
  outcome encrypt(const json& room_type_content);
  outcome decrypt(const json& room_and_event);
  outcome bootstrap_cross_signing();
  outcome import_from_secret_storage(const json& recovery);

 private:
  struct handle;
  explicit crypto_machine(handle* h) : h_(h) {}
  handle* h_;
};

}  // namespace wagbot::matrix
