"""Discord's own toolkit around alerts: an alert's message menu ("Apps" → Restart, Logs) runs
the alert's action as whoever uses it, with their own key; on any other message it says so and
calls nothing; `alerts on` with no host, for a user with keys on two hosts, asks with a select
menu where both may be picked at once."""

from __future__ import annotations

import pytest

import wagbot_alerts as wa
from wagbot_alerts import DELIVERY, POLL, REPLY_TIMEOUT, restarts, wait_alert, wd

pytestmark = pytest.mark.timeout(90)

CRASH = "`nginx` on @nas stopped unexpectedly (exited)."


def message_command(side, room: str, name: str, target: str, who: str = "alice") -> dict:
    """`who` uses the message command `name` on message `target`; its final answer."""
    uid, uname = side.IDS[who]
    sent = side.dctl.command(name, {}, user_id=uid, username=uname, channel_id=room,
                             command_type=3, target_id=target)
    assert sent["delivered"], sent
    d = side.dctl.wait_interaction(sent["id"], wd.finished, REPLY_TIMEOUT)
    assert not d["errors"], d["errors"]
    assert d["responses"] and d["responses"][0]["at"] < 3000, d["responses"]
    return d


def test_the_alert_menu_runs_restart_and_logs_as_whoever_uses_it(make_world):
    world = make_world(("discord",))
    s, bot, ctl = world.side, world.bot, world.wctl
    registered = {(c["type"], c["name"]) for c in s.dctl.commands(guild_id=wd.GUILD)}
    assert {(3, "Restart"), (3, "Logs")} <= registered, registered
    room = s.room("ops")
    assert "This room now gets alerts from @nas." in s.subscribe(room)
    ctl.crash("nas", "nginx")
    alert = wait_alert(s, room, CRASH, POLL + DELIVERY)

    # carol may read logs, not restart: the scope is named privately, nothing reaches WAGMIOS.
    logs = wd.visible_text(message_command(s, room, "Logs", alert.id, "carol"))
    assert "nginx" in logs and "lacks" not in logs, logs
    assert [r["key_suffix"] for r in ctl.requests("nas")
            if r["path"] == "/api/containers/nginx/logs"] == [bot.keys[("carol", "nas")][-8:]]
    refused = message_command(s, room, "Restart", alert.id, "carol")
    assert "lacks the `containers:write` scope" in wd.visible_text(refused)
    assert any(wd.is_ephemeral(f) for f in refused["followups"]), "the refusal is not private"
    assert restarts(ctl, "nas", "nginx") == []

    # alice may: one restart, with her own key.
    done = wd.visible_text(message_command(s, room, "Restart", alert.id, "alice"))
    assert "`nginx` restarted on @nas." in done, done
    (call,) = restarts(ctl, "nas", "nginx")
    assert call["key_suffix"] == bot.keys[("alice", "nas")][-8:]
    assert wd.container(ctl, "nas", "nginx")["status"] == "running"


def test_the_menu_on_a_message_that_is_not_an_alert_calls_nothing(make_world):
    world = make_world(("discord",))
    s, ctl = world.side, world.wctl
    room = s.room("ops")
    sent = s.dctl.command("alerts show", {}, user_id=wd.ALICE, username="alice", channel_id=room)
    listing = s.dctl.wait_interaction(sent["id"], wd.finished, REPLY_TIMEOUT)
    before = len(ctl.requests("nas"))
    d = message_command(s, room, "Restart", listing["original"]["id"])
    assert wd.response_types(d) == [4] and wd.is_ephemeral(d["responses"][0]["data"])
    assert "works on my container alerts" in wd.visible_text(d), wd.visible_text(d)
    assert len(ctl.requests("nas")) == before


def test_alerts_on_without_a_host_offers_a_menu_of_both_hosts(make_world):
    world = make_world(("discord",))
    s = world.side
    room = s.room("ops")
    sent = s.dctl.command("alerts on", {}, user_id=wd.ALICE, username="alice", channel_id=room)
    asked = s.dctl.wait_interaction(sent["id"], wd.finished, REPLY_TIMEOUT)
    question = asked["original"]
    assert "Which host?" in wd.text(question), wd.text(question)
    (menu,) = [c for c in wd.buttons(question) if c.get("type") == 3]
    assert menu["custom_id"] == "wagbot:pick"
    assert [o["label"] for o in menu["options"]] == ["@media", "@nas"]
    assert menu["max_values"] == 2  # a room may take alerts from both at once
    assert s.listing(room).startswith("This room gets no alerts")

    picked = s.dctl.click(question["id"], "wagbot:pick", user_id=wd.ALICE, username="alice",
                          values=[o["value"] for o in menu["options"]])
    d = s.dctl.wait_interaction(picked["id"], wd.finished, REPLY_TIMEOUT)
    assert not d["errors"], d["errors"]
    answer = wd.visible_text(d)
    assert "This room now gets alerts from @media." in answer, answer
    assert "This room now gets alerts from @nas." in answer, answer
    listing = s.listing(room)
    assert "@media" in listing and "@nas" in listing, listing

    # A value that names no stored answer is refused, not guessed at.
    forged = s.dctl.click(question["id"], "wagbot:pick", user_id=wd.ALICE, username="alice",
                          values=["999999"], force=True)
    d = s.dctl.wait_interaction(forged["id"], wd.finished, REPLY_TIMEOUT)
    assert "too old" in wd.visible_text(d), wd.visible_text(d)
