"""Self-test of the Matrix harness (tests/matrix): a real Synapse, real matrix-nio humans.

Run: .venv/bin/python -m pytest tests/matrix_selftest -q
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

import nio
import pytest

from human import Human, MatrixError, member, message, q, reaction, state_event
from synapse import SynapseError, start_synapse

pytestmark = pytest.mark.timeout(90)


def test_synapse_is_up_and_registration_works(synapse_hs):
    hs = synapse_hs
    assert hs.url.startswith("http://127.0.0.1:") and hs.server_name == "localhost"
    assert hs.last_start_seconds is not None and hs.last_start_seconds < 60
    st, body, _ = hs.request("GET", "/_matrix/client/versions")
    assert st == 200 and "versions" in body
    reg = hs.register("reg-check", "pw")
    assert reg["user_id"] == "@reg-check:localhost"
    assert reg["access_token"] and reg["device_id"]
    st, who, _ = hs.request("GET", "/_matrix/client/v3/account/whoami", token=reg["access_token"])
    assert st == 200 and who["user_id"] == reg["user_id"] and who["device_id"] == reg["device_id"]
    # the registration is real: the password logs in too, as a new device
    st, login, _ = hs.request("POST", "/_matrix/client/v3/login", {
        "type": "m.login.password", "identifier": {"type": "m.id.user", "user": "reg-check"},
        "password": "pw"})
    assert st == 200 and login["user_id"] == reg["user_id"] and login["device_id"] != reg["device_id"]
    with pytest.raises(SynapseError, match="M_USER_IN_USE"):
        hs.register("reg-check", "pw")


def test_room_invite_join_message_reaction_thread(synapse_hs, humans):
    a, b = humans("alice"), humans("bob")
    room = a.create_room(invite=[b.user_id], name="ops")

    inv = b.wait_for_invite(room)
    assert inv["sender"] == a.user_id and inv["state_key"] == b.user_id
    assert b.join(room) == room
    joined = a.wait_for(member(room, b.user_id, "join"))
    assert joined["sender"] == b.user_id
    assert a.joined_members(room) == sorted([a.user_id, b.user_id])

    eid = a.send_text(room, "hello bob")
    got = b.wait_for(message(room, sender=a.user_id, body="hello bob"))
    assert got["event_id"] == eid and got["content"]["msgtype"] == "m.text"
    assert got["content"]["m.mentions"] == {}

    rid = a.react(room, eid, "✅")
    r = b.wait_for(reaction(room, target=eid, key="✅", sender=a.user_id))
    assert r["event_id"] == rid

    # a duplicate annotation is refused by Synapse, and surfaces as MatrixError
    with pytest.raises(MatrixError) as ei:
        a.react(room, eid, "✅")
    assert ei.value.errcode == "M_DUPLICATE_ANNOTATION" and ei.value.status == 400

    tid = b.send_text(room, "in thread", thread_root=eid)
    t = a.wait_for(message(room, sender=b.user_id, body="in thread"))
    assert t["event_id"] == tid
    rel = t["content"]["m.relates_to"]
    assert rel["rel_type"] == "m.thread" and rel["event_id"] == eid and rel["is_falling_back"] is True

    rep = a.send_text(room, "a reply", reply_to=tid, notice=True)
    e = b.wait_for(message(room, body="a reply", msgtype="m.notice"))
    assert e["event_id"] == rep and e["content"]["m.relates_to"] == {"m.in_reply_to": {"event_id": tid}}

    # nothing else from alice is pending for bob; the history API agrees with /sync
    b.expect_nothing(message(room, sender=a.user_id), within=0.5)
    bodies = [ev["content"].get("body") for ev in b.messages(room) if ev["type"] == "m.room.message"]
    assert bodies == ["hello bob", "in thread", "a reply"]


def test_dm_power_levels_and_leave(synapse_hs, humans):
    a, b = humans("carol"), humans("dave")
    dm = a.create_room(invite=[b.user_id], is_direct=True)
    inv = b.wait_for_invite(dm)
    assert inv["content"].get("is_direct") is True
    assert b.user_id in a.api("GET", f"/_matrix/client/v3/user/{q(a.user_id)}/account_data/m.direct")
    b.join(dm)

    room = a.create_room(invite=[b.user_id])
    b.join(room)
    a.set_power_level(room, b.user_id, 50)
    pl = b.wait_for(lambda e: state_event("m.room.power_levels", room)(e)
                    and e["content"]["users"][b.user_id] == 50)
    assert pl["sender"] == a.user_id and pl["_section"] == "timeline"
    assert a.get_state(room, "m.room.power_levels")["users"][b.user_id] == 50

    b.leave(room)
    left = a.wait_for(member(room, b.user_id, "leave"))
    assert left["sender"] == b.user_id
    assert a.joined_members(room) == [a.user_id]
    assert room not in b.joined_rooms()


def test_encrypted_room_has_encryption_state(synapse_hs, humans):
    a, b = humans("erin"), humans("frank")
    room = a.create_room(invite=[b.user_id], encrypted=True, name="secret")
    content = a.get_state(room, "m.room.encryption")
    assert content == {"algorithm": "m.megolm.v1.aes-sha2"}
    assert any(ev["type"] == "m.room.encryption" for ev in a.state(room))
    # the invitee sees it in the stripped invite state, then in the room state after joining
    b.wait_for(lambda e: e["_section"] == "invite" and e["room_id"] == room and e["type"] == "m.room.encryption")
    b.join(room)
    enc = b.wait_for(state_event("m.room.encryption", room))
    assert enc["content"]["algorithm"] == "m.megolm.v1.aes-sha2"
    # an unencrypted room has none
    plain = a.create_room()
    assert a.get_state(plain, "m.room.encryption") is None


def test_restart_keeps_users_and_rooms_while_a_client_syncs(synapse_hs, humans, caplog):
    caplog.set_level(logging.WARNING, logger="nio")
    hs = synapse_hs
    a, b = humans("gina"), humans("hank")
    room = a.create_room(invite=[b.user_id])
    b.join(room)
    a.send_text(room, "before restart")
    b.wait_for(message(room, body="before restart"))
    port, since = hs.port, b.next_batch
    old_pid = hs.proc.pid

    errors: list[BaseException] = []

    def restart_then_send():
        try:
            hs.restart()
            a.send_text(room, "after restart")
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    t = threading.Thread(target=restart_then_send)
    t.start()
    try:
        # bob long-polls /sync through the restart; nio reconnects; the since token still works
        got = b.wait_for(message(room, sender=a.user_id, body="after restart"), timeout=45)
    finally:
        t.join(60)
    assert not errors, errors
    # bob's /sync really was cut by the restart: nio logged a connection-level retry
    assert any(r.name.startswith("nio") and "sleeping" in r.getMessage() for r in caplog.records)
    assert hs.port == port and hs.proc.pid != old_pid and hs.running()
    assert got["room_id"] == room
    assert b.next_batch != since
    # tokens, users and rooms survived
    st, who, _ = hs.request("GET", "/_matrix/client/v3/account/whoami", token=b.access_token)
    assert st == 200 and who["user_id"] == b.user_id
    assert room in b.joined_rooms()
    assert a.joined_members(room) == sorted([a.user_id, b.user_id])
    # a fresh client with a password login sees the room too
    with Human(hs.url, b.user_id, password=b.password) as b2:
        assert b2.device_id != b.device_id
        assert room in b2.joined_rooms()
        assert any(e["room_id"] == room for e in b2.history if e["_section"] == "timeline")


def test_default_rate_limits_give_429(synapse_factory, humans):
    hs = synapse_factory(default_rate_limits=True)
    u = humans("spammer", hs=hs, retry_on_429=False)
    room = u.create_room(name="flood")

    # a real burst: 30 sends in flight at once through nio (which must not retry them)
    async def burst():
        return await asyncio.gather(*(
            u.client.room_send(room, "m.room.message",
                               {"msgtype": "m.text", "body": f"burst {i}", "m.mentions": {}},
                               tx_id=f"burst-{i}")
            for i in range(30)))

    results = u.run(burst())
    sent = [r for r in results if isinstance(r, nio.RoomSendResponse)]
    limited = [r for r in results if isinstance(r, nio.RoomSendError)]
    assert len(sent) + len(limited) == 30
    assert limited, "30 messages in a burst were not rate limited"
    assert 1 <= len(sent) <= 15  # Synapse's default rc_message burst is 10
    e = limited[0]
    assert e.transport_response.status == 429 and e.status_code == "M_LIMIT_EXCEEDED"
    assert e.retry_after_ms and e.retry_after_ms > 0
    # and through the Human helper, as MatrixError
    with pytest.raises(MatrixError) as ei:
        u.send_text(room, "one more")
    assert ei.value.status == 429 and ei.value.errcode == "M_LIMIT_EXCEEDED" and ei.value.retry_after_ms > 0

    # the same limit seen with raw HTTP: Synapse sends Retry-After and retry_after_ms
    st, body, headers = hs.request(
        "PUT", f"/_matrix/client/v3/rooms/{q(room)}/send/m.room.message/raw-{time.time_ns()}",
        {"msgtype": "m.text", "body": "raw", "m.mentions": {}}, token=u.access_token)
    assert st == 429 and body["errcode"] == "M_LIMIT_EXCEEDED" and body["retry_after_ms"] > 0
    retry_after = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    assert retry_after is not None and int(retry_after) >= 1

    # an admin override lifts the limit for that user only
    hs.override_ratelimit(u.user_id)
    for i in range(15):
        u.send_text(room, f"after override {i}")


def test_start_failure_reports_the_log(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        t0 = time.monotonic()
        with pytest.raises(SynapseError) as ei:
            start_synapse(tmp_path / "hs", port=port)
        assert time.monotonic() - t0 < 30
    msg = str(ei.value)
    assert "exited with code" in msg and "homeserver.log" in msg
    assert "Address already in use" in msg or "CannotListen" in msg or "bind" in msg.lower()
