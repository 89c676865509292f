"""End-to-end encryption with matrix-nio humans (vodozemac): encrypted direct chats and group
rooms, confirmations by encrypted reactions, sessions that are not cross-signed, late room
keys, restarts that keep the identity, and the server's view of what the bot sent."""

from __future__ import annotations

import secrets

import pytest

import wagbot_matrix as wm
from secure_human import SecureHuman
from support.e2e_support import free_port
from wagbot_matrix import body, calls, confirmation_id, content, edit_of, member, reaction, reply_to

pytestmark = pytest.mark.timeout(180)

STOP = "POST /api/containers/nginx/stop"


@pytest.fixture
def secure_humans(humans):
    def make(name: str, cross_signed: bool = True) -> SecureHuman:
        return humans(name, secure=True, cross_signed=cross_signed)
    return make


@pytest.fixture
def e2ee(secure_humans, make_bot, ctl):
    """alice (admin) and bob, both cross-signed, each with a key for @nas; the bot started."""
    class W:
        pass
    w = W()
    w.alice, w.bob = secure_humans("alice"), secure_humans("bob")
    w.bot = make_bot()
    w.bot.add_user("alice", w.alice, admin=True)
    w.bot.add_user("bob", w.bob)
    w.alice_key = w.bot.grant("alice", "nas")
    w.bob_key = w.bot.grant("bob", "nas")
    w.ctl = ctl
    w.bot.start()
    return w


def encrypted_dm(w, human) -> str:
    room = human.create_room(invite=[w.bot.user_id], is_direct=True, encrypted=True)
    human.wait_for(member(room, w.bot.user_id, "join"), wm.REPLY_TIMEOUT)
    return room


def canary() -> str:
    """Text that goes only encrypted: tests/secrets_scan.py fails the suites if any wagbot file
    holds it in clear."""
    return f"e2ee-canary-{secrets.token_hex(4)}"


def assert_nowhere_in_clear(w, text: str) -> None:
    files = [p for p in w.bot.data_dir.rglob("*") if p.is_file()] + list(w.bot.runs)
    for f in files:
        assert text.encode() not in f.read_bytes(), f


def bot_events_on_server(w, human, room) -> list[dict]:
    return [e for e in human.messages(room, limit=200) if e.get("sender") == w.bot.user_id]


def assert_all_encrypted(w, human, room) -> None:
    """What the homeserver holds from the bot in the room: only m.room.encrypted (and its own
    membership; redactions cannot be encrypted by the protocol)."""
    sent = [e["type"] for e in bot_events_on_server(w, human, room)
            if e["type"] not in ("m.room.member", "m.room.redaction")]
    assert sent and set(sent) == {"m.room.encrypted"}, sent


def test_encrypted_dm_ps_and_a_confirmation_by_encrypted_reaction(e2ee):
    w = e2ee
    room = encrypted_dm(w, w.alice)
    reply = w.bot.ask(w.alice, room, "ps")
    assert reply["_encrypted"] and "nginx" in body(reply)
    said = canary()
    w.bot.ask(w.alice, room, f"thanks, that was quick {said}")  # not a command: still answered

    prompt = w.bot.ask(w.alice, room, "stop nginx")
    assert prompt["_encrypted"] and "stop `nginx` on @nas" in body(prompt)
    for key in ("✅", "❌"):
        w.alice.wait_for(reaction(room, target=prompt["event_id"], key=key, sender=w.bot.user_id))
    assert STOP not in calls(w.ctl, "nas")
    w.alice.react(room, prompt["event_id"], "✅")  # encrypted, as Element sends it
    edit = w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]), wm.REPLY_TIMEOUT)
    assert "`nginx` stopped on @nas" in body(wm.outcome(edit))
    assert edit["_encrypted"]
    assert content(edit)["m.new_content"]["body"].startswith("✅ Confirmed by alice")
    assert calls(w.ctl, "nas").count(STOP) == 1
    assert_all_encrypted(w, w.alice, room)
    assert_nowhere_in_clear(w, said)


def test_key_add_in_an_encrypted_direct_chat(e2ee):
    w = e2ee
    room = encrypted_dm(w, w.alice)
    key = w.bot.new_key("media", label="alice-media")
    reply = w.bot.ask(w.alice, room, f"key add media {key}")
    assert reply["_encrypted"] and "media" in body(reply) and key not in body(reply)
    listed = w.bot.ask(w.alice, room, "ps @media")
    assert "❌" not in body(listed), body(listed)
    # Neither the key nor the command that carried it is in the bot's files in the clear.
    for f in (p for p in w.bot.data_dir.rglob("*") if p.is_file()):
        assert key.encode() not in f.read_bytes(), f
        assert b"key add media" not in f.read_bytes(), f
    assert_all_encrypted(w, w.alice, room)


def test_group_room_with_two_users_and_the_confirmation_rules(e2ee):
    w = e2ee
    room = w.bot.group(w.alice, w.bob, encrypted=True)
    chatter = canary()
    w.bob.send_text(room, f"lunch at noon? {chatter}")  # not for the bot, but decrypted by it
    prompt = w.bot.ask(w.bob, room, "!wag stop nginx")
    assert prompt["_encrypted"]
    # bob asked: alice's encrypted ✅ (an admin's, but not the requester's) does nothing…
    w.alice.react(room, prompt["event_id"], "✅")
    w.bob.expect_nothing(reply_to(w.bot, room, prompt["event_id"]), within=2)
    assert STOP not in calls(w.ctl, "nas")
    # …bob's runs it.
    w.bob.react(room, prompt["event_id"], "✅")
    done = wm.outcome(w.bob.wait_for(wm.edit_of(w.bot, room, prompt["event_id"]), wm.REPLY_TIMEOUT))
    assert "stopped" in body(done)
    (req,) = [r for r in w.ctl.requests("nas") if r["method"] == "POST"]
    assert req["key_suffix"] == w.bob_key[-8:]
    # alice, in the same room, reads the bot's encrypted edit too.
    seen = w.alice.wait_for(wm.edit_of(w.bot, room, prompt["event_id"]), wm.REPLY_TIMEOUT)
    assert seen["_encrypted"] and "stopped" in body(wm.outcome(seen))
    assert_all_encrypted(w, w.alice, room)
    assert_nowhere_in_clear(w, chatter)


def test_a_session_not_cross_signed_is_not_obeyed(e2ee, secure_humans):
    w = e2ee
    mallory = secure_humans("alice-laptop", cross_signed=False)
    # A device the homeserver's admin could add: same rights in the config as alice.
    w.bot.add_user("laptop", mallory, admin=True)
    w.bot.grant("laptop", "nas")
    w.bot.restart()
    room = w.bot.group(w.alice, mallory, encrypted=True)
    before = len(calls(w.ctl, "nas"))
    eid = mallory.send_text(room, "!wag stop nginx")
    # The bot answers (encrypted, so alice's verified device reads it) and does nothing.
    notice = w.alice.wait_for(reply_to(w.bot, room, eid), wm.REPLY_TIMEOUT)
    assert "not verified" in body(notice) or "has not verified" in body(notice), body(notice)
    assert len(calls(w.ctl, "nas")) == before
    # Once only: a second message gets no second notice.
    mallory.send_text(room, "!wag ps")
    w.alice.expect_nothing(wm.from_bot(w.bot, room), within=3)
    assert len(calls(w.ctl, "nas")) == before


def test_a_late_room_key_still_runs_the_command(e2ee):
    w = e2ee
    room = encrypted_dm(w, w.alice)
    w.bot.ask(w.alice, room, "ps")  # sessions set up
    eid, share = w.alice.share_key_later(room, "m.room.message",
                                         {"msgtype": "m.text", "body": "hosts", "m.mentions": {}})
    w.alice.expect_nothing(reply_to(w.bot, room, eid), within=2)
    share()
    reply = w.alice.wait_for(reply_to(w.bot, room, eid), wm.REPLY_TIMEOUT)
    assert "nas" in body(reply)


def test_a_new_megolm_session_is_read_like_the_first(e2ee):
    w = e2ee
    room = encrypted_dm(w, w.alice)
    first = w.bot.ask(w.alice, room, "ps")
    old_session = first["_wire_content"]["session_id"] if "_wire_content" in first else None
    sent = w.alice.messages(room, limit=20)
    mine = [e for e in sent if e["sender"] == w.alice.user_id and e["type"] == "m.room.encrypted"]
    before = mine[-1]["content"]["session_id"]
    w.alice.client.olm.outbound_group_sessions.pop(room)  # rotate, as clients do
    reply = w.bot.ask(w.alice, room, "hosts")
    after = [e for e in w.alice.messages(room, limit=20)
             if e["sender"] == w.alice.user_id and e["type"] == "m.room.encrypted"][-1]
    assert after["content"]["session_id"] != before, "the session did not rotate"
    assert "nas" in body(reply) and reply["_encrypted"]
    assert old_session is None or reply["_wire_content"]["session_id"] == old_session  # the bot's own stays


def test_restart_keeps_the_identity_and_replays_nothing(e2ee):
    w = e2ee
    room = encrypted_dm(w, w.alice)
    w.bot.ask(w.alice, room, "ps")
    before = len(calls(w.ctl, "nas"))
    keys = w.alice.api("POST", "/_matrix/client/v3/keys/query", {"device_keys": {w.bot.user_id: []}})
    master = keys["master_keys"][w.bot.user_id]
    devices = keys["device_keys"][w.bot.user_id]
    w.bot.restart()
    assert "created the bot's cross-signing identity" not in w.bot.log()
    after = w.alice.api("POST", "/_matrix/client/v3/keys/query", {"device_keys": {w.bot.user_id: []}})
    assert after["master_keys"][w.bot.user_id] == master
    assert after["device_keys"][w.bot.user_id].keys() == devices.keys()
    assert len(calls(w.ctl, "nas")) == before, "a command ran again after the restart"
    reply = w.bot.ask(w.alice, room, "ps")
    assert reply["_encrypted"] and "nginx" in body(reply)
    assert_all_encrypted(w, w.alice, room)


def test_first_start_prints_the_recovery_key_to_a_file_only(e2ee):
    w = e2ee
    key_file = w.bot.data_dir / "matrix-recovery-key"
    recovery = key_file.read_text().strip()
    assert len(recovery.replace(" ", "")) >= 48
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert recovery not in w.bot.all_logs()
    # The bot's own device is signed by its self-signing key: what Element's MSC4153 mode asks.
    keys = w.alice.api("POST", "/_matrix/client/v3/keys/query", {"device_keys": {w.bot.user_id: []}})
    ssk = keys["self_signing_keys"][w.bot.user_id]
    (ssk_id,) = ssk["keys"]
    (device,) = keys["device_keys"][w.bot.user_id].values()
    assert ssk_id in device["signatures"][w.bot.user_id]


# ---------------------------------------------------------------------------- identity

def second_install(w, tmp_path_factory, **matrix) -> wm.Wagbot:
    """Another wagbot installation (empty data folder, its own new device) for the same bot
    account, as after losing the data folder."""
    bot = wm.Wagbot(w.bot.hs, w.bot.sim, tmp_path_factory.mktemp("wagbot-again"), w.bot.account,
                    auth="password")
    bot.add_user("alice", w.alice, admin=True)
    bot.grant("alice", "nas")
    bot.configure_matrix(**matrix)
    return bot


def test_the_recovery_key_joins_the_identity_on_a_new_device(e2ee, tmp_path_factory):
    w = e2ee
    recovery = (w.bot.data_dir / "matrix-recovery-key").read_text().strip()
    master = w.alice.api("POST", "/_matrix/client/v3/keys/query",
                         {"device_keys": {w.bot.user_id: []}})["master_keys"][w.bot.user_id]
    w.bot.stop()
    again = second_install(w, tmp_path_factory,
                           recovery_key_file=str(again_secret(tmp_path_factory, recovery)))
    try:
        again.start()
        again.wait_log(r"joined the account's cross-signing identity", 10)
        keys = w.alice.api("POST", "/_matrix/client/v3/keys/query", {"device_keys": {w.bot.user_id: []}})
        assert keys["master_keys"][w.bot.user_id] == master, "the identity changed"
        (ssk_id,) = keys["self_signing_keys"][w.bot.user_id]["keys"]
        new_device = keys["device_keys"][w.bot.user_id][again.kv("matrix.device_id")]
        assert ssk_id in new_device["signatures"][w.bot.user_id]
        room = encrypted_dm(w, w.alice)
        assert "nginx" in body(again.ask(w.alice, room, "ps"))
        assert recovery not in again.all_logs()
    finally:
        again.stop()


def again_secret(tmp_path_factory, value: str):
    p = tmp_path_factory.mktemp("recovery") / "recovery-key"
    p.write_text(value + "\n")
    p.chmod(0o600)
    return p


def test_without_the_recovery_key_a_new_device_refuses_to_make_a_second_identity(e2ee, tmp_path_factory):
    w = e2ee
    w.bot.stop()
    again = second_install(w, tmp_path_factory)
    again.expected_exit = 6
    again.start(wait=False)
    assert again.wait_exit() == 6
    log = again.log()
    assert "already has a cross-signing identity" in log and "recovery_key_file" in log
    assert "created the bot's cross-signing identity" not in log


def test_an_identity_reset_elsewhere_stops_the_bot_at_its_next_start(e2ee):
    w = e2ee
    w.bot.stop()
    w.bot.replace_identity()  # someone reset the account's identity in another client
    w.bot.expected_exit = 6
    w.bot.start(wait=False)
    assert w.bot.wait_exit() == 6
    assert "not the one this bot holds" in w.bot.log() and "matrix-crypto" in w.bot.log()


def test_failures_to_decrypt_show_in_readyz_and_metrics(e2ee, secure_humans):
    w = e2ee
    port = free_port()
    w.bot.stop()
    w.bot.configure(observability={"listen": f"127.0.0.1:{port}"})
    unverified = secure_humans("stranger", cross_signed=False)
    w.bot.add_user("stranger", unverified)
    w.bot.start()
    room = w.bot.group(w.alice, unverified, encrypted=True)
    for i in range(5):
        unverified.send_text(room, f"!wag ps {i}")
    wm.poll(lambda: "degraded" in wm.observe(port, "/readyz")[1], "readyz degraded", 15)
    status, text = wm.observe(port, "/readyz")
    assert status == 200 and "5 encrypted events in a row could not be decrypted" in text, text
    metrics = wm.observe(port, "/metrics")[1]
    assert 'wagbot_undecryptable_events_total{network="matrix"} 5' in metrics
    assert "cannot decrypt" in w.bot.log() and room in w.bot.log()
