"""SIGHUP and the watchers: a host that gains a monitor key in the reloaded file is watched from
then on (before, a room cannot subscribe to it; after, its crashes reach the room), and a host whose watch did not change
keeps the watcher it had (no second feed, no gap) — the Discord connection is kept throughout."""

from __future__ import annotations

import signal

import pytest

import wagbot_alerts as wa
from wagbot_alerts import MARGIN, POLL, wait_alert

pytestmark = pytest.mark.timeout(90)


def test_sighup_watches_a_host_that_gained_a_monitor_key(make_world, dctl):
    world = make_world(("discord",), start=False)
    s, bot, ctl = world.side, world.bot, world.wctl
    # media starts without a monitor key: not watched.
    del bot.monitors["media"]
    del bot.monitor_keys["media"]
    bot.start()
    assert "following the activity feed of @media" not in bot.log()
    room = s.room("media alerts")
    refused = s.subscribe(room, "@media")
    assert "@media is not watched" in refused and "monitor_key" in refused, refused
    before = dctl.gateway_state()

    bot.monitor("media")  # writes the file with media's new monitor key
    mark = len(bot.log())
    polled = bot.mark("media")
    bot.proc.send_signal(signal.SIGHUP)
    bot.wait_log(r"SIGHUP: reloaded .*: 2 host\(s\), 2 user\(s\), 2 watched", since=mark)
    bot.wait_log(r"following the activity feed of @media\b", since=mark)
    bot.wait_poll("media", since=polled)  # its baseline: what runs now is not news
    assert "This room now gets alerts from @media." in s.subscribe(room, "@media")

    ctl.crash("media", "nginx")
    alert = wait_alert(s, room, "`nginx` on @media stopped unexpectedly", POLL + MARGIN + 1)
    s.check_native(alert, "error")

    # nas's watch did not change: its watcher was kept, not started again.
    assert "following the activity feed of @nas" not in bot.log()[mark:]
    after = dctl.gateway_state()
    assert (after["identifies"], after["resumes"]) == (before["identifies"], before["resumes"])
    assert bot.running()
