"""Faults on the Matrix side, each with a WAGMIOS write in flight and a confirmation pending:
Synapse restarted while the bot long-polls /sync, a storm of 429s on everything the bot sends,
and the bot SIGKILLed in the middle of a write (a typed one, and one a reaction confirmed).

The invariant is the suite's: each write the user asked for is carried out exactly once (the
WAGMIOS simulator's request log and activity feed), every reply arrives once and in order, and
the pending confirmation is still resolved by a reaction afterwards, running once.
"""

from __future__ import annotations

import pytest

from invariant import assert_writes, asked, settle, wait_effect
import wagbot_matrix as wm
from wagbot_matrix import (body, confirmation_id, content, edit_of, from_bot, poll, reaction,
                           reply_to)

pytestmark = pytest.mark.timeout(90)

RESTART = "/api/containers/nginx/restart"
INTERRUPTED = "I was restarted while running this command"


def ask_stop(w, room: str, name: str) -> dict:
    """`stop <name>` in a DM; the prompt once the bot has put ✅ and ❌ on it."""
    prompt = w.bot.ask(w.alice, room, f"stop {name}", timeout=30)
    confirmation_id(prompt)
    for key in ("✅", "❌"):
        w.alice.wait_for(reaction(room, target=prompt["event_id"], key=key, sender=w.bot.user_id), 30)
    return prompt


def confirm_by_reaction(w, room: str, prompt: dict, name: str) -> None:
    """alice reacts ✅: the prompt is edited to say how it ended, the action's result in it."""
    w.alice.react(room, prompt["event_id"], "✅")
    edit = w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]), 30)
    assert content(edit)["m.new_content"]["body"].startswith(f"✅ Confirmed by alice: stop `{name}`")
    assert f"`{name}` stopped on @nas" in body(wm.outcome(edit)), body(wm.outcome(edit))


def replies(w, room: str) -> list[str]:
    """The event each of the bot's replies (edits excluded) answers, in timeline order."""
    out = []
    for e in w.alice.messages(room, limit=200):
        rel = content(e).get("m.relates_to") or {}
        if e["type"] == "m.room.message" and e["sender"] == w.bot.user_id and rel.get("rel_type") != "m.replace":
            out.append((rel.get("m.in_reply_to") or {}).get("event_id"))
    return out


def test_synapse_restart_mid_sync(synapse_factory, make_world):
    """Synapse goes away while the bot long-polls, with a write held by WAGMIOS (its reply is
    due while the homeserver is down) and a confirmation pending; the reply arrives once, and
    the confirmation is then resolved by reaction and runs once."""
    hs = synapse_factory()
    w = make_world(hs=hs)
    room = w.bot.dm(w.alice)
    prompt = ask_stop(w, room, "postgres")
    w.ctl.set_faults("nas", latency_ms=1500, path_prefix=RESTART)
    eid = w.alice.send_text(room, "restart nginx")
    poll(lambda: asked(w.ctl, "nas", "POST", RESTART), "the restart to reach the host")
    mark = w.bot.log_mark()
    hs.stop()
    wait_effect(w.ctl, "nas", "restart", "nginx")   # answered while the homeserver is down
    w.bot.wait_log(r"sync failed", since=mark)
    hs.start()
    late = w.alice.wait_for(reply_to(w.bot, room, eid), 60)
    assert "`nginx` restarted on @nas" in body(late), body(late)
    w.bot.wait_log(r"syncing with ", since=mark)

    confirm_by_reaction(w, room, prompt, "postgres")
    after = w.bot.ask(w.alice, room, "restart nginx", timeout=30)
    assert "`nginx` restarted on @nas" in body(after)
    w.alice.expect_nothing(from_bot(w.bot, room), within=1.5)
    assert_writes(w.ctl, "nas", {("restart", "nginx"): 2, ("stop", "postgres"): 1})
    got = replies(w, room)
    assert len(got) == len(set(got)), f"a reply was posted twice: {got}"


def test_429_storm(make_world):
    """The homeserver allows the bot one message a second (Synapse's own rate limiter, set for
    the bot's account): replies, prompts, reactions and edits all meet 429s. Every reply
    arrives once and in the order of the commands; every write runs once."""
    w = make_world()
    room = w.bot.dm(w.alice)
    pending = ask_stop(w, room, "postgres")
    w.hs.override_ratelimit(w.bot.user_id, messages_per_second=1, burst_count=1)
    mark = w.bot.log_mark()
    lines = ["restart nginx", "start redis", "logs nginx 3", "restart jellyfin", "stop nginx", "restart redis"]
    sent = [w.alice.send_text(room, line) for line in lines]
    w.alice.react(room, pending["event_id"], "✅")
    expect = ["`nginx` restarted", "`redis` started", "Last 3 lines", "`jellyfin` restarted",
              "React ✅ to confirm", "`redis` restarted"]
    for eid, want in zip(sent, expect):
        r = w.alice.wait_for(reply_to(w.bot, room, eid), 60)
        assert want in body(r), (want, body(r))
    done = wm.outcome(w.alice.wait_for(edit_of(w.bot, room, pending["event_id"]), 60))
    assert "`postgres` stopped on @nas" in body(done)
    w.bot.wait_log(r"rate limited in ", since=mark)   # the limit was really hit
    w.alice.expect_nothing(from_bot(w.bot, room), within=1.5)
    # The pending prompt's outcome is its edit, not a reply of its own.
    assert replies(w, room)[1:] == sent, "replies missing, doubled or out of order"
    assert_writes(w.ctl, "nas", {("restart", "nginx"): 1, ("start", "redis"): 1, ("restart", "jellyfin"): 1,
                                 ("restart", "redis"): 1, ("stop", "postgres"): 1})


def test_sigkill_mid_write_then_restart(make_world):
    """SIGKILL while WAGMIOS holds a typed write: after the restart it is not run again (the
    host did it once), its requester is told, and a confirmation asked before the kill is
    still resolved by reaction, once."""
    w = make_world()
    room = w.bot.dm(w.alice)
    prompt = ask_stop(w, room, "postgres")
    w.ctl.set_faults("nas", latency_ms=1500, path_prefix=RESTART)
    eid = w.alice.send_text(room, "restart nginx")
    poll(lambda: asked(w.ctl, "nas", "POST", RESTART), "the restart to reach the host")
    w.bot.kill()
    wait_effect(w.ctl, "nas", "restart", "nginx")
    w.ctl.clear_faults("nas")
    w.bot.start()
    told = w.alice.wait_for(reply_to(w.bot, room, eid), 30)
    assert INTERRUPTED in body(told) and "restarted on" not in body(told), body(told)
    confirm_by_reaction(w, room, prompt, "postgres")
    w.alice.expect_nothing(from_bot(w.bot, room), within=1.5)
    assert_writes(w.ctl, "nas", {("restart", "nginx"): 1, ("stop", "postgres"): 1})


def test_sigkill_mid_confirmed_write_then_restart(make_world):
    """SIGKILL while the action a reaction confirmed is held by WAGMIOS: it is not run again,
    the requester is told, saying yes again runs nothing, and another pending confirmation
    still works."""
    w = make_world()
    room = w.bot.dm(w.alice)
    target = ask_stop(w, room, "nginx")
    other = ask_stop(w, room, "postgres")
    stop = "/api/containers/nginx/stop"
    w.ctl.set_faults("nas", latency_ms=1500, path_prefix=stop)
    w.alice.react(room, target["event_id"], "✅")
    poll(lambda: asked(w.ctl, "nas", "POST", stop), "the stop to reach the host")
    w.bot.kill()
    wait_effect(w.ctl, "nas", "stop", "nginx")
    w.ctl.clear_faults("nas")
    w.bot.start()
    told = w.alice.wait_for(lambda e: from_bot(w.bot, room)(e) and INTERRUPTED in body(e), 30)
    assert "nginx" in body(told), body(told)
    again = w.bot.ask(w.alice, room, f"confirm {confirmation_id(target)}", timeout=30)
    assert "already confirmed" in body(again), body(again)
    confirm_by_reaction(w, room, other, "postgres")
    settle(w.ctl, "nas")
    assert_writes(w.ctl, "nas", {("stop", "nginx"): 1, ("stop", "postgres"): 1})
