#include "wagbot/store/vault.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "wagbot/store/base64.hpp"

namespace wagbot::store {

namespace {

constexpr std::string_view sealed_prefix = "v1:";
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

struct cipher_ctx_deleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter>;

cipher_ctx new_cipher_ctx() {
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  return ctx;
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

/// Holds key material and wipes it on every exit path.
struct wiped_string {
  std::string value;
  ~wiped_string() { OPENSSL_cleanse(value.data(), value.size()); }
};

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<master_key> key_from_hex(std::string_view text) {
  if (text.size() != 2 * std::tuple_size_v<master_key>) return std::nullopt;
  master_key key{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    const int hi = hex_digit(text[2 * i]);
    const int lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return key;
}

std::optional<master_key> key_from_base64(std::string_view text) {
  auto decoded = base64_decode(text);
  if (!decoded) return std::nullopt;
  const wiped_string bytes{std::move(*decoded)};
  if (bytes.value.size() != std::tuple_size_v<master_key>) return std::nullopt;
  master_key key{};
  std::copy(bytes.value.begin(), bytes.value.end(), key.begin());
  return key;
}

master_key key_from_env(std::string_view value) {
  const auto text = trim(value);
  if (auto key = key_from_hex(text)) return *key;
  if (auto key = key_from_base64(text)) return *key;
  throw std::runtime_error(
      "WAGBOT_MASTER_KEY must be 64 hex characters or the base64 of 32 bytes "
      "(generate one with: openssl rand -hex 32)");
}

master_key read_key_file(const std::filesystem::path& file, const struct stat& st) {
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw std::runtime_error(
        fmt::format("master key file {} has mode {:04o}, which lets group/other read it; "
                    "run: chmod 600 {}",
                    file.string(), st.st_mode & 07777, file.string()));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read master key file {}", file.string()));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  wiped_string content{std::move(buffer).str()};
  if (auto key = key_from_base64(trim(content.value))) return *key;
  throw std::runtime_error(
      fmt::format("master key file {} does not hold the base64 of 32 bytes", file.string()));
}

/// Writes a new key with O_EXCL; nullopt when another process created the file first.
std::optional<master_key> create_key_file(const std::filesystem::path& file) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  master_key key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed while generating the master key");
  }
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return std::nullopt;
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("cannot create master key file {}", file.string()));
  }
  wiped_string text{
      base64_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size())) +
      "\n"};
  std::size_t done = 0;
  while (done < text.value.size()) {
    const auto n = ::write(fd, text.value.data() + done, text.value.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      std::filesystem::remove(file);
      throw std::system_error(error, std::generic_category(),
                              fmt::format("cannot write master key file {}", file.string()));
    }
    done += static_cast<std::size_t>(n);
  }
  // Losing this file loses every stored host key, so it must reach the disk.
  const bool synced = ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!synced || !closed) {
    std::filesystem::remove(file);
    throw std::runtime_error(fmt::format("cannot write master key file {}", file.string()));
  }
  return key;
}

/// Readies `ctx` for AES-256-GCM with `key` and `nonce`, to seal (or open), and feeds it `aad`.
bool gcm_start(EVP_CIPHER_CTX* ctx, const master_key& key, const unsigned char* nonce,
               std::string_view aad, bool seal) {
  int len = 0;
  return EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, seal ? 1 : 0) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1 &&
         EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), nonce, -1) == 1 &&
         EVP_CipherUpdate(ctx, nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) == 1;
}

}  // namespace

master_key load_or_create_master_key(const std::filesystem::path& file, const char* env_value) {
  if (env_value != nullptr && *env_value != '\0') return key_from_env(env_value);
  for (int attempt = 0; attempt < 2; ++attempt) {
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0) return read_key_file(file, st);
    if (errno != ENOENT) {
      throw std::system_error(errno, std::generic_category(),
                              fmt::format("cannot stat master key file {}", file.string()));
    }
    if (auto key = create_key_file(file)) return *key;
    // Someone else created it between stat and open: read theirs.
  }
  throw std::runtime_error(fmt::format("cannot load master key file {}", file.string()));
}

vault::vault(const master_key& key) : key_(key) {}

vault::~vault() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

std::string vault::seal(std::string_view plaintext, std::string_view aad) const {
  std::string raw(nonce_size + plaintext.size() + tag_size, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(raw.data());
  auto* body = nonce + nonce_size;
  auto* tag = body + plaintext.size();
  if (RAND_bytes(nonce, static_cast<int>(nonce_size)) != 1) {
    throw std::runtime_error("RAND_bytes failed while sealing");
  }
  auto ctx = new_cipher_ctx();
  int len = 0;
  int body_len = 0;
  const bool ok = gcm_start(ctx.get(), key_, nonce, aad, true) &&
                  EVP_CipherUpdate(ctx.get(), body, &body_len, bytes_of(plaintext),
                                   static_cast<int>(plaintext.size())) == 1 &&
                  EVP_CipherFinal_ex(ctx.get(), body + body_len, &len) == 1 &&
                  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size, tag) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
  return std::string(sealed_prefix) + base64_encode(raw);
}

std::optional<std::string> vault::open(std::string_view sealed, std::string_view aad) const {
  if (!sealed.starts_with(sealed_prefix)) return std::nullopt;
  const auto raw = base64_decode(sealed.substr(sealed_prefix.size()));
  if (!raw || raw->size() < nonce_size + tag_size) return std::nullopt;
  const auto* nonce = bytes_of(*raw);
  const auto* body = nonce + nonce_size;
  const std::size_t body_size = raw->size() - nonce_size - tag_size;
  // OpenSSL takes the expected tag through a non-const pointer but only reads it.
  std::array<unsigned char, tag_size> tag{};
  std::copy_n(body + body_size, tag_size, tag.begin());

  std::string plain(body_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  auto ctx = new_cipher_ctx();
  int len = 0;
  int out_len = 0;
  const bool ok =
      gcm_start(ctx.get(), key_, nonce, aad, false) &&
      EVP_CipherUpdate(ctx.get(), out, &out_len, body, static_cast<int>(body_size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag.data()) == 1 &&
      EVP_CipherFinal_ex(ctx.get(), out + out_len, &len) == 1;
  if (!ok) {
    // GCM decrypts before it verifies: do not leave unauthenticated plaintext in memory.
    OPENSSL_cleanse(plain.data(), plain.size());
    return std::nullopt;
  }
  return plain;
}

}  // namespace wagbot::store
