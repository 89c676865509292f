#include "wagbot/store/confirmation_store.hpp"

#include <array>
#include <stdexcept>

#include <openssl/rand.h>

namespace wagbot::store {

namespace {

// 32 symbols: a-z and 2-9 without 0/o and 1/l, so a byte masked to 5 bits picks one uniformly.
constexpr std::string_view id_alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
static_assert(id_alphabet.size() == 32);
constexpr std::size_t id_size = 6;
constexpr int id_attempts = 16;

constexpr std::array<confirmation_state, 4> all_states{
    confirmation_state::pending, confirmation_state::confirmed, confirmation_state::cancelled,
    confirmation_state::expired};

std::string random_id() {
  std::array<unsigned char, id_size> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed while making a confirmation id");
  }
  std::string id;
  for (const unsigned char b : bytes) id += id_alphabet[b & 31u];
  return id;
}

constexpr const char* select_columns =
    "SELECT id, requester, network, room, action_json, summary, created_at, expires_at, state,"
    " prompt_ref FROM confirmations ";

}  // namespace

std::string_view to_string(confirmation_state s) {
  static constexpr std::array<std::string_view, 4> names{"pending", "confirmed", "cancelled",
                                                         "expired"};
  static_assert(names.size() == all_states.size());
  const auto i = static_cast<std::size_t>(s);
  return i < names.size() ? names[i] : "unknown";
}

std::optional<confirmation_state> parse_confirmation_state(std::string_view text) {
  for (const auto s : all_states) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

confirmation_store::confirmation_store(database& db) : db_(db) {}

std::string confirmation_store::create(confirmation c) {
  SQLite::Transaction transaction(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
  if (c.id.empty()) c.id = unused_id();
  db_.run(
      "INSERT INTO confirmations (id, requester, network, room, action_json, summary, created_at,"
      " expires_at, state, prompt_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      c.id, c.requester, c.network, c.room, c.action_json, c.summary, c.created_at, c.expires_at,
      std::string(to_string(c.state)), c.prompt_ref);
  SQLite::Statement approver(
      db_.sql(),
      "INSERT INTO confirmation_approvers (confirmation_id, position, approver) VALUES (?, ?, ?)");
  for (std::size_t i = 0; i < c.approvers.size(); ++i) {
    approver.bind(1, c.id);
    approver.bind(2, static_cast<std::int64_t>(i));
    approver.bind(3, c.approvers[i]);
    approver.exec();
    approver.reset();
  }
  transaction.commit();
  return c.id;
}

std::optional<confirmation> confirmation_store::get(const std::string& id) {
  auto query = select("WHERE id = ?");
  query.bind(1, id);
  auto found = read_all(query);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::optional<confirmation> confirmation_store::find_by_prompt(const std::string& network,
                                                               const std::string& prompt_ref) {
  // An empty ref means "prompt not posted yet"; it must never match a click.
  if (prompt_ref.empty()) return std::nullopt;
  auto query = select("WHERE network = ? AND prompt_ref = ? ORDER BY created_at DESC");
  query.bind(1, network);
  query.bind(2, prompt_ref);
  auto found = read_all(query);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

void confirmation_store::set_prompt_ref(const std::string& id, const std::string& prompt_ref) {
  db_.run("UPDATE confirmations SET prompt_ref = ? WHERE id = ?", prompt_ref, id);
}

std::optional<confirmation> confirmation_store::resolve(const std::string& id,
                                                        confirmation_state to, std::int64_t now) {
  if (to == confirmation_state::pending) {
    throw std::invalid_argument("a confirmation cannot be resolved to pending");
  }
  SQLite::Transaction transaction(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
  // The state test in the WHERE clause is the lock: only one UPDATE can see it pending.
  auto update = db_.query(
      "UPDATE confirmations SET state = ?"
      " WHERE id = ? AND state = 'pending' AND expires_at > ?",
      std::string(to_string(to)), id, now);
  if (update.exec() != 1) return std::nullopt;
  auto won = get(id);
  transaction.commit();
  return won;
}

std::vector<confirmation> confirmation_store::expire_due(std::int64_t now) {
  // Asked every second: almost always nothing is due, and a look takes no write lock.
  if (!db_.query("SELECT 1 FROM confirmations WHERE state = 'pending' AND expires_at <= ? LIMIT 1",
                 now)
           .executeStep())
    return {};
  SQLite::Transaction transaction(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
  auto query = select("WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at, id");
  query.bind(1, now);
  auto due = read_all(query);
  SQLite::Statement update(
      db_.sql(), "UPDATE confirmations SET state = 'expired' WHERE id = ? AND state = 'pending'");
  for (auto& c : due) {
    update.bind(1, c.id);
    update.exec();
    update.reset();
    c.state = confirmation_state::expired;
  }
  transaction.commit();
  return due;
}

std::vector<confirmation> confirmation_store::pending_for(const std::string& requester) {
  auto query = select("WHERE requester = ? AND state = 'pending' ORDER BY created_at, rowid");
  query.bind(1, requester);
  return read_all(query);
}

std::size_t confirmation_store::pending_count() {
  SQLite::Statement query(db_.sql(), "SELECT COUNT(*) FROM confirmations WHERE state = 'pending'");
  query.executeStep();
  return static_cast<std::size_t>(query.getColumn(0).getInt64());
}

SQLite::Statement confirmation_store::select(const char* condition) {
  // condition is always a literal of this file; values go through bind().
  return SQLite::Statement(db_.sql(), std::string(select_columns) + condition);
}

std::vector<confirmation> confirmation_store::read_all(SQLite::Statement& query) {
  SQLite::Statement approvers(
      db_.sql(),
      "SELECT approver FROM confirmation_approvers WHERE confirmation_id = ? ORDER BY position");
  std::vector<confirmation> found;
  while (query.executeStep()) {
    confirmation c;
    read_row(query, c.id, c.requester, c.network, c.room, c.action_json, c.summary, c.created_at,
             c.expires_at);
    // The CHECK constraint keeps the column to the four known names.
    c.state = parse_confirmation_state(query.getColumn(8).getString())
                  .value_or(confirmation_state::expired);
    c.prompt_ref = query.getColumn(9).getString();
    approvers.bind(1, c.id);
    while (approvers.executeStep()) c.approvers.push_back(approvers.getColumn(0).getString());
    approvers.reset();
    found.push_back(std::move(c));
  }
  return found;
}

std::string confirmation_store::unused_id() {
  SQLite::Statement exists(db_.sql(), "SELECT 1 FROM confirmations WHERE id = ?");
  for (int attempt = 0; attempt < id_attempts; ++attempt) {
    auto id = random_id();
    exists.bind(1, id);
    const bool taken = exists.executeStep();
    exists.reset();
    if (!taken) return id;
  }
  throw std::runtime_error("no unused confirmation id after many attempts");
}

}  // namespace wagbot::store
