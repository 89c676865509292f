"""Restarts of the bot: in the middle of traffic nothing is replayed and nothing is lost; the
history from before the first start is never executed; old commands get a notice."""

from __future__ import annotations

import time

import pytest

import wagbot_matrix as wm
from wagbot_matrix import body, calls, content, from_bot, member, poll, reply_to

pytestmark = pytest.mark.timeout(150)

LOGS = "/api/containers/nginx/logs"


def log_calls(ctl) -> list[str]:
    return [c for c in calls(ctl, "nas") if c.startswith("GET " + LOGS)]


def tails(ctl) -> list[int]:
    return [int(c.rsplit("=", 1)[1]) for c in log_calls(ctl)]


def replies_in_room(w, room) -> list[dict]:
    """Every reply the bot posted in `room`, in timeline order."""
    return [e for e in w.alice.messages(room, limit=200)
            if e["type"] == "m.room.message" and e["sender"] == w.bot.user_id]


def assert_each_answered_once(w, room, sent: dict[int, str], timeout: float = 30) -> None:
    """Every command n (event id sent[n]) gets exactly one reply, `Last n lines`; nothing else."""
    for n, eid in sent.items():
        r = w.alice.wait_for(reply_to(w.bot, room, eid), timeout=timeout)
        assert f"Last {n} lines of `nginx` on @nas" in body(r), body(r)
    w.alice.expect_nothing(from_bot(w.bot, room), within=2)
    answered = [(content(e).get("m.relates_to") or {}).get("m.in_reply_to", {}).get("event_id")
                for e in replies_in_room(w, room)]
    for eid in sent.values():
        assert answered.count(eid) == 1, f"{eid} answered {answered.count(eid)} times"


def test_graceful_restart_in_the_middle_of_traffic(world):
    w = world
    room = w.bot.dm(w.alice)
    w.ctl.set_faults("nas", latency_ms=500, path_prefix=LOGS)
    sent = {n: w.alice.send_text(room, f"logs nginx {n}") for n in (1, 2, 3)}
    poll(lambda: log_calls(w.ctl), "the first command to reach the host")
    w.bot.stop()  # SIGTERM while the first runs and others are queued: exit 0 after finishing
    w.bot.wait_log(r"signal 15: finishing in-flight commands")
    sent.update({n: w.alice.send_text(room, f"logs nginx {n}") for n in (4, 5, 6)})  # bot down
    w.ctl.clear_faults("nas")
    w.bot.start()
    sent[7] = w.alice.send_text(room, "logs nginx 7")
    assert_each_answered_once(w, room, sent)
    assert tails(w.ctl) == [1, 2, 3, 4, 5, 6, 7], "each command runs exactly once, in order"
    # And a further restart replays nothing.
    w.bot.restart()
    w.alice.expect_nothing(from_bot(w.bot, room), within=2)
    assert tails(w.ctl) == [1, 2, 3, 4, 5, 6, 7]


def test_replies_keep_the_order_of_the_commands_across_a_restart(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    w.bot.stop()
    sent = {n: w.alice.send_text(room, f"!wag logs nginx {n}") for n in range(1, 6)}
    w.bot.start()
    assert_each_answered_once(w, room, sent)
    order = [content(e)["m.relates_to"]["m.in_reply_to"]["event_id"] for e in replies_in_room(w, room)]
    assert order == list(sent.values())
    assert tails(w.ctl) == [1, 2, 3, 4, 5]


def test_crash_in_the_middle_of_a_command(world):
    """SIGKILL while one command runs and two are journalled: after the restart the two run once
    each; the interrupted one is not run a second time (its effect may already have happened)."""
    w = world
    room = w.bot.dm(w.alice)
    w.ctl.set_faults("nas", latency_ms=1500, path_prefix=LOGS)
    sent = {n: w.alice.send_text(room, f"logs nginx {n}") for n in (1, 2, 3)}
    poll(lambda: log_calls(w.ctl), "the first command to reach the host")
    poll(lambda: len(w.bot.inbox()) == 3, "the three commands to be journalled", deadline=10)
    w.bot.kill()
    assert [s for _e, s in w.bot.inbox()] == ["started", "queued", "queued"]
    w.ctl.clear_faults("nas")
    w.bot.start()
    w.bot.wait_log(r"interrupted by a restart; not running it again")
    for n in (2, 3):
        r = w.alice.wait_for(reply_to(w.bot, room, sent[n]), timeout=20)
        assert f"Last {n} lines" in body(r)
    assert tails(w.ctl) == [1, 2, 3]
    # No loss: the requester of the interrupted command is told (once) that the bot restarted
    # while it ran, rather than never hearing back; it is still not run again.
    told = w.alice.wait_for(reply_to(w.bot, room, sent[1]), timeout=5)
    assert "Last 1 lines" not in body(told)
    w.alice.expect_nothing(from_bot(w.bot, room), within=1.5)
    assert tails(w.ctl) == [1, 2, 3]


def test_history_from_before_the_first_start_is_not_executed(make_world):
    w = make_world(start=False)
    # The bot's account is already in a room (joined by another of its devices) and commands
    # were sent there before wagbot ever ran with this data dir.
    room = w.alice.create_room(invite=[w.bot.user_id, w.bob.user_id])
    w.bob.join(room)
    other_device = wm.Human.from_registration(w.hs.url, w.bot.account)
    try:
        other_device.join(room)
    finally:
        other_device.close()
    w.alice.send_text(room, "!wag restart redis")
    w.bob.send_text(room, "!wag logs nginx 3")
    w.bot.start()
    r = w.bot.ask(w.alice, room, "!wag status")
    assert "@nas" in body(r)
    w.alice.expect_nothing(lambda e: from_bot(w.bot, room)(e) and e["event_id"] != r["event_id"], within=1.5)
    assert set(calls(w.ctl, "nas")) == {"GET /api/settings"}


def test_commands_sent_before_the_bot_joined_are_not_executed(make_world):
    """A room the bot is invited to while it is down: what was said before it joined is history."""
    w = make_world(start=False)
    room = w.alice.create_room(invite=[w.bot.user_id])
    w.alice.send_text(room, "!wag restart redis")
    w.bot.start()
    w.alice.wait_for(member(room, w.bot.user_id, "join"), timeout=15)
    r = w.bot.ask(w.alice, room, "!wag status")
    assert "@nas" in body(r)
    w.alice.expect_nothing(lambda e: from_bot(w.bot, room)(e) and e["event_id"] != r["event_id"], within=1.5)
    assert "POST /api/containers/redis/restart" not in calls(w.ctl, "nas")


def test_commands_older_than_max_command_age_get_a_notice(make_world):
    w = make_world(matrix={"max_command_age": 1})
    room = w.bot.dm(w.alice)
    w.bot.stop()
    eid = w.alice.send_text(room, "restart redis")
    sent_at = time.time()
    # Let the command become older than max_command_age (1 s) while the bot is down.
    time.sleep(max(0.0, sent_at + 1.5 - time.time()))
    w.bot.start()
    r = w.alice.wait_for(reply_to(w.bot, room, eid), timeout=15)
    assert "I was offline when you sent `restart redis`" in body(r)
    assert "did not run it" in body(r)
    assert calls(w.ctl, "nas") == []
    fresh = w.bot.ask(w.alice, room, "restart redis")
    assert "`redis` restarted on @nas" in body(fresh)
    assert calls(w.ctl, "nas").count("POST /api/containers/redis/restart") == 1
