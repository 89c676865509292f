// The crypto library across its C boundary: a real store in a temporary folder, real answers.
// (Two parties exchanging keys are covered end to end, against Synapse: tests/e2e_matrix.)
#include "wagbot/matrix/crypto_machine.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace wagbot;
using matrix::crypto_machine;
using json = crypto_machine::json;

namespace {
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path() /
           ("wagbot-crypto-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

json settings(const temp_dir& dir, std::string device = "WAGBOTDEV",
              std::string key = std::string(64, 'a')) {
  return {{"user_id", "@wagbot:example.org"},
          {"device_id", device},
          {"store_path", (dir.path / "store").string()},
          {"store_key_hex", key}};
}
}  // namespace

TEST_SUITE("matrix") {
  TEST_CASE("the crypto store opens, knows its device, and wants its keys uploaded") {
    if (!matrix::e2ee_built()) {
      CHECK(crypto_machine::open(json::object()).error().code == "not_built");
      return;
    }
    temp_dir dir;
    auto machine = crypto_machine::open(settings(dir));
    REQUIRE(machine.has_value());
    auto status = (*machine)->status();
    REQUIRE(status.has_value());
    CHECK((*status)["device_id"] == "WAGBOTDEV");
    CHECK((*status)["ed25519"].get<std::string>().size() == 43);
    CHECK((*status)["has_master"] == false);
    CHECK((*status)["master_public"].is_null());

    auto requests = (*machine)->outgoing_requests();
    REQUIRE(requests.has_value());
    REQUIRE(!requests->empty());
    const auto upload = std::find_if(requests->begin(), requests->end(),
                                     [](const json& r) { return r["kind"] == "keys_upload"; });
    REQUIRE(upload != requests->end());
    CHECK((*upload)["method"] == "POST");
    CHECK((*upload)["path"] == "/_matrix/client/v3/keys/upload");
    // Synapse refuses null members: none may be sent.
    for (const auto& [name, value] : (*upload)["body"].items())
      CHECK_MESSAGE(!value.is_null(), name);
    CHECK((*upload)["body"]["device_keys"]["device_id"] == "WAGBOTDEV");
  }

  TEST_CASE("bad input is an error with a kind, never a crash") {
    if (!matrix::e2ee_built()) return;
    temp_dir dir;
    CHECK(crypto_machine::open(settings(dir, "DEV", "xyz")).error().code == "bad_input");
    auto machine = crypto_machine::open(settings(dir));
    REQUIRE(machine.has_value());
    auto& m = **machine;
    CHECK(m.mark_sent({{"id", "1"}, {"kind", "nonsense"}, {"body", json::object()}}).error().code ==
          "bad_input");
    CHECK(m.decrypt({{"room_id", "not a room"}}).error().code == "bad_input");
    const json garbage{{"type", "m.room.encrypted"},
                       {"sender", "@alice:example.org"},
                       {"event_id", "$x"},
                       {"origin_server_ts", 1},
                       {"room_id", "!r:example.org"},
                       {"content",
                        {{"algorithm", "m.megolm.v1.aes-sha2"},
                         {"ciphertext", "AwgAEnAC"},
                         {"session_id", std::string(43, 'A')},
                         {"sender_key", std::string(43, 'A')},
                         {"device_id", "ALICE"}}}};
    const auto unread = m.decrypt({{"room_id", "!r:example.org"}, {"event", garbage}});
    REQUIRE(unread.has_error());
    // A ciphertext too short to be a Megolm message: refused as such (the waiting-for-a-key
    // case, missing_key, is the end-to-end tests' late-key test).
    CHECK(unread.error().code == "undecryptable");
    CHECK(unread.error().message.find("too short") != std::string::npos);
    // Encrypting needs a room key shared first: an error, not an unencrypted message.
    CHECK(m.encrypt({{"room_id", "!r:example.org"},
                     {"type", "m.room.message"},
                     {"content", {{"body", "hi"}}}})
              .has_error());
  }

  TEST_CASE("the store belongs to one device and one key") {
    if (!matrix::e2ee_built()) return;
    temp_dir dir;
    { REQUIRE(crypto_machine::open(settings(dir)).has_value()); }
    CHECK(crypto_machine::open(settings(dir, "OTHERDEV")).error().code == "store_mismatch");
    CHECK(crypto_machine::open(settings(dir, "WAGBOTDEV", std::string(64, 'b'))).has_error());
    CHECK(crypto_machine::open(settings(dir)).has_value());
  }
}
