"""Rooms: invites allowed or declined, the encrypted-room notice, keys pasted in group rooms,
`key add` outside a direct chat."""

from __future__ import annotations

import pytest

import wagbot_matrix as wm
from wagbot_matrix import body, calls, content, from_bot, html, member, redaction_of, reply_to, state_event

pytestmark = pytest.mark.timeout(120)

E2EE_WORDS = "cannot read encrypted messages"


# ---------------------------------------------------------------------------- invites

def test_invites_from_allowed_users_are_joined_others_declined(make_world, humans):
    w = make_world(start=False)
    carol = humans("carol")
    w.bot.configure_matrix(allowed_inviters=[w.alice.user_id, ":elsewhere.example"])
    w.bot.start()
    ok = w.bot.dm(w.alice)
    assert w.bot.user_id in w.alice.joined_members(ok)
    assert "@nas" in body(w.bot.ask(w.alice, ok, "hosts"))

    for who in (w.bob, carol):  # bob is a configured user, carol is not: neither may invite
        room = who.create_room(invite=[w.bot.user_id], is_direct=True)
        left = who.wait_for(member(room, w.bot.user_id, "leave"), timeout=15)
        assert left["sender"] == w.bot.user_id, "the bot declines (leaves) itself"
        assert w.bot.user_id not in who.joined_members(room)
        who.expect_nothing(member(room, w.bot.user_id, "join"), within=0.5)
    w.bot.wait_log(r"declined the invite to .* from " + w.bob.user_id.replace("+", r"\+"))


def test_a_server_wide_rule_and_a_rule_for_another_server(make_world):
    w = make_world(start=False)
    w.bot.configure_matrix(allowed_inviters=[":elsewhere.example"])
    w.bot.start()
    room = w.alice.create_room(invite=[w.bot.user_id])
    w.alice.wait_for(member(room, w.bot.user_id, "leave"), timeout=15)
    w.bot.stop()

    w.bot.configure_matrix(allowed_inviters=[":localhost"])
    w.bot.start()
    dm = w.bot.dm(w.bob)  # anyone on localhost may invite now
    assert "@nas" in body(w.bot.ask(w.bob, dm, "hosts"))


# ---------------------------------------------------------------------------- encryption

def test_with_e2ee_off_an_encrypted_room_gets_exactly_one_notice(make_world):
    w = make_world(matrix={"e2ee": False})
    room = w.alice.create_room(invite=[w.bot.user_id, w.bob.user_id], encrypted=True)
    w.alice.wait_for(member(room, w.bot.user_id, "join"), timeout=15)
    notice = w.alice.wait_for(from_bot(w.bot, room), timeout=15)
    c = content(notice)
    assert c["msgtype"] == "m.notice" and "m.mentions" in c
    assert "end-to-end encrypted" in c["body"] and E2EE_WORDS in c["body"]
    assert "encryption turned off" in c["body"] and "matrix.e2ee" in c["body"]
    # More traffic in the room, an encrypted message, someone joining: no second notice.
    w.bob.join(room)
    w.alice.send_event(room, "m.room.encrypted", {
        "algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnACgAkLmt", "sender_key": "x" * 43,
        "session_id": "y" * 43, "device_id": w.alice.device_id})
    w.alice.expect_nothing(from_bot(w.bot, room), within=2)
    # Not after a restart either.
    w.bot.restart()
    w.alice.send_event(room, "m.room.encrypted", {
        "algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgBEnACgAkLmt", "sender_key": "x" * 43,
        "session_id": "y" * 43, "device_id": w.alice.device_id})
    w.alice.expect_nothing(from_bot(w.bot, room), within=2)
    assert calls(w.ctl, "nas") == []


def test_with_e2ee_off_a_room_that_turns_on_encryption_gets_the_notice(make_world):
    w = make_world(matrix={"e2ee": False})
    room = w.bot.group(w.alice, w.bob)
    assert "6 containers" in body(w.bot.ask(w.alice, room, "!wag ps"))
    w.alice.set_state(room, "m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"})
    notice = w.alice.wait_for(from_bot(w.bot, room), timeout=15)
    assert E2EE_WORDS in body(notice)
    w.alice.expect_nothing(from_bot(w.bot, room), within=1.5)


# ---------------------------------------------------------------------------- keys in group rooms

def test_key_pasted_without_power_to_redact(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    key = w.bot.new_key("nas", label="pasted")
    eid = w.bob.send_text(room, f"hey can someone check this one {key} thanks")
    notice = w.bob.wait_for(from_bot(w.bot, room), timeout=15)
    c = content(notice)
    assert c["msgtype"] == "m.notice"
    assert c["m.mentions"] == {"user_ids": [w.bob.user_id]}
    assert c["body"].startswith(w.bob.user_id + ": ")
    assert "lack the power to delete it" in c["body"] and "revoke it" in c["body"]
    assert key not in c["body"] + c.get("formatted_body", "")
    # Not redacted (the bot could not), and nothing was done with the key.
    w.alice.expect_nothing(redaction_of(room, eid), within=0.5)
    original = [e for e in w.alice.messages(room) if e["event_id"] == eid][0]
    assert key in original["content"]["body"]
    assert calls(w.ctl, "nas") == []


def test_key_pasted_is_redacted_when_the_bot_has_power(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    w.alice.set_power_level(room, w.bot.user_id, 50)
    key = w.bot.new_key("nas", label="pasted")
    eid = w.bob.send_text(room, key)
    red = w.alice.wait_for(redaction_of(room, eid, sender=w.bot.user_id), timeout=15)
    assert red["sender"] == w.bot.user_id
    notice = w.alice.wait_for(from_bot(w.bot, room), timeout=15)
    assert "I deleted that message because it contained a WAGMIOS API key" in body(notice)
    assert "revoke it" in body(notice) and content(notice)["m.mentions"] == {"user_ids": [w.bob.user_id]}
    gone = [e for e in w.alice.messages(room) if e["event_id"] == eid][0]
    assert "body" not in gone["content"], "the message still shows its content"
    assert calls(w.ctl, "nas") == []


def test_key_add_in_a_group_room_is_refused_and_the_key_redacted(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    w.alice.set_power_level(room, w.bot.user_id, 50)
    key = w.bot.new_key("media", label="alice-media")
    eid = w.alice.send_text(room, f"!wag key add media {key}")
    w.alice.wait_for(redaction_of(room, eid, sender=w.bot.user_id), timeout=15)
    notice = w.alice.wait_for(from_bot(w.bot, room), timeout=15)
    assert "revoke it" in body(notice) and "direct chat" in body(notice)
    # The key was neither checked nor kept: alice still has no key for @media.
    assert calls(w.ctl, "media") == []
    r = w.bot.ask(w.alice, room, "!wag ps @media")
    assert "containers on @media" not in body(r)
    assert calls(w.ctl, "media") == []
    # In a direct chat the same command works.
    dm = w.bot.dm(w.alice)
    fresh = w.bot.new_key("media", label="alice-media-2")
    saved = w.bot.ask(w.alice, dm, f"key add media {fresh}")
    assert f"Saved your key …{fresh[-8:]} for @media" in body(saved)


@pytest.mark.parametrize("form", ["notice", "html only", "edit"])
def test_a_key_in_a_group_room_is_redacted_in_every_form(world, form):
    """A notice, a message whose key is only in its HTML twin (and cut by tags), an edit that
    adds a key: each is redacted, and the sender told to rotate the key."""
    w = world
    room = w.bot.group(w.alice, w.bob)
    w.alice.set_power_level(room, w.bot.user_id, 50)
    key = w.bot.new_key("nas", label="leaked")
    if form == "notice":
        eid = w.bob.send_text(room, f"my token is {key}", notice=True)
    elif form == "html only":
        eid = w.bob.send_text(room, "see the code block",
                              html=f"<pre><code>{key[:14]}<span>{key[14:]}</span></code></pre>")
    else:
        first = w.bob.send_text(room, "hello")
        eid = w.bob.edit(room, first, f"hello, my key: {key}")
    w.alice.wait_for(redaction_of(room, eid, sender=w.bot.user_id), timeout=15)
    notice = w.alice.wait_for(from_bot(w.bot, room), timeout=15)
    assert "revoke it" in body(notice)
    assert content(notice)["m.mentions"] == {"user_ids": [w.bob.user_id]}


def stored_bytes(bot) -> bytes:
    """Everything the bot wrote to its database (and its WAL), as bytes."""
    return b"".join((bot.data_dir / n).read_bytes() for n in ("wagbot.db", "wagbot.db-wal", "wagbot.db-shm")
                    if (bot.data_dir / n).exists())


def test_the_journal_holds_no_key_in_clear(world):
    """Every command is journalled before it runs; keys sent to the bot (`key add` in a DM, a
    key in an env setting, a key pasted in a group room and redacted there) never reach the
    database in clear, whole or in part."""
    w = world
    dm = w.bot.dm(w.alice)
    key = w.bot.new_key("media", label="alice-media")
    saved = w.bot.ask(w.alice, dm, f"key add media {key}")
    assert "Saved your key" in body(saved)
    token = w.bot.new_key("nas", label="not-for-the-bot")
    w.bot.ask(w.alice, dm, f"run alpine --name x -e API_TOKEN={token} @nas")
    room = w.bot.group(w.alice, w.bob)
    leaked = w.bot.new_key("nas", label="leaked")
    w.bob.send_text(room, f"here it is {leaked}")
    w.alice.wait_for(from_bot(w.bot, room), timeout=15)
    w.bot.stop()
    raw = stored_bytes(w.bot)
    assert raw, "no database"
    for k in (key, token, leaked):
        secret = k[len("wag_live_"):]
        assert secret[:20].encode() not in raw, f"{k[:14]}… is in the database in clear"


@pytest.mark.parametrize("third", ["invited", "joined"])
def test_a_direct_chat_that_gained_a_third_member_takes_no_key(world, third):
    """Created with is_direct, then bob is invited (or joins): a key sent there is someone else's
    to read now, so it is treated as leaked, never checked or kept."""
    w = world
    dm = w.bot.dm(w.alice)
    w.alice.invite(dm, w.bob.user_id)
    if third == "joined":
        w.bob.join(dm)
        w.alice.wait_for(member(dm, w.bob.user_id, "join"), timeout=15)
    else:
        w.alice.wait_for(member(dm, w.bob.user_id, "invite"), timeout=15)
    key = w.bot.new_key("media", label="alice-media")
    w.alice.send_text(dm, f"key add media {key}")
    notice = w.alice.wait_for(from_bot(w.bot, dm), timeout=15)
    assert "revoke it" in body(notice), body(notice)
    assert "Saved your key" not in body(notice)
    assert calls(w.ctl, "media") == []
    r = w.bot.ask(w.alice, dm, "ps @media")
    assert "containers on @media" not in body(r)
    assert calls(w.ctl, "media") == []


def test_a_two_person_group_room_is_not_a_direct_chat(world):
    """Only alice and the bot, but created as a room (no is_direct): prefix needed, keys refused."""
    w = world
    room = w.bot.group(w.alice)
    w.alice.send_text(room, "ps")
    w.alice.expect_nothing(from_bot(w.bot, room), within=1.5)
    key = w.bot.new_key("media", label="alice-media")
    w.alice.send_text(room, f"!wag key add media {key}")
    notice = w.alice.wait_for(from_bot(w.bot, room), timeout=15)
    assert "revoke it" in body(notice)
    assert calls(w.ctl, "media") == [] and calls(w.ctl, "nas") == []


# ---------------------------------------------------------------------------- odd content

def test_content_fields_of_unexpected_types_are_ignored_and_the_bot_keeps_answering(world):
    """Any member writes event content. Fields of the wrong type (found by tests/fuzz/matrix)
    once threw while a sync batch was read, which stopped the bot (exit 1) on every restart."""
    w = world
    room = w.bot.group(w.alice)
    w.alice.send_event(room, "m.reaction", {"m.relates_to": {"rel_type": "m.annotation", "event_id": 1, "key": {}}})
    odd = w.alice.send_event(room, "m.room.message", {"msgtype": "m.text", "body": "!wag ps",
                                                      "m.relates_to": {"rel_type": 7, "event_id": []},
                                                      "m.mentions": {"user_ids": "@x:localhost"}})
    assert "containers on @nas" in body(w.alice.wait_for(reply_to(w.bot, room, odd), timeout=15))
    assert "@nas" in body(w.bot.ask(w.alice, room, "!wag hosts"))
    assert w.bot.running()
    w.alice.expect_nothing(from_bot(w.bot, room), within=1.0)  # the reaction got no answer
