#include "wagbot/net/tls.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <stdexcept>

namespace wagbot::net {

std::string normalise_fingerprint(const std::string& text) {
  std::string hex;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return hex.size() == 64 ? hex : std::string{};
}

namespace {

std::string leaf_sha256(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (X509_digest(cert, EVP_sha256(), digest.data(), &size) != 1) return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0xF]);
  }
  return out;
}

}  // namespace

void configure_client_context(boost::asio::ssl::context& ctx, const tls_options& options) {
  namespace ssl = boost::asio::ssl;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx.set_verify_mode(ssl::verify_peer);
  if (!options.pinned_sha256.empty()) {
    // A pinned certificate replaces chain and name checks: homelab hosts often use
    // self-signed certificates, and the pin is stronger than either.
    auto pin = normalise_fingerprint(options.pinned_sha256);
    if (pin.empty()) throw std::invalid_argument("pinned fingerprint is not 64 hex digits");
    ctx.set_verify_callback([pin](bool, ssl::verify_context& vc) {
      X509_STORE_CTX* store = vc.native_handle();
      if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
      return leaf_sha256(X509_STORE_CTX_get_current_cert(store)) == pin;
    });
    return;
  }
  if (!options.ca_file.empty()) {
    boost::system::error_code ec;
    ctx.load_verify_file(options.ca_file, ec);
    if (ec)
      throw std::runtime_error("cannot read CA file " + options.ca_file + ": " + ec.message());
  } else {
    ctx.set_default_verify_paths();
  }
}

}  // namespace wagbot::net
