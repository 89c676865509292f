#pragma once
// The key vault: the master key, and authenticated encryption of host API keys at rest.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace wagbot::store {

/// The 32-byte AES-256 key every stored secret is sealed with.
using master_key = std::array<unsigned char, 32>;

/// If env_value is non-null and non-empty: it is 64 hex chars or base64 of 32 bytes (else throw
/// std::runtime_error naming WAGBOT_MASTER_KEY, never printing the value). Otherwise read `file`
/// (refuse with a clear std::runtime_error if its mode allows group/other access; content is base64
/// text of 32 bytes); if it does not exist, create parent dirs, generate 32 bytes with RAND_bytes
/// and write it with O_CREAT|O_EXCL mode 0600. A Docker secret used as the file needs `mode: 0400`.
master_key load_or_create_master_key(const std::filesystem::path& file, const char* env_value);

/// AES-256-GCM with a fresh 12-byte random nonce per seal; `aad` binds a ciphertext to its row.
class vault {
 public:
  /// Keeps a copy of the key, wiped when the vault is destroyed.
  explicit vault(const master_key& key);
  ~vault();
  vault(const vault&) = default;
  vault& operator=(const vault&) = default;

  /// Returns "v1:" + base64(nonce | ciphertext | 16-byte tag).
  std::string seal(std::string_view plaintext, std::string_view aad) const;

  /// nullopt when the text is malformed, the tag does not verify, or the aad differs.
  std::optional<std::string> open(std::string_view sealed, std::string_view aad) const;

 private:
  master_key key_;
};

}  // namespace wagbot::store
