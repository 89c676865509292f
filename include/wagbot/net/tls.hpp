#pragma once
// How a client trusts a server: the system CAs, a CA file of its own, or one pinned certificate.
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace wagbot::net {

/// Trust settings of one host; the empty value means the system CA store.
struct tls_options {
  std::string ca_file;        ///< PEM bundle to trust instead of the system store
  std::string pinned_sha256;  ///< hex SHA-256 of the leaf certificate's DER (':' allowed)
  bool operator==(const tls_options&) const = default;
};

/// Normalises a fingerprint to 64 lower-case hex digits; empty when it is not one.
std::string normalise_fingerprint(const std::string& text);

/// Builds a TLS 1.2+ client context for these options (throws on an unreadable CA file).
void configure_client_context(boost::asio::ssl::context& ctx, const tls_options& options);

}  // namespace wagbot::net
