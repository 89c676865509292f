#include "wagbot/matrix/crypto_machine.hpp"

#ifdef WAGBOT_E2EE
#include "wagbot_crypto.h"
#endif

namespace wagbot::matrix {

namespace {
wagbot::error failure(std::string kind, std::string message) {
  wagbot::error e;
  e.kind = errc::bad_response;
  e.code = std::move(kind);
  e.message = std::move(message);
  return e;
}

#ifdef WAGBOT_E2EE
/// Reads and frees one answer of the library.
crypto_machine::outcome take(char* text) {
  if (text == nullptr) return failure("ffi", "the crypto library gave no answer");
  auto doc = crypto_machine::json::parse(text, nullptr, false);
  wagbot_crypto_free(text);
  if (!doc.is_object()) return failure("ffi", "the crypto library's answer is not JSON");
  if (auto ok = doc.find("ok"); ok != doc.end())
    return crypto_machine::outcome{boost::system::in_place_value, std::move(*ok)};
  return failure(doc.value("kind", "error"), doc.value("error", "unknown error"));
}
#endif
}  // namespace

#ifdef WAGBOT_E2EE
struct crypto_machine::handle {
  wagbot_crypto* c;
};

bool e2ee_built() {
  return true;
}

boost::system::result<std::unique_ptr<crypto_machine>, wagbot::error> crypto_machine::open(
    const json& settings) {
  char* error = nullptr;
  auto* c = wagbot_crypto_open(settings.dump().c_str(), &error);
  if (c == nullptr) {
    auto why = take(error);
    return why ? failure("ffi", "the crypto store did not open") : why.error();
  }
  return std::unique_ptr<crypto_machine>(new crypto_machine(new handle{c}));
}

crypto_machine::~crypto_machine() {
  wagbot_crypto_close(h_->c);
  delete h_;
}

#define WAGBOT_CRYPTO_CALL(method, function)                         \
  crypto_machine::outcome crypto_machine::method(const json& args) { \
    return take(function(h_->c, args.dump().c_str()));               \
  }
#define WAGBOT_CRYPTO_CALL0(method, function)        \
  crypto_machine::outcome crypto_machine::method() { \
    return take(function(h_->c, "{}"));              \
  }
#else
struct crypto_machine::handle {};

bool e2ee_built() {
  return false;
}

boost::system::result<std::unique_ptr<crypto_machine>, wagbot::error> crypto_machine::open(
    const json&) {
  return failure("not_built", "this wagbot was built without end-to-end encryption");
}

crypto_machine::~crypto_machine() = default;

#define WAGBOT_CRYPTO_CALL(method, function)                            \
  crypto_machine::outcome crypto_machine::method(const json&) {         \
    return failure("not_built", "built without end-to-end encryption"); \
  }
#define WAGBOT_CRYPTO_CALL0(method, function)                           \
  crypto_machine::outcome crypto_machine::method() {                    \
    return failure("not_built", "built without end-to-end encryption"); \
  }
#endif

WAGBOT_CRYPTO_CALL0(status, wagbot_crypto_status)
WAGBOT_CRYPTO_CALL0(outgoing_requests, wagbot_crypto_outgoing_requests)
WAGBOT_CRYPTO_CALL(mark_sent, wagbot_crypto_mark_sent)
WAGBOT_CRYPTO_CALL(receive_sync, wagbot_crypto_receive_sync)
WAGBOT_CRYPTO_CALL(track_users, wagbot_crypto_track_users)
WAGBOT_CRYPTO_CALL(missing_sessions, wagbot_crypto_missing_sessions)
WAGBOT_CRYPTO_CALL(share_room_key, wagbot_crypto_share_room_key)
WAGBOT_CRYPTO_CALL(encrypt, wagbot_crypto_encrypt)
WAGBOT_CRYPTO_CALL(decrypt, wagbot_crypto_decrypt)
WAGBOT_CRYPTO_CALL0(bootstrap_cross_signing, wagbot_crypto_bootstrap_cross_signing)
WAGBOT_CRYPTO_CALL(import_from_secret_storage, wagbot_crypto_import_from_secret_storage)

}  // namespace wagbot::matrix
