#include "wagbot/store/migrations.hpp"

#include <array>

namespace wagbot::store {

namespace {

// Column names avoid SQL keywords (user, key, action, time) so no statement needs quoting.
constexpr std::array<std::string_view, 5> all_migrations{
    // 1: host keys, confirmations, audit log, room settings, small named values.
    R"sql(
CREATE TABLE host_keys (
  user_name  TEXT    NOT NULL,
  alias      TEXT    NOT NULL,
  url        TEXT    NOT NULL,
  sealed_key TEXT    NOT NULL,
  suffix     TEXT    NOT NULL,
  added_at   INTEGER NOT NULL,
  PRIMARY KEY (user_name, alias)
);

CREATE TABLE confirmations (
  id          TEXT    NOT NULL PRIMARY KEY,
  requester   TEXT    NOT NULL,
  network     TEXT    NOT NULL,
  room        TEXT    NOT NULL,
  action_json TEXT    NOT NULL,
  summary     TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  state       TEXT    NOT NULL
    CHECK (state IN ('pending', 'confirmed', 'cancelled', 'expired')),
  prompt_ref  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX confirmations_by_state ON confirmations (state, expires_at);
CREATE INDEX confirmations_by_prompt ON confirmations (network, prompt_ref);
CREATE INDEX confirmations_by_requester ON confirmations (requester, state, created_at);

CREATE TABLE confirmation_approvers (
  confirmation_id TEXT    NOT NULL REFERENCES confirmations (id) ON DELETE CASCADE,
  position        INTEGER NOT NULL,
  approver        TEXT    NOT NULL,
  PRIMARY KEY (confirmation_id, position)
);

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  user_name   TEXT    NOT NULL,
  network     TEXT    NOT NULL,
  room        TEXT    NOT NULL,
  host        TEXT    NOT NULL,
  action_name TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  outcome     TEXT    NOT NULL,
  detail      TEXT    NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE TABLE room_settings (
  network      TEXT NOT NULL,
  room         TEXT NOT NULL,
  default_host TEXT,
  PRIMARY KEY (network, room)
);

CREATE TABLE kv (
  name  TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
    // 2: the inbox of chat events taken for execution, so a restart neither replays nor loses one.
    R"sql(
CREATE TABLE inbox (
  network     TEXT    NOT NULL,
  event_id    TEXT    NOT NULL,
  room        TEXT    NOT NULL,
  payload     TEXT    NOT NULL,
  state       TEXT    NOT NULL CHECK (state IN ('queued', 'started', 'done')),
  received_at INTEGER NOT NULL,
  PRIMARY KEY (network, event_id)
);
CREATE INDEX inbox_by_state ON inbox (network, state, received_at);
)sql",
    // 3: which rooms want alerts from which hosts (container name patterns, space separated).
    R"sql(
CREATE TABLE alert_subscriptions (
  network    TEXT    NOT NULL,
  room       TEXT    NOT NULL,
  host       TEXT    NOT NULL,
  patterns   TEXT    NOT NULL,
  created_by TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (network, room, host)
);
)sql",
    // 4: the Restart/Logs follow-ups of posted alerts, so that they outlive a restart.
    // AUTOINCREMENT: an id (carried by a Discord button) is never given to another alert.
    R"sql(
CREATE TABLE alert_actions (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  network    TEXT    NOT NULL,
  room       TEXT    NOT NULL,
  message    TEXT    NOT NULL,
  label      TEXT    NOT NULL,
  emoji      TEXT    NOT NULL,
  command    TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX alert_actions_by_message ON alert_actions (network, message);
CREATE INDEX alert_actions_by_age ON alert_actions (created_at);
)sql",
    // 5: the inbox's state CHECK as comparisons: SQLite checks an IN list of three or more
    // values through a temporary b-tree it builds on every write, and the inbox is written three
    // times per command (a third of the journal's cost, issue 15). A CHECK cannot be altered,
    // so the table is rebuilt; rows keep their order.
    R"sql(
CREATE TABLE inbox_v5 (
  network     TEXT    NOT NULL,
  event_id    TEXT    NOT NULL,
  room        TEXT    NOT NULL,
  payload     TEXT    NOT NULL,
  state       TEXT    NOT NULL CHECK (state = 'queued' OR state = 'started' OR state = 'done'),
  received_at INTEGER NOT NULL,
  PRIMARY KEY (network, event_id)
);
INSERT INTO inbox_v5 (network, event_id, room, payload, state, received_at)
  SELECT network, event_id, room, payload, state, received_at FROM inbox ORDER BY rowid;
DROP TABLE inbox;
ALTER TABLE inbox_v5 RENAME TO inbox;
CREATE INDEX inbox_by_state ON inbox (network, state, received_at);
)sql",
};

}  // namespace

std::span<const std::string_view> migrations() {
  return all_migrations;
}

}  // namespace wagbot::store
