"""An agent's destructive request waits for a human approver: the prompt mentions the
approvers, the agent's own ✅ (and anyone else's) is ignored, the approver's ✅ runs it once
with the AGENT's key and the agent gets a wagmios-result for the same id."""

from __future__ import annotations

import re

import pytest

import wagbot_agents as wa
from wagbot_agents import (assert_ok, block, body, content, edit_of, from_bot, human_lines, posts, reaction,
                           reply_to, result, suffix)

pytestmark = pytest.mark.timeout(120)

DELETE_REDIS = "POST /api/containers/redis/delete"


def ask_delete(w, room: str, rid: str, target: str) -> tuple[dict, str]:
    """The agent asks to delete `target` on @nas; returns the prompt (once the bot's ✅ and ❌
    are on it) and its confirmation id."""
    eid = w.robo.send_text(room, block({"id": rid, "host": "nas", "action": "delete", "target": target}))
    prompt = w.alice.wait_for(reply_to(w.bot, room, eid))
    r = result(prompt)
    assert r["id"] == rid and r["status"] == "pending_confirmation" and r["error"] is None, r
    cid = r["confirmation_id"]
    assert re.fullmatch(r"\w+", cid), cid
    text = body(prompt)
    assert (f"Approval needed: robo (an agent) asks to rm `{target}` on @nas. alice: "
            "React ✅ to confirm or ❌ to cancel") in text, text
    assert f"`!wag confirm {cid}` / `!wag cancel {cid}`" in text
    assert f"⏳ {rid}: waiting for a human to confirm." in human_lines(prompt)
    # The approver is mentioned (a real m.mentions pill), the agent is not.
    assert content(prompt)["m.mentions"].get("user_ids") == [w.alice.user_id], content(prompt)["m.mentions"]
    for key in ("✅", "❌"):
        w.alice.wait_for(reaction(room, target=prompt["event_id"], key=key, sender=w.bot.user_id))
    return prompt, cid


def bot_messages(w, room: str, since_ts: int, upto: dict) -> list[dict]:
    """Every m.room.message the bot sent in `room` from `since_ts` up to the event `upto`, as
    alice saw them (her timeline is in order, so once she has `upto` she has all before it)."""
    w.alice.wait_for(lambda e: e.get("event_id") == upto["event_id"])
    pred = from_bot(w.bot, room)
    seen, out = set(), []
    for e in w.alice.history:
        if pred(e) and e.get("origin_server_ts", 0) >= since_ts and e["event_id"] not in seen:
            seen.add(e["event_id"])
            out.append(e)
    return out


def test_an_agents_delete_waits_for_its_human_approver(world):
    w = world
    room = w.group()
    prompt, cid = ask_delete(w, room, "d1", "redis")
    assert posts(w.ctl, "nas") == [], "deleted before anyone approved"

    # The agent's own ✅ and a non-approver's ✅ are ignored silently.
    mark = w.bot.log_mark()
    w.robo.react(room, prompt["event_id"], "✅")
    w.bot.wait_log(rf"ignored robo's reaction on robo's confirmation {cid}", since=mark)
    w.bob.react(room, prompt["event_id"], "✅")
    w.bot.wait_log(rf"ignored bob's reaction on robo's confirmation {cid}", since=mark)
    # By text the agent is told it is not its to confirm (and this answer, coming after both
    # reactions were handled in order, shows nothing else was sent meanwhile).
    refused = w.bot.ask(w.robo, room, f"!wag confirm {cid}")
    assert f"`{cid}` is not yours to confirm" in body(refused)
    assert posts(w.ctl, "nas") == []
    assert wa.container(w.ctl, "nas", "redis") is not None
    assert [e["event_id"] for e in bot_messages(w, room, prompt["origin_server_ts"], refused)] == \
        [prompt["event_id"], refused["event_id"]]

    # The approver's ✅: one delete, with the agent's key, and a result for the same id.
    w.alice.react(room, prompt["event_id"], "✅")
    done = w.alice.wait_for(reply_to(w.bot, room, prompt["event_id"]))
    r = result(done)
    assert_ok(r, "d1")
    assert r["data"]["text"] == "`redis` deleted from @nas."
    assert "`redis` deleted from @nas." in body(done)
    edit = w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]))
    assert content(edit)["m.new_content"]["body"].startswith("✅ Confirmed by alice: rm `redis` on @nas.")
    assert posts(w.ctl, "nas") == [(DELETE_REDIS, suffix(w.key("robo", "nas")))]
    assert suffix(w.key("robo", "nas")) != suffix(w.key("alice", "nas"))
    assert wa.container(w.ctl, "nas", "redis") is None
    assert posts(w.ctl, "media") == []

    # Nothing runs twice: alice's ✅ again, or the agent confirming by text.
    again = w.bot.ask(w.robo, room, f"!wag confirm {cid}")
    assert f"`{cid}` was already confirmed" in body(again)
    assert posts(w.ctl, "nas") == [(DELETE_REDIS, suffix(w.key("robo", "nas")))]
    # In all, the bot said exactly these five things (the edit may come before or after the result).
    msgs = bot_messages(w, room, prompt["origin_server_ts"], again)
    assert sorted(e["event_id"] for e in msgs) == sorted(
        e["event_id"] for e in (prompt, refused, done, edit, again)), [body(e) for e in msgs]


def test_the_agent_may_cancel_its_own_request_and_nothing_runs(world):
    w = world
    room = w.group()
    prompt, cid = ask_delete(w, room, "d2", "postgres")
    w.robo.react(room, prompt["event_id"], "❌")
    answer = w.alice.wait_for(reply_to(w.bot, room, prompt["event_id"]))
    assert "Cancelled: rm `postgres` on @nas. Nothing was done." in body(answer)
    edit = w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]))
    assert content(edit)["m.new_content"]["body"] == \
        "❌ Cancelled by robo: rm `postgres` on @nas. Nothing was done."
    # The approver's late ✅ changes nothing.
    w.alice.react(room, prompt["event_id"], "✅")
    late = w.alice.wait_for(reply_to(w.bot, room, prompt["event_id"]))
    assert "already cancelled" in body(late)
    assert posts(w.ctl, "nas") == []
    assert wa.container(w.ctl, "nas", "postgres")["status"] == "running"


def test_the_approver_may_approve_by_text_for_an_agent_request_event(world):
    w = world
    room = w.group()
    eid = w.robo.send_event(room, wa.AGENT_EVENT, {"id": "ev-del", "host": "nas", "action": "rm",
                                                   "target": "redis"})
    prompt = w.alice.wait_for(reply_to(w.bot, room, eid))
    r = result(prompt)
    assert r["id"] == "ev-del" and r["status"] == "pending_confirmation"
    assert content(prompt)["m.mentions"].get("user_ids") == [w.alice.user_id]
    done = w.bot.ask(w.alice, room, f"!wag confirm {r['confirmation_id']}")
    assert "`redis` deleted from @nas." in body(done)
    # The agent's result for the same id comes with the approval.
    assert_ok(result(done), "ev-del")
    assert posts(w.ctl, "nas") == [(DELETE_REDIS, suffix(w.key("robo", "nas")))]
