"""Alerts on each network, with a bot running only that transport ([matrix] and [discord]):
a crash reaches the subscribed room within one polling interval and looks native; rooms that
did not subscribe (or subscribed to another host, or to other containers) get nothing; the
alert's Restart action runs as whoever triggers it (refused without `containers:write`, no
call reaching WAGMIOS; done with it); subscriptions, and what a posted alert's actions run,
survive a bot restart."""

from __future__ import annotations

import time

import pytest

import wagbot_alerts as wa
from wagbot_alerts import DELIVERY, MARGIN, POLL, restarts, texts, wait_alert

pytestmark = pytest.mark.timeout(90)

CRASH = "`nginx` on @nas stopped unexpectedly (exited)."
BACK = "`nginx` on @nas is running again."


def test_a_crash_reaches_the_subscribed_room_within_one_poll_and_only_it(world):
    s, bot, ctl = world.side, world.bot, world.wctl
    subscribed = s.room("subscribed")
    quiet = s.room("not subscribed")
    media_only = s.room("media only")
    web_only = s.room("web only")
    assert "This room now gets alerts from @nas about ngin*." in s.subscribe(subscribed, "@nas ngin*")
    assert "This room now gets alerts from @media." in s.subscribe(media_only, "@media")
    assert "This room now gets alerts from @nas about web-*." in s.subscribe(web_only, "@nas web-*")

    crashed = time.monotonic()
    ctl.crash("nas", "nginx")
    alert = wait_alert(s, subscribed, CRASH, POLL + MARGIN + 1)
    elapsed = time.monotonic() - crashed
    assert elapsed <= POLL + MARGIN, f"alerted {elapsed:.2f}s after the crash (poll interval {POLL}s)"
    s.check_native(alert, "error")
    alert = s.wait_actions(alert, ["Restart", "Logs"])
    assert alert.actions == ["Restart", "Logs"], alert
    if s.network == "matrix":
        assert "<code>nginx</code> on @nas stopped unexpectedly" in alert.html, alert.html

    ctl.set_container_state("nas", "nginx", "running")
    back = wait_alert(s, subscribed, BACK, POLL + DELIVERY)
    s.check_native(back, "success")
    back = s.wait_actions(back, ["Logs"])
    assert back.actions == ["Logs"], back

    bot.settle()
    assert texts(s.alerts(subscribed)) == [CRASH, BACK]
    for room in (quiet, media_only, web_only):
        assert s.alerts(room) == [], f"{room} got alerts it did not subscribe to"
    assert s.bot_events(quiet) == [], "the bot said something in a room that never asked"
    assert "This room gets no alerts" in s.listing(quiet)
    # The subscription list says who gets what.
    listing = s.listing(subscribed)
    assert "@nas" in listing and "ngin*" in listing and "alice" in listing, listing


def test_the_restart_action_is_refused_without_containers_write_and_runs_with_it(world):
    s, bot, ctl = world.side, world.bot, world.wctl
    room = s.room("ops")
    assert "This room now gets alerts from @nas." in s.subscribe(room)
    ctl.crash("nas", "nginx")
    alert = s.wait_actions(wait_alert(s, room, CRASH, POLL + DELIVERY), ["Restart", "Logs"])

    # carol's key has containers:read only: told which scope she lacks, nothing reaches WAGMIOS.
    refused = s.click(alert, "Restart", "carol")
    assert "lacks the `containers:write` scope" in refused, refused
    assert restarts(ctl, "nas", "nginx") == []
    assert wa.wd.container(ctl, "nas", "nginx")["status"] == "exited"
    if s.network == "discord":
        d = s.last_interaction
        assert any(wa.wd.is_ephemeral(f) for f in d["followups"]), "the refusal is not private"

    # The Logs action runs as carol too, and her key may read logs.
    logs = s.click(alert, "Logs", "carol")
    assert "lacks" not in logs and "nginx" in logs, logs
    assert [r["key_suffix"] for r in ctl.requests("nas") if r["path"] == "/api/containers/nginx/logs"] == \
        [bot.keys[("carol", "nas")][-8:]]

    # alice may: one restart call, with alice's own key.
    done = s.click(alert, "Restart", "alice")
    assert "`nginx` restarted on @nas." in done, done
    (call,) = restarts(ctl, "nas", "nginx")
    assert call["key_suffix"] == bot.keys[("alice", "nas")][-8:]
    assert wa.wd.container(ctl, "nas", "nginx")["status"] == "running"
    # The activity feed tells the room; the key is alice's, so it names her.
    wait_alert(s, room, "`nginx` on @nas: restart with alice's key.", DELIVERY)


def test_subscriptions_survive_a_restart_and_alerts_off_stops_them(world):
    s, bot, ctl = world.side, world.bot, world.wctl
    room = s.room("ops")
    quiet = s.room("not subscribed")
    assert "This room now gets alerts from @nas." in s.subscribe(room)

    bot.restart()
    listing = s.listing(room)
    assert "Alerts this room receives" in listing and "@nas" in listing and "all" in listing, listing
    assert "This room gets no alerts" in s.listing(quiet)

    crashed = time.monotonic()
    ctl.crash("nas", "postgres")
    alert = wait_alert(s, room, "`postgres` on @nas stopped unexpectedly (exited).", POLL + MARGIN + 1)
    assert time.monotonic() - crashed <= POLL + MARGIN
    s.check_native(alert, "error")

    assert "No more alerts from @nas in this room." in s.unsubscribe(room)
    assert "This room gets no alerts" in s.listing(room)
    ctl.crash("nas", "jellyfin")
    bot.settle(polls=2)  # the poll that sees it, and the next
    assert texts(s.alerts(room)) == ["`postgres` on @nas stopped unexpectedly (exited)."]
    assert s.alerts(quiet) == []


def test_an_alerts_actions_still_run_what_they_showed_after_a_restart(world):
    s, bot, ctl = world.side, world.bot, world.wctl
    room = s.room("ops")
    assert "This room now gets alerts from @nas." in s.subscribe(room)
    ctl.crash("nas", "nginx")
    before = s.wait_actions(wait_alert(s, room, CRASH, POLL + DELIVERY), ["Restart", "Logs"])

    bot.restart()
    # A new alert after the restart gets actions of its own, never the old alert's ids.
    crash = "`postgres` on @nas stopped unexpectedly (exited)."
    ctl.crash("nas", "postgres")
    after = s.wait_actions(wait_alert(s, room, crash, POLL + MARGIN + 1), ["Restart", "Logs"])

    done = s.click(before, "Restart", "alice")
    assert "`nginx` restarted on @nas." in done, done
    assert len(restarts(ctl, "nas", "nginx")) == 1 and restarts(ctl, "nas", "postgres") == []
    done = s.click(after, "Restart", "alice")
    assert "`postgres` restarted on @nas." in done, done
    assert len(restarts(ctl, "nas", "nginx")) == 1 and len(restarts(ctl, "nas", "postgres")) == 1
