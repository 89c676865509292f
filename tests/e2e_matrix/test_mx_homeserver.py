"""The homeserver pushes back: Synapse's DEFAULT rate limits on a burst of replies, and a
homeserver restart while the bot long-polls /sync (and while it has a reply to send)."""

from __future__ import annotations

import re

import pytest

import wagbot_matrix as wm
from support.e2e_support import free_port
from wagbot_matrix import body, calls, content, from_bot, poll, reply_to

pytestmark = pytest.mark.timeout(180)

LOGS = "/api/containers/nginx/logs"
BURST = 15


get = wm.observe


def metric(port: int, line_start: str) -> float:
    """The value of the /metrics line that starts with `line_start` (name and labels); 0 if none."""
    for line in get(port, "/metrics")[1].splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def tails(ctl) -> list[int]:
    return [int(c.rsplit("=", 1)[1]) for c in calls(ctl, "nas") if c.startswith("GET " + LOGS)]


def test_a_burst_of_replies_under_default_rate_limits_arrives_complete_and_in_order(
        synapse_default, make_world):
    """rc_message 0.2/s, burst 10: 15 replies need ~25 s of 429s; none is lost or reordered."""
    port = free_port()
    w = make_world(hs=synapse_default, observability={"listen": f"127.0.0.1:{port}"})
    room = w.bot.dm(w.alice, timeout=30)
    sent = [w.alice.send_text(room, f"logs nginx {n}") for n in range(1, BURST + 1)]
    got = {}
    for n, eid in enumerate(sent, start=1):
        r = w.alice.wait_for(reply_to(w.bot, room, eid), timeout=60)
        assert body(r).startswith(f"Last {n} lines of `nginx` on @nas"), body(r)
        got[eid] = r
    w.alice.expect_nothing(from_bot(w.bot, room), within=1.5)
    timeline = [e for e in w.alice.messages(room, limit=200)
                if e["type"] == "m.room.message" and e["sender"] == w.bot.user_id]
    assert [content(e)["m.relates_to"]["m.in_reply_to"]["event_id"] for e in timeline] == sent
    assert tails(w.ctl) == list(range(1, BURST + 1))
    # The limits were really hit, and honoured.
    log = w.bot.log()
    assert "rate limited in" in log, "no 429 was seen: the test did not exercise the limits"
    assert "send to" not in log, "a reply was given up"
    # ...and counted: one 429 per "rate limited in" line of the log
    assert metric(port, 'wagbot_rate_limited_total{network="matrix"}') == log.count("rate limited in")
    assert metric(port, 'wagbot_send_queue_depth{network="matrix"}') == 0
    assert metric(port, 'wagbot_commands_total{command="logs",outcome="ok"}') == BURST


def test_homeserver_restart_while_the_bot_syncs(synapse_factory, make_world):
    hs = synapse_factory()
    port = free_port()
    w = make_world(hs=hs, observability={"listen": f"127.0.0.1:{port}"})
    room = w.bot.dm(w.alice)
    assert "6 containers" in body(w.bot.ask(w.alice, room, "ps"))
    status, ready = get(port, "/readyz")
    assert status == 200 and "matrix: connected" in ready, ready

    mark = w.bot.log_mark()
    hs.stop()  # the bot is in the middle of a long-poll
    w.bot.wait_log(r"sync failed", since=mark)
    # Asked while the homeserver is still down: after a quick restart the bot may be back
    # before the question is asked.
    status, ready = get(port, "/readyz")
    assert status == 503 and "matrix: not connected" in ready, (status, ready)
    assert get(port, "/healthz")[0] == 200
    hs.start()
    r = w.bot.ask(w.alice, room, "logs nginx 2", timeout=40)
    assert "Last 2 lines" in body(r)
    w.bot.wait_log(r"syncing with ", since=mark)  # it says when it is back
    assert get(port, "/readyz")[0] == 200
    assert metric(port, 'wagbot_reconnects_total{network="matrix"}') == 1

    # A reply due while the homeserver is down is sent once it is back (same txnId retries).
    w.ctl.set_faults("nas", latency_ms=1500, path_prefix=LOGS)
    eid = w.alice.send_text(room, "logs nginx 3")
    poll(lambda: [x for x in w.ctl.requests("nas") if x["path"] == LOGS and x["query"].get("tail") == "3"],
         "the command to reach the host")
    hs.stop()
    poll(lambda: all(x["status"] is not None for x in w.ctl.requests("nas")),
         "the host to answer while the homeserver is down", deadline=10)
    hs.start()
    late = w.alice.wait_for(reply_to(w.bot, room, eid), timeout=60)
    assert "Last 3 lines" in body(late)
    after = w.bot.ask(w.alice, room, "logs nginx 4", timeout=30)
    assert "Last 4 lines" in body(after)
    w.alice.expect_nothing(from_bot(w.bot, room), within=1.5)
    # Nothing was replayed, nothing lost, and every reply exists exactly once.
    assert tails(w.ctl) == [2, 3, 4]
    assert calls(w.ctl, "nas").count("GET /api/containers") == 4  # ps, then one look-up per logs
    replies = [content(e)["m.relates_to"]["m.in_reply_to"]["event_id"]
               for e in w.alice.messages(room, limit=100)
               if e["type"] == "m.room.message" and e["sender"] == w.bot.user_id]
    assert len(replies) == len(set(replies)) == 4





def use_up_the_burst(w, room) -> dict:
    """Asks `stop nginx` (a prompt and two reactions), then `hosts` until the bot's message
    burst (rc_message burst_count 10, the join included) is spent. Returns the prompt."""
    from wagbot_matrix import confirmation_id
    prompt = w.bot.ask(w.alice, room, "stop nginx", timeout=30)
    confirmation_id(prompt)
    for _ in range(6):
        w.bot.ask(w.alice, room, "hosts", timeout=30)
    return prompt


def test_an_invite_while_rate_limited_is_still_joined(synapse_default, make_world):
    """Synapse rate-limits joins with rc_message too: a 429 on /join is waited out, not taken
    as a refusal (the invite shows up in /sync once; dropping it loses the room for good)."""
    w = make_world(hs=synapse_default)
    room = w.bot.dm(w.alice, timeout=30)
    use_up_the_burst(w, room)
    other = w.bob.create_room(invite=[w.bot.user_id], is_direct=True)
    w.bob.wait_for(wm.member(other, w.bot.user_id, "join"), timeout=20)
    r = w.bot.ask(w.bob, other, "hosts", timeout=30)
    assert "@nas" in body(r)


def test_a_graceful_stop_does_not_drop_an_expiry_edit_waiting_out_a_429(synapse_default, make_world):
    """The edit of an expired prompt is not a command's reply: a SIGTERM that arrives while it
    waits out a 429 must not drop it (send it before exiting, or after the restart); otherwise
    the prompt keeps saying "React ✅ to confirm" forever."""
    from wagbot_matrix import edit_of
    w = make_world(hs=synapse_default, confirmation_timeout=3)
    room = w.bot.dm(w.alice, timeout=30)
    prompt = use_up_the_burst(w, room)
    mark = w.bot.log_mark()  # every reply so far has arrived: the next 429 is the expiry edit's
    w.bot.wait_log(r"rate limited in " + re.escape(room), deadline=15, since=mark)
    w.bot.stop()
    w.bot.start()
    edit = w.alice.wait_for(edit_of(w.bot, room, prompt["event_id"]), timeout=20)
    assert content(edit)["m.new_content"]["body"] == "⌛ Expired: stop `nginx` on @nas was not done."
    assert calls(w.ctl, "nas").count("POST /api/containers/nginx/stop") == 0
