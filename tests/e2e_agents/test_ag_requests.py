"""Structured agent requests on Matrix: a ```wagmios block in a message, or an
org.wagmios.request custom event, answered with a human line and a wagmios-result block; the
agent's own key is used; malformed requests get an error result and run nothing."""

from __future__ import annotations

import pytest

import wagbot_agents as wa
from wagbot_agents import (assert_error, assert_ok, block, body, calls, content, html, human_lines, posts,
                           reaction, reply_to, result, results, suffix)

pytestmark = pytest.mark.timeout(120)

RESTART_NGINX = "POST /api/containers/nginx/restart"


def assert_notice_reply(e: dict, to: str) -> None:
    c = content(e)
    assert c["msgtype"] == "m.text"
    assert c["format"] == "org.matrix.custom.html" and c["formatted_body"]
    assert c["m.relates_to"]["m.in_reply_to"]["event_id"] == to


def test_agent_restarts_a_container_by_a_wagmios_block(world):
    w = world
    room = w.group()
    # An agent writes a line for the humans and the block; no `!wag` prefix in a group room.
    eid = w.robo.send_text(room, block({"id": "r1", "host": "nas", "action": "restart", "target": "nginx"},
                                       before="Restarting nginx after the config change."))
    reply = w.robo.wait_for(reply_to(w.bot, room, eid))
    assert_notice_reply(reply, eid)
    r = result(reply)
    assert_ok(r, "r1")
    assert r["data"]["text"] == "`nginx` restarted on @nas."
    assert human_lines(reply) == ["✅ r1: `nginx` restarted on @nas."]
    assert '<pre><code class="language-wagmios-result">' in html(reply)

    # Exactly one restart, made with the agent's own key (not alice's, not bob's).
    assert posts(w.ctl, "nas") == [(RESTART_NGINX, suffix(w.key("robo", "nas")))]
    assert posts(w.ctl, "media") == []
    assert wa.container(w.ctl, "nas", "nginx")["status"] == "running"
    # A restart is not destructive: no prompt, no reactions.
    w.alice.expect_nothing(reaction(room, sender=w.bot.user_id), within=1)


def test_agent_restarts_a_container_by_a_custom_event(world):
    w = world
    room = w.group()
    eid = w.robo.send_event(room, wa.AGENT_EVENT,
                            {"id": "ev-7", "host": "nas", "action": "restart", "target": "postgres"})
    reply = w.robo.wait_for(reply_to(w.bot, room, eid))
    assert_notice_reply(reply, eid)
    r = result(reply)
    assert_ok(r, "ev-7")
    assert r["data"]["text"] == "`postgres` restarted on @nas."
    assert human_lines(reply) == ["✅ ev-7: `postgres` restarted on @nas."]
    assert posts(w.ctl, "nas") == [("POST /api/containers/postgres/restart", suffix(w.key("robo", "nas")))]
    assert posts(w.ctl, "media") == []

    # A numeric id is echoed (as text), and the host may be written with its @.
    eid = w.robo.send_event(room, wa.AGENT_EVENT, {"id": 42, "host": "@media", "action": "restart",
                                                   "target": "jellyfin"})
    r = result(w.robo.wait_for(reply_to(w.bot, room, eid)))
    assert_ok(r, "42")
    assert posts(w.ctl, "media") == [("POST /api/containers/jellyfin/restart", suffix(w.key("robo", "media")))]


MALFORMED = [
    # (what the block holds, the id echoed, the error code)
    ('{"id": "bad1", "host": "nas", "action": "restart", "target": "nginx"', "", "INVALID_JSON"),
    ('{"id": "u1", "host": "nas", "action": "frobnicate", "target": "nginx"}', "u1", "UNKNOWN_ACTION"),
    ('{"id": "m1", "host": "nas", "action": "restart"}', "m1", "INVALID_REQUEST"),
    ('{"id": "n1", "host": "nas", "target": "nginx"}', "n1", "INVALID_REQUEST"),
    ('{"id": "x1", "host": "nas", "action": "restart", "target": "nginx", "args": {"force": true}}', "x1",
     "INVALID_REQUEST"),
    ('{"id": "t1", "host": "nas", "action": "restart", "target": ["nginx"]}', "t1", "INVALID_REQUEST"),
    ('[]', "", "INVALID_REQUEST"),
]


def test_malformed_agent_json_gets_an_error_result_and_runs_nothing(world):
    w = world
    room = w.group()
    lines, expected = [], []
    for raw, rid, code in MALFORMED:
        eid = w.robo.send_text(room, block(None, raw=raw))
        reply = w.robo.wait_for(reply_to(w.bot, room, eid))
        assert_notice_reply(reply, eid)
        r = result(reply)
        assert_error(r, rid, code)
        lines.append(human_lines(reply))
        expected.append([f"❌ {rid + ': ' if rid else ''}{r['error']['message']}"])
    assert calls(w.ctl, "nas") == [] and calls(w.ctl, "media") == []
    assert wa.container(w.ctl, "nas", "nginx")["status"] == "running"
    # One human line per request: the error, marked once (as the README shows the ok line).
    assert lines == expected


def test_malformed_custom_events_get_error_results(world):
    w = world
    room = w.group()
    eid = w.robo.send_event(room, wa.AGENT_EVENT, {"id": "e1", "host": "nas", "action": "explode",
                                                   "target": "nginx"})
    assert_error(result(w.robo.wait_for(reply_to(w.bot, room, eid))), "e1", "UNKNOWN_ACTION")
    eid = w.robo.send_event(room, wa.AGENT_EVENT, {"id": "e2", "host": "nas", "action": "restart"})
    assert_error(result(w.robo.wait_for(reply_to(w.bot, room, eid))), "e2", "INVALID_REQUEST")
    eid = w.robo.send_event(room, wa.AGENT_EVENT, {"id": "e3", "host": "nas", "target": "nginx"})
    assert_error(result(w.robo.wait_for(reply_to(w.bot, room, eid))), "e3", "INVALID_REQUEST")
    assert calls(w.ctl, "nas") == [] and calls(w.ctl, "media") == []


def test_a_list_of_requests_gets_one_result_each_in_order(world):
    w = world
    room = w.group()
    eid = w.robo.send_text(room, block([
        {"id": "a1", "host": "nas", "action": "restart", "target": "nginx"},
        {"id": "a2", "host": "media", "action": "restart", "target": "jellyfin"},
    ]))
    reply = w.robo.wait_for(reply_to(w.bot, room, eid))
    r1, r2 = results(reply)
    assert_ok(r1, "a1")
    assert_ok(r2, "a2")
    assert r1["data"]["text"] == "`nginx` restarted on @nas."
    assert r2["data"]["text"] == "`jellyfin` restarted on @media."
    assert human_lines(reply) == ["✅ a1: `nginx` restarted on @nas.", "✅ a2: `jellyfin` restarted on @media."]
    # Each human line comes right before its own result block.
    text = body(reply)
    assert text.index("a1: ") < text.index('"id":"a1"') < text.index("a2: ") < text.index('"id":"a2"')
    assert posts(w.ctl, "nas") == [(RESTART_NGINX, suffix(w.key("robo", "nas")))]
    assert posts(w.ctl, "media") == [("POST /api/containers/jellyfin/restart", suffix(w.key("robo", "media")))]

    # {"requests": [...]}: read results carry their tables; a bad entry fails alone.
    w.ctl.append_logs("nas", "nginx", ["agent marker one", "agent marker two"])
    eid = w.robo.send_text(room, block({"requests": [
        {"id": "b1", "host": "media", "action": "list"},
        {"id": "b2", "host": "nas", "action": "nuke", "target": "nginx"},
        {"id": "b3", "host": "nas", "action": "logs", "target": "nginx", "args": {"lines": 2}},
    ]}))
    reply = w.robo.wait_for(reply_to(w.bot, room, eid))
    b1, b2, b3 = results(reply)
    assert_ok(b1, "b1")
    (table,) = b1["data"]["tables"]
    assert "name" in table["headers"] and "status" in table["headers"]
    names = [row[table["headers"].index("name")] for row in table["rows"]]
    assert "jellyfin" in names and "nginx" in names
    assert_error(b2, "b2", "UNKNOWN_ACTION")
    assert_ok(b3, "b3")
    assert b3["data"]["text"].splitlines()[-2:] == ["agent marker one", "agent marker two"]
    assert [c for c in calls(w.ctl, "nas") if "/logs" in c] == ["GET /api/containers/nginx/logs?tail=2"]
    assert posts(w.ctl, "nas") == [(RESTART_NGINX, suffix(w.key("robo", "nas")))]  # nothing new written
    assert posts(w.ctl, "media") == [("POST /api/containers/jellyfin/restart", suffix(w.key("robo", "media")))]
    # Each human line is marked by its own result only: an ok one is not marked ❌ because
    # another request in the same message failed.
    lines = human_lines(reply)
    assert [l.split(":")[0] for l in lines] == ["✅ b1", "❌ b2", "✅ b3"], lines
