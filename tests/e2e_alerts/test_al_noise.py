"""What keeps alerts quiet and useful, with ONE bot running both transports: a Matrix room and
a Discord channel subscribe, and every scenario checks that each of them received exactly the
expected alerts — no more, no fewer:

- a restart loop: individual alerts, then one summary, then nothing during the back-off;
- a host going down and coming back: one alert each; an API action just after it is back is
  still told as one (the activity feed's reconnection backed off while the host was down);
- a reboot of 20 containers: one digest (and one when they come back), not 20 messages;
- an API action by someone else: one alert from the activity feed naming the key, and the
  poll that then sees the change reports nothing;
- changes while the bot was stopped: reported once it is back (a crash, and an API action from
  the feed's catch-up), and nothing when nothing changed.
"""

from __future__ import annotations

import re
import time

import pytest

import wagbot_alerts as wa
from wagbot_alerts import DELIVERY, POLL, api_call, poll, texts

pytestmark = pytest.mark.timeout(120)


# ---------------------------------------------------------------------------- helpers

def subscribe_all(w, what: str = "@nas") -> dict:
    """One room per network, subscribed to `what`: {side: room}."""
    rooms = {}
    for side in w.sides:
        rooms[side] = side.room("alerts")
        assert "This room now gets alerts from @" in side.subscribe(rooms[side], what)
    return rooms


def wait_count(rooms: dict, count: int, deadline: float) -> dict:
    """Waits until every room holds `count` alerts; returns {network: [Alert]}."""
    out = {}
    for side, room in rooms.items():
        out[side.network] = poll(lambda: len(a := side.alerts(room)) >= count and a,
                                 f"{count} alert(s) on {side.network}", deadline, interval=0.1)
    return out


def change_then_poll(w, host: str, names, status: str) -> None:
    """Sets containers' state from outside the API, all between two polls, then waits for the
    poll that sees the change."""
    if len(names) > 1:
        w.bot.just_polled(host)  # a whole interval ahead for the changes
    before = w.bot.mark(host)
    for n in names:
        w.wctl.set_container_state(host, n, status)
    after = w.bot.mark(host)
    suffix = w.bot.monitor_keys[host][-8:]
    sneaked = [r for r in w.wctl.requests(host)[before:after]
               if r["path"] == "/api/containers" and r["key_suffix"] == suffix]
    assert not sneaked, "a poll came in the middle of the changes (harness timing)"
    w.bot.wait_poll(host, since=after)


# ---------------------------------------------------------------------------- restart loop

def test_a_restart_loop_is_damped_and_summarised(make_world):
    w = make_world(("matrix", "discord"), start=False)
    w.wctl.add_container("nas", "worker", image="alpine:3.20", status="running")
    w.bot.start()
    rooms = subscribe_all(w, "@nas worker")
    down = "`worker` on @nas stopped unexpectedly (exited)."
    up = "`worker` on @nas is running again."
    loop = re.compile(r"`worker` on @nas is flapping: it went down 3 times in \d+ s\. "
                      r"Further alerts about it are held back for a while\.")

    expected: list[str] = []
    for status, alert in (("exited", down), ("running", up), ("exited", down), ("running", up),
                          ("exited", "flapping")):
        change_then_poll(w, "nas", ["worker"], status)
        expected.append(alert)
        got = wait_count(rooms, len(expected), DELIVERY)
        for net, alerts in got.items():
            assert alert in alerts[-1].text, (net, texts(alerts))

    # Damped: more bounces inside the back-off say nothing, not even "running again".
    for status in ("running", "exited"):
        change_then_poll(w, "nas", ["worker"], status)
    w.bot.settle()

    for side, room in rooms.items():
        alerts = side.alerts(room)
        assert texts(alerts)[:4] == [down, up, down, up], (side.network, texts(alerts))
        assert len(alerts) == 5, (side.network, texts(alerts))
        summary = alerts[4]
        assert loop.fullmatch(summary.text), summary.text
        side.check_native(summary, "error")
        assert side.wait_actions(summary, ["Restart", "Logs"]).actions == ["Restart", "Logs"]


# ---------------------------------------------------------------------------- host down / up

def metrics_of(port: int) -> dict[str, float]:
    """/metrics as {"name{labels}": value}."""
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        lines = r.read().decode().splitlines()
    return {ln.rsplit(" ", 1)[0]: float(ln.rsplit(" ", 1)[1]) for ln in lines if ln and not ln.startswith("#")}


def test_a_host_going_down_and_back_is_alerted_once_each(make_world):
    from support.e2e_support import free_port
    port = free_port()
    w = make_world(("matrix", "discord"), start=False)
    w.bot.settings["observability"] = {"listen": f"127.0.0.1:{port}"}
    w.bot.start()
    rooms = subscribe_all(w, "@nas")
    down_at = time.monotonic()
    w.wctl.down("nas")
    got = wait_count(rooms, 1, 3 * POLL + DELIVERY)
    elapsed = time.monotonic() - down_at
    # After unreachable_after (3) failed polls (the first fails at most one interval after the
    # host went down), not at the first failure.
    assert elapsed >= 2 * POLL - 0.3, f"host_down after {elapsed:.1f}s: fewer than 3 failed polls"
    for net, (alert,) in got.items():
        assert re.fullmatch(r"@nas is unreachable \(3 checks in a row failed: .+\)\.", alert.text), alert.text

    # Still down at the next poll: nothing more (real time must pass; a failed poll leaves no
    # trace in the simulator to wait for).
    with pytest.raises(AssertionError, match="timed out"):
        wait_count(rooms, 2, POLL + 0.5)
    m = metrics_of(port)
    assert m['wagbot_host_reachable{host="nas"}'] == 0 and m['wagbot_host_reachable{host="media"}'] == 1
    assert m['wagbot_wagmios_errors_total{host="nas",cause="unreachable"}'] >= 3

    w.wctl.up("nas")
    w.bot.wait_poll("nas", since=w.bot.mark("nas"))
    wait_count(rooms, 2, DELIVERY)
    w.bot.settle()
    for side, room in rooms.items():
        down, up = side.alerts(room)
        assert up.text == "@nas is reachable again.", up.text
        side.check_native(down, "error")
        side.check_native(up, "success")
        assert down.actions == [] and up.actions == [], (down, up)
    m = metrics_of(port)
    assert m['wagbot_host_reachable{host="nas"}'] == 1
    assert m['wagbot_alerts_sent_total{network="matrix"}'] == 2
    assert m['wagbot_alerts_sent_total{network="discord"}'] == 2
    assert m['wagbot_wagmios_request_duration_seconds_count{host="media",purpose="alerts"}'] >= 3


def test_an_api_action_right_after_the_host_is_back_is_not_called_a_crash(both, wsim):
    """While the host was down the activity feed's reconnection backed off; once the host is
    back, an API action must still be told as one, not as "stopped unexpectedly"."""
    w = both
    rooms = subscribe_all(w, "@nas")
    ops = w.wctl.add_key("nas", label="ops-script", scopes=["*"], role="admin")["key"]
    w.wctl.down("nas")
    wait_count(rooms, 1, 3 * POLL + DELIVERY)          # unreachable
    # A reboot takes a while: down for one more poll (real time must pass; nothing to observe).
    with pytest.raises(AssertionError, match="timed out"):
        wait_count(rooms, 2, POLL + 0.5)
    w.wctl.up("nas")
    wait_count(rooms, 2, POLL + DELIVERY)              # reachable again
    assert api_call(wsim.hosts["nas"], "POST", "/api/containers/nginx/stop", ops)[0] == 200
    stop = f"`nginx` on @nas: stop by key …{ops[-8:]} through the WAGMIOS API."
    # The feed's alert (live, or caught up once reconnected), and polls that report nothing more.
    try:
        poll(lambda: all(stop in texts(side.alerts(room)) for side, room in rooms.items()),
             "the API action's alert", 10)
    except AssertionError:
        pass  # the comparison below says what came instead
    w.bot.settle(polls=2)
    for side, room in rooms.items():
        got = texts(side.alerts(room))[2:]
        assert got == [stop], (f"{side.network}: after @nas came back, an API stop was told as "
                               f"{got} instead of once from the activity feed")


# ---------------------------------------------------------------------------- reboot digest

def test_a_reboot_of_20_containers_yields_one_digest(make_world):
    w = make_world(("matrix", "discord"), start=False)
    names = [f"app-{i:02d}" for i in range(1, 21)]
    for n in names:
        w.wctl.add_container("nas", n, image="alpine:3.20", status="running")
    w.bot.start()  # its first poll is the baseline: the 20 containers are no news
    rooms = subscribe_all(w, "@nas")

    change_then_poll(w, "nas", names, "exited")
    wait_count(rooms, 1, DELIVERY)
    w.bot.settle()
    for side, room in rooms.items():
        (digest,) = side.alerts(room)
        assert digest.text.startswith("20 changes on @nas at once (a reboot?):"), digest.text
        assert "stopped" in digest.text and ", ".join(names) in digest.text, digest.text
        assert "unexpectedly" not in digest.text
        side.check_native(digest, "warning")
        assert digest.actions == []
        if side.network == "matrix":
            assert "app-01" in digest.html and "app-20" in digest.html, digest.html

    # They all come back: one more digest.
    change_then_poll(w, "nas", names, "running")
    wait_count(rooms, 2, DELIVERY)
    w.bot.settle()
    for side, room in rooms.items():
        first, back = side.alerts(room)
        assert back.text.startswith("20 changes on @nas at once (a reboot?):"), back.text
        assert "recovered" in back.text and ", ".join(names) in back.text, back.text
        side.check_native(back, "warning")


def test_a_digest_names_only_the_containers_a_room_subscribed_to(make_world):
    """A room subscribed to some containers gets nothing about the others, digests included."""
    w = make_world(("matrix", "discord"), start=False)
    names = [f"app-{i:02d}" for i in range(1, 21)]
    for n in names:
        w.wctl.add_container("nas", n, image="alpine:3.20", status="running")
    w.bot.start()
    narrow = subscribe_all(w, "@nas app-0*")      # app-01 … app-09
    unrelated = subscribe_all(w, "@nas nginx")

    change_then_poll(w, "nas", names, "exited")
    wait_count(narrow, 1, DELIVERY)
    w.bot.settle()
    for side, room in narrow.items():
        (digest,) = side.alerts(room)
        assert digest.text.startswith("9 changes on @nas at once (a reboot?):"), digest.text
        assert all(n in digest.text for n in names[:9]), digest.text
        leaked = [n for n in names[9:] if n in digest.text]
        assert not leaked, f"{side.network}: a room subscribed to app-0* was told about {leaked}:\n{digest.text}"
    for side, room in unrelated.items():
        assert side.alerts(room) == [], side.network


# ---------------------------------------------------------------------------- API actions

def test_an_api_action_by_someone_else_comes_from_the_activity_feed(both, wsim):
    w = both
    rooms = subscribe_all(w, "@nas")
    ops = w.wctl.add_key("nas", label="ops-script", scopes=["*"], role="admin")["key"]
    url = wsim.hosts["nas"]
    by = f"by key …{ops[-8:]} through the WAGMIOS API."
    expected: list[str] = []

    def act(method: str, path: str, body=None, alert: str = "") -> None:
        """Someone's script calls the API; its alert comes from the feed (only the feed knows
        the key)."""
        status, answer = api_call(url, method, path, ops, body)
        assert status == 200, answer
        expected.append(alert)
        got = wait_count(rooms, len(expected), DELIVERY)
        for net, alerts in got.items():
            assert alerts[-1].text == alert, (net, texts(alerts))

    act("POST", "/api/containers/nginx/stop", alert=f"`nginx` on @nas: stop {by}")
    w.bot.settle()  # a poll sees nginx exited: not "stopped unexpectedly"
    act("POST", "/api/containers/nginx/start", alert=f"`nginx` on @nas: start {by}")
    act("POST", "/api/containers", {"name": "scratch", "image": "alpine:3.20"},
        alert=f"`scratch` on @nas: create {by}")
    w.bot.settle()  # nginx running (not "running again"), scratch there (not "appeared")
    act("DELETE", "/api/containers/scratch/delete", alert=f"`scratch` on @nas: delete {by}")
    w.bot.settle()  # scratch gone (not "disappeared")
    w.bot.settle()
    for side, room in rooms.items():
        alerts = side.alerts(room)
        assert texts(alerts) == expected, (side.network, texts(alerts))
        for a in alerts:
            side.check_native(a, "info")
            assert a.actions == []


# ---------------------------------------------------------------------------- while stopped

def test_what_changed_while_the_bot_was_stopped_is_reported_once_it_is_back(both, wsim):
    w = both
    rooms = subscribe_all(w, "@nas")
    ops = w.wctl.add_key("nas", label="ops-script", scopes=["*"], role="admin")["key"]
    w.bot.settle()  # the watch has seen the host: that is what it keeps
    w.bot.stop()

    w.wctl.crash("nas", "nginx")  # nothing in the activity feed knows of this one
    status, answer = api_call(wsim.hosts["nas"], "POST", "/api/containers/postgres/stop", ops)
    assert status == 200, answer
    w.bot.start()

    # The feed's catch-up reports the API action (so the poll does not call it a crash); the
    # first poll reports the crash against what was seen before the stop, not as a baseline.
    expected = [f"`postgres` on @nas: stop by key …{ops[-8:]} through the WAGMIOS API.",
                "`nginx` on @nas stopped unexpectedly (exited)."]
    wait_count(rooms, len(expected), POLL + DELIVERY)
    w.bot.settle()
    w.bot.settle()
    for side, room in rooms.items():
        assert texts(side.alerts(room)) == expected, (side.network, texts(side.alerts(room)))

    # A restart with nothing changed meanwhile says nothing.
    w.bot.restart()
    w.bot.settle()
    w.bot.settle()
    for side, room in rooms.items():
        assert texts(side.alerts(room)) == expected, (side.network, texts(side.alerts(room)))
