"""Destructive commands through Matrix: the prompt, the bot's ✅/❌ reactions, who may resolve
it, the m.replace edit of the prompt, expiry and the text fallback."""

from __future__ import annotations

import pytest

import wagbot_matrix as wm
from wagbot_matrix import redaction_of, body, calls, confirmation_id, container, content, edit_of, reaction, reply_to

pytestmark = pytest.mark.timeout(120)

STOP = "POST /api/containers/nginx/stop"


def stops(ctl) -> list[str]:
    return [c for c in calls(ctl, "nas") if c == STOP]


def new_body(edit: dict) -> str:
    c = content(edit)
    assert c["body"].startswith("* ")
    new = c["m.new_content"]
    assert new["msgtype"] == "m.text" and "m.mentions" in new and new["formatted_body"]
    return new["body"]


def ask_stop(w, room, human=None, what="nginx") -> tuple[dict, str]:
    """`!wag stop <what>`; returns the prompt once the bot has put its ✅ and ❌ on it."""
    human = human or w.alice
    prompt = w.bot.ask(human, room, f"!wag stop {what}")
    cid = confirmation_id(prompt)
    text = body(prompt)
    assert f"stop `{what}` on @nas" in text
    assert "React ✅ to confirm or ❌ to cancel" in text
    assert f"`!wag confirm {cid}` / `!wag cancel {cid}`" in text
    prompt["_bot_reactions"] = [
        human.wait_for(reaction(room, target=prompt["event_id"], key=key, sender=w.bot.user_id))
        for key in ("✅", "❌")]
    return prompt, cid


def test_the_requesters_reaction_confirms_exactly_once(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    prompt, cid = ask_stop(w, room)
    assert content(prompt)["msgtype"] == "m.text"
    assert stops(w.ctl) == [], "stopped before anyone said yes"

    w.alice.react(room, prompt["event_id"], "✅")
    edit = w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]))
    text = new_body(edit)
    assert text.startswith("✅ Confirmed by alice: stop `nginx` on @nas.")
    assert "`nginx` stopped on @nas" in body(wm.outcome(edit))
    # One message per outcome: the prompt says how it ended; no reply says it again.
    w.alice.expect_nothing(reply_to(w.bot, room, prompt["event_id"]), within=1)
    # A resolved prompt takes no more choices: the bot takes its own ✅ and ❌ back.
    for mine in prompt["_bot_reactions"]:
        w.alice.wait_for(redaction_of(room, mine["event_id"], sender=w.bot.user_id))
    assert stops(w.ctl) == [STOP]
    assert container(w.ctl, "nas", "nginx")["status"] == "exited"
    (req,) = [r for r in w.ctl.requests("nas") if r["method"] == "POST"]
    assert req["key_suffix"] == w.alice_key[-8:]

    # Resolving it again, by text or by the other reaction, never runs it a second time.
    again = w.bot.ask(w.alice, room, f"!wag confirm {cid}")
    assert f"`{cid}` was already confirmed" in body(again)
    w.alice.react(room, prompt["event_id"], "❌")
    w.alice.expect_nothing(edit_of(w.bot, room, prompt["event_id"]), within=1.5)
    assert stops(w.ctl) == [STOP]


def test_another_users_reaction_is_ignored_and_the_requester_cancels(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    prompt, cid = ask_stop(w, room)
    w.bob.react(room, prompt["event_id"], "✅")
    w.bob.react(room, prompt["event_id"], "👍")
    # Ignored silently: no reply, no edit, no call.
    w.alice.expect_nothing(wm.any_bot_event(w.bot, room), within=2)
    assert stops(w.ctl) == []
    # By text, bob is told it is not his.
    refused = w.bot.ask(w.bob, room, f"!wag confirm {cid}")
    assert f"`{cid}` is not yours to confirm" in body(refused)
    assert stops(w.ctl) == []

    w.alice.react(room, prompt["event_id"], "❌")
    edit = w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]))
    assert new_body(edit) == "❌ Cancelled by alice: stop `nginx` on @nas. Nothing was done."
    # A late ✅ from alice changes nothing.
    w.alice.react(room, prompt["event_id"], "✅")
    late = w.alice.wait_for(reply_to(w.bot, room, prompt["event_id"]))
    assert "already cancelled" in body(late)
    assert stops(w.ctl) == []
    assert container(w.ctl, "nas", "nginx")["status"] == "running"


def test_an_unanswered_prompt_expires_and_is_edited(make_world):
    w = make_world(confirmation_timeout=2)
    room = w.bot.group(w.alice, w.bob)
    prompt, cid = ask_stop(w, room)
    assert "within 1 min" in body(prompt)
    edit = w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]), timeout=10)
    assert new_body(edit) == "⌛ Expired: stop `nginx` on @nas was not done."
    # Too late, by reaction or by text: nothing runs.
    w.alice.react(room, prompt["event_id"], "✅")
    late = w.alice.wait_for(reply_to(w.bot, room, prompt["event_id"]))
    assert "expired" in body(late)
    by_text = w.bot.ask(w.alice, room, f"!wag confirm {cid}")
    assert "expired" in body(by_text)
    assert stops(w.ctl) == []
    assert container(w.ctl, "nas", "nginx")["status"] == "running"
    w.alice.expect_nothing(edit_of(w.bot, room, prompt["event_id"]), within=1)


def test_text_fallback_confirm_and_cancel_by_id(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    p1, id1 = ask_stop(w, room, what="nginx")
    p2, id2 = ask_stop(w, room, what="postgres")
    assert id1 != id2
    done = w.bot.ask(w.alice, room, f"!wag confirm {id1}")
    assert "`nginx` stopped on @nas" in body(done)
    e1 = w.alice.wait_for(edit_of(w.bot, room, p1["event_id"]))
    assert new_body(e1).startswith("✅ Confirmed by alice: stop `nginx` on @nas.")
    cancelled = w.bot.ask(w.alice, room, f"!wag cancel {id2}")
    assert "Cancelled: stop `postgres` on @nas" in body(cancelled)
    e2 = w.alice.wait_for(edit_of(w.bot, room, p2["event_id"]))
    assert new_body(e2).startswith("❌ Cancelled by alice: stop `postgres` on @nas")
    assert calls(w.ctl, "nas").count(STOP) == 1
    assert "POST /api/containers/postgres/stop" not in calls(w.ctl, "nas")
    assert container(w.ctl, "nas", "postgres")["status"] == "running"


def test_yes_in_a_direct_chat(world):
    w = world
    room = w.bot.dm(w.alice)
    prompt = w.bot.ask(w.alice, room, "stop nginx")
    confirmation_id(prompt)
    done = w.bot.ask(w.alice, room, "yes")
    assert "`nginx` stopped on @nas" in body(done)
    w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]))
    assert stops(w.ctl) == [STOP]


def test_a_prompt_survives_a_restart_of_the_bot(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    prompt, _cid = ask_stop(w, room)
    w.bot.restart()
    w.bob.react(room, prompt["event_id"], "✅")  # still not bob's
    w.alice.react(room, prompt["event_id"], "✅")
    edit = w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]), timeout=15)
    assert new_body(edit).startswith("✅ Confirmed by alice: stop `nginx` on @nas.")
    assert "`nginx` stopped on @nas" in body(wm.outcome(edit))
    w.alice.expect_nothing(wm.any_bot_event(w.bot, room), within=1.5)
    assert stops(w.ctl) == [STOP]
