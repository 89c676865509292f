"""Keys: adding, listing, removing; and that no key is ever stored or logged in clear."""

from __future__ import annotations

import os
import re
import stat

import pytest

from conftest import KEY_RE, calls, container

pytestmark = pytest.mark.timeout(60)


def db_files(bot):
    return [bot.data_dir / n for n in ("wagbot.db", "wagbot.db-wal", "wagbot.db-shm")
            if (bot.data_dir / n).exists()]


def assert_not_stored(bot, *keys):
    files = db_files(bot)
    assert any(f.name == "wagbot.db" for f in files), f"no database in {bot.data_dir}"
    for f in files:
        raw = f.read_bytes()
        for key in keys:
            body = key[len("wag_live_"):]
            assert key.encode() not in raw, f"{f.name} holds a full key in clear"
            assert body.encode() not in raw, f"{f.name} holds a key's secret part in clear"
            # Not even a long piece of it (the last 8 characters are public: key_prefix).
            assert body[:20].encode() not in raw, f"{f.name} holds the start of a key"


def assert_not_logged(text: str, *keys):
    for key in keys:
        assert key not in text
        assert key[len("wag_live_"):][:20] not in text
    assert not KEY_RE.search(text), KEY_RE.search(text)


# ---------------------------------------------------------------------------- key add / list / remove

def test_key_add_rejects_what_is_not_a_key(bot, ctl):
    reply = bot.say("key add nas wag_live_tooshort")
    assert "That is not a WAGMIOS key" in reply and "44 characters" in reply
    assert calls(ctl, "nas") == []
    assert "You have no keys" in bot.say("key list")


def test_key_add_for_an_unknown_host(bot, ctl):
    key = bot.new_key("nas")
    reply = bot.say(f"key add nowhere {key}")
    assert "There is no host `nowhere`" in reply and "nas" in reply and "media" in reply
    assert key not in reply
    assert calls(ctl, "nas") == [] and calls(ctl, "media") == []
    assert "You have no keys" in bot.say("key list")


def test_key_add_with_a_url_other_than_the_configured_one(bot, ctl):
    key = bot.new_key("nas")
    reply = bot.say(f"key add nas http://10.9.8.7:5179 {key}")
    assert "@nas is configured at" in reply and bot.sim.hosts["nas"] in reply
    assert calls(ctl, "nas") == []


def test_key_add_checks_the_key_with_the_host_before_saving(bot, ctl):
    bot.new_key("nas", label="owner")  # the host is set up; it just does not know this key
    unknown = "wag_live_" + "Q" * 43 + "="
    reply = bot.say(f"key add nas {unknown}")
    assert "@nas rejected your key (INVALID_KEY)" in reply and "not saved" in reply
    assert [(r["method"], r["path"], r["status"]) for r in ctl.requests("nas")] == [
        ("GET", "/api/settings", 401)]
    assert "You have no keys" in bot.say("key list")


def test_key_add_list_use_and_remove(bot, ctl):
    nas = bot.new_key("nas", scopes=["containers:read", "images:read"])
    media = bot.new_key("media")
    bot.keys[("alice", "nas")] = nas
    bot.keys[("alice", "media")] = media
    s = bot.session()
    added = s.send(f"key add nas {nas}")
    assert f"Saved your key …{nas[-8:]} for @nas" in added
    assert "Scopes: containers:read images:read" in added
    assert "…" + media[-8:] in s.send(f"key add MEDIA {media}")
    listing = s.send("key list")
    assert "…" + nas[-8:] in listing and "…" + media[-8:] in listing
    assert nas[:-8] not in listing and media[:-8] not in listing  # only the last 8 characters
    assert "containers on @nas" in s.send("ps @nas")
    # The key that was used is the one that was added.
    assert {r["key_suffix"] for r in ctl.requests("nas")} == {nas[-8:]}

    assert "Forgot your key for @media" in s.send("key remove media")
    assert "You have no key for @media" in s.send("key remove media")
    after = s.send("key list")
    assert "@media" not in after and "…" + nas[-8:] in after
    assert "You have no key for `media`" in s.send("ps @media")

    # While the bot runs (WAL not yet checkpointed) and after it stops.
    assert_not_stored(bot, nas, media)
    assert s.close() == 0
    assert_not_stored(bot, nas, media)
    assert_not_logged(s.stderr, nas, media)
    for reply in (added, listing, after):
        assert_not_logged(reply, nas, media)


def test_key_add_replaces_an_earlier_key(bot, ctl):
    old = bot.grant("alice", "nas", scopes=["images:read"])
    new = bot.new_key("nas", scopes=["*"])
    bot.keys[("alice", "nas-new")] = new
    r = bot.chat(["ps", f"key add nas {new}", "ps"]).replies
    assert "`containers:read`" in r[0]
    assert "containers on @nas" in r[2], "a new key must not be judged by the old key's cached scopes"
    suffixes = [x["key_suffix"] for x in ctl.requests("nas")]
    assert suffixes[0] == old[-8:] and suffixes[-1] == new[-8:]
    assert_not_stored(bot, old, new)


def test_key_add_while_the_host_is_down_is_kept_but_never_stored_in_clear(bot, ctl):
    key = bot.new_key("nas")
    bot.keys[("alice", "nas")] = key
    ctl.down("nas")
    reply = bot.say(f"key add nas {key}")
    assert "…" + key[-8:] in reply and "could not check" in reply
    assert_not_stored(bot, key)
    ctl.up("nas")
    assert "containers on @nas" in bot.say("ps")


def test_preset_keys_from_the_environment_are_encrypted(bot, ctl):
    key = bot.grant("alice", "nas")
    r = bot.chat(["key list", "ps"])
    assert "…" + key[-8:] in r.replies[0]
    assert_not_stored(bot, key)
    assert_not_logged(r.stderr + r.stdout, key)


def test_a_key_in_a_pending_confirmation_is_not_stored_in_clear(bot, ctl):
    """A user may pass a key to a container (`run … -e WAGMIOS_KEY=…`); the pending
    confirmation is persisted, and must not hold that key in clear either."""
    bot.grant("alice", "nas")
    passed = bot.new_key("nas", label="for-the-agent")
    bot.keys[("container", "nas")] = passed
    s = bot.session()
    assert "Confirm" in s.send(f"run alpine:3.20 --name agent -e WAGMIOS_KEY={passed}")
    assert_not_stored(bot, passed)
    assert "created on @nas" in s.send("yes")
    assert s.close() == 0
    assert_not_stored(bot, passed)


def test_debug_logs_never_contain_a_key(bot, ctl):
    nas = bot.grant("alice", "nas")
    spare = bot.new_key("media")
    bot.keys[("alice", "media")] = spare
    bot.configure(log_level="debug")
    ctl.set_faults("nas", status=502, path_prefix="/api/images", count=1)
    r = bot.chat([f"key add media {spare}", "ps all", "images @nas", "stop nginx @nas", "yes",
                  "status all", f"key add nas {nas[:-1]}", "audit", "key remove media"])
    assert r.stderr.strip(), "expected some log lines"
    assert_not_logged(r.stderr, nas, spare)
    for reply in r.replies:
        assert nas not in reply and spare not in reply


# ---------------------------------------------------------------------------- master key

def test_master_key_file_and_data_dir_are_private(bot, ctl):
    bot.grant("alice", "nas")
    bot.chat(["key list"])
    mk = bot.data_dir / "master.key"
    assert mk.exists()
    assert stat.S_IMODE(mk.stat().st_mode) == 0o600
    assert stat.S_IMODE(os.stat(bot.data_dir).st_mode) & 0o077 == 0
    assert stat.S_IMODE((bot.data_dir / "wagbot.db").stat().st_mode) & 0o077 == 0


def test_keys_are_encrypted_under_the_master_key(bot, ctl):
    env_master = {"WAGBOT_MASTER_KEY": "5a" * 32}
    key = bot.new_key("nas")
    bot.keys[("alice", "nas")] = key
    added = bot.chat([f"key add nas {key}", "ps"], extra_env=env_master).replies
    assert "containers on @nas" in added[1]
    assert not (bot.data_dir / "master.key").exists(), "WAGBOT_MASTER_KEY given: no key file needed"
    # Another master key cannot read it …
    other = bot.chat(["key list", "ps"], extra_env={"WAGBOT_MASTER_KEY": "a5" * 32}).replies
    assert "can no longer be decrypted" in other[0]
    assert key not in "".join(other)
    # … the right one still can.
    again = bot.chat(["ps"], extra_env=env_master).replies
    assert "containers on @nas" in again[0]
    assert_not_stored(bot, key)


# ---------------------------------------------------------------------------- audit

def test_audit_is_for_admins_and_records_who_did_what(bot, ctl):
    bot.grant("alice", "nas")
    bob_key = bot.grant("bob", "nas", scopes=["containers:read"])
    bob = bot.chat(["audit", "stop nginx"], user="bob").replies
    assert "`audit` is for wagbot admins only" in bob[0]
    bot.chat(["stop postgres", "yes", "stop wagmios-backend"], user="alice")
    audit = bot.say("audit 10", user="alice")
    rows = [l for l in audit.splitlines() if re.match(r"^\d{4}-\d\d-\d\d ", l)]
    assert any("bob" in l and "stop" in l and "refused: scope containers:write" in l for l in rows)
    assert any("alice" in l and "stop" in l and "postgres" in l and re.search(r"\bok\b", l) for l in rows)
    assert any("wagmios-backend" in l and "refused: protected" in l for l in rows)
    assert bob_key not in audit
    assert container(ctl, "nas", "postgres")["status"] == "exited"


def test_no_reply_repeats_a_key_typed_as_an_argument_or_a_command(bot, ctl):
    """A key pasted where a container, an id or a command goes is never echoed in full: every
    reply passes through one redaction step (at most the key's last characters show)."""
    bot.grant("alice", "nas")
    key = bot.new_key("nas", label="leaked")
    body = key[len("wag_live_"):]
    lines = [f"logs {key} @nas", f"inspect {key}", key, f"confirm {key}", f"stop {key}", f"help {key}"]
    run = bot.chat(lines)
    for line, reply in zip(lines, run.replies):
        assert body not in reply and body[:-8] not in reply, f"{line!r} echoed the key: {reply!r}"
    assert body not in run.stderr
