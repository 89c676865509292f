"""Self-test of the WAGMIOS simulator: the activity feed (HTTP and WebSocket).

Run: .venv/bin/python -m pytest tests/sim_selftest -q
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import json
import re
import socket
import time
import urllib.parse

import aiohttp
import pytest

from simtest import KEY_RE, Host, by_name, call, events  # noqa: F401
from control import SimControl, start_simulator, stop_simulator  # noqa: F401

pytestmark = pytest.mark.timeout(60)


# ---------------------------------------------------------------------------- activity

def test_activity_event_shapes(nas, ctl):
    agent = nas.admin[-8:]
    nas("GET", "/api/containers")                                # noise: no event
    nas("GET", "/api/system/info")                               # noise
    nas("POST", "/api/containers/nginx/restart")
    nas("POST", "/api/images/pull", body={"image": "busybox:1.36"})
    ids = {(i["Repository"], i["Tag"]): i["ID"] for i in nas("GET", "/api/images").data}
    nas("DELETE", f"/api/images/{ids[('busybox', '1.36')]}")
    nas("GET", "/api/containers", key="wag_live_wrong")           # noise even when failing
    nas("GET", "/api/images", key="wag_live_wrong")
    nas("GET", "/api/images", key=None)
    ctl.crash("nas", "postgres")                                 # outside the API: invisible
    ctl.add_container("nas", "outsider")
    ctl.remove_container("nas", "outsider")
    data = nas("GET", "/api/activity").data
    evs = data["events"]
    assert data["total"] == len(evs)
    for e in evs:
        assert {"id", "timestamp", "type", "action", "target", "status", "agent"} <= set(e)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", e["timestamp"])
    kinds = [(e["type"], e["action"], e["target"], e["status"]) for e in evs]
    assert ("api_call", "GET", "/api/containers", "success") not in kinds
    assert not any(e["target"].startswith("/api/system") for e in evs)
    assert not any("postgres" in e["target"] or "outsider" in e["target"] for e in evs)
    ca = [e for e in evs if e["type"] == "container_action"]
    assert len(ca) == 1 and ca[0]["action"] == "restart" and ca[0]["target"] == "nginx"
    assert ca[0]["status"] == "success" and ca[0]["agent"] == agent
    assert set(ca[0]["details"]) == {"container_id", "details"}
    pulls = [e for e in evs if e["type"] == "image_pull"]
    assert [p["status"] for p in pulls] == ["pending", "success"] and pulls[0]["target"] == "busybox:1.36"
    dels = [e for e in evs if e["type"] == "image_delete"]
    assert dels[0]["action"] == "delete" and dels[0]["status"] == "success"
    calls = [e for e in evs if e["type"] == "api_call"]
    restart_call = [e for e in calls if e["target"] == "/api/containers/nginx/restart"][0]
    assert restart_call["action"] == "POST" and restart_call["agent"] == agent
    assert set(restart_call["details"]) == {"status_code", "duration_ms"}
    assert restart_call["details"]["status_code"] == 200
    # container_action comes before its api_call
    assert evs.index(ca[0]) < evs.index(restart_call)
    failed = [(e["agent"], e["target"], e["status"], e["details"]["status_code"])
              for e in calls if e["agent"] in ("invalid-key", "unauthenticated")]
    assert failed == [("invalid-key", "/api/images", "client_error", 401),
                      ("unauthenticated", "/api/images", "client_error", 401)]
    nas("POST", "/api/containers/ghost/stop")
    last = nas("GET", "/api/activity").data["events"]
    err_call = [e for e in last if e["target"] == "/api/containers/ghost/stop"]
    assert err_call[-1]["status"] == "server_error"
    assert [e for e in last if e["type"] == "container_action"][-1]["status"] == "error"


def test_activity_keeps_last_100(nas, ctl):
    ctl.set_config("nas", rate_limit=500)
    for _ in range(60):
        nas("GET", "/api/settings")
        nas("GET", "/api/images")
    data = nas("GET", "/api/activity").data
    assert len(data["events"]) == 100 and data["total"] == 120
    # Go trims trailing zeros from the fraction ("…11.215Z"), so compare instants, not strings.
    ts = [dt.datetime.fromisoformat(e["timestamp"]) for e in data["events"]]
    assert ts == sorted(ts)


def test_activity_websocket(nas):
    ws_url = nas.url.replace("http://", "ws://") + "/api/ws/activity"

    async def scenario():
        async with aiohttp.ClientSession() as s:
            nas("POST", "/api/containers/nginx/stop")            # before: not replayed
            async with s.ws_connect(ws_url + "?key=" + urllib.parse.quote(nas.admin)) as ws1, \
                    s.ws_connect(ws_url, headers={"X-API-Key": nas.admin}) as ws2:
                await asyncio.sleep(0.05)
                await asyncio.get_running_loop().run_in_executor(
                    None, lambda: nas("POST", "/api/containers/nginx/start"))
                got = []
                for ws in (ws1, ws2):
                    msgs = []
                    while len(msgs) < 2:
                        m = await asyncio.wait_for(ws.receive(), 5)
                        assert m.type == aiohttp.WSMsgType.TEXT
                        msgs.append(json.loads(m.data))
                    got.append(msgs)
                for msgs in got:
                    assert msgs[0]["type"] == "container_action" and msgs[0]["action"] == "start"
                    assert msgs[1]["type"] == "api_call" and msgs[1]["target"] == "/api/containers/nginx/start"
                # crash from outside: nothing arrives
                nas.ctl.crash("nas", "jellyfin")
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(ws1.receive(), 0.3)
            no_scope = nas.key(["containers:read"])
            with pytest.raises(aiohttp.WSServerHandshakeError) as ei:
                await s.ws_connect(ws_url + "?key=" + urllib.parse.quote(no_scope))
            assert ei.value.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as ei:
                await s.ws_connect(ws_url)
            assert ei.value.status == 401
        # each WebSocket session gives one api_call, logged when it closes
        for _ in range(50):
            if len(events(nas, target="/api/ws/activity", status="success")) == 2:
                break
            await asyncio.sleep(0.02)
        sessions = events(nas, target="/api/ws/activity", status="success")
        assert [(e["action"], e["details"]["status_code"]) for e in sessions] == [("GET", 200)] * 2
        assert all(e["details"]["duration_ms"] >= 50 for e in sessions)

    r = nas("GET", "/api/ws/activity")                  # plain GET, not an upgrade
    assert r.status == 400

    asyncio.run(scenario())
