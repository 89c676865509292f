"""Self-test of the WAGMIOS simulator: basics, auth, keys, rate limits, system, first-boot setup.

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


# ---------------------------------------------------------------------------- basics

def test_ready_info_and_health(sim, ctl):
    assert set(sim.hosts) == {"nas", "media"}
    assert sim.hosts["nas"] != sim.hosts["media"]
    assert ctl.health() == {"status": "ok"}
    r = call(sim.hosts["nas"], "GET", "/health")
    assert r.status == 200 and r.json == {"status": "ok"}


def test_no_key_means_setup_required_everywhere(sim, ctl):
    ctl.reset("media")
    url = sim.hosts["media"]
    for path in ("/api/containers", "/api/settings", "/api/activity"):
        r = call(url, "GET", path, key="wag_live_" + "A" * 43 + "=")
        assert r.status == 401 and r.code == "SETUP_REQUIRED"
        assert r.json["data"] is None and r.json["success"] is False
    st = call(url, "GET", "/api/auth/status").data
    assert st == {"wizard_required": True, "has_key": False, "setup_required": True, "key_count": 0,
                  "setup_token_available": True}


def test_auth_order_and_scope_messages(nas):
    r = nas("GET", "/api/containers", key=None)
    assert (r.status, r.code) == (401, "API_KEY_REQUIRED")
    r = nas("GET", "/api/containers", key="wag_live_" + "x" * 44)
    assert (r.status, r.code) == (401, "INVALID_KEY")
    reader = nas.key(["images:read"])
    r = nas("GET", "/api/containers", key=reader)
    assert (r.status, r.code) == (403, "SCOPE_REQUIRED")
    assert r.json["error"]["message"] == "containers:read scope required"
    # admin role does not bypass scopes
    admin_no_scope = nas.key(["system:read"], role="admin")
    r = nas("POST", "/api/containers/nginx/stop", key=admin_no_scope)
    assert (r.status, r.code) == (403, "SCOPE_REQUIRED")
    assert r.json["error"]["message"] == "containers:write scope required"
    # "*" has every scope
    assert nas("GET", "/api/containers").status == 200
    st = nas("GET", "/api/auth/status", key=None).data
    assert st == {"wizard_required": False, "has_key": True, "setup_required": False, "key_count": 3}


def test_envelope_and_exceptions(nas):
    r = nas("GET", "/api/containers")
    assert set(r.json) == {"success", "data", "error"} and r.json["error"] is None
    assert r.headers["Content-Type"].startswith("application/json")
    act = nas("GET", "/api/activity").json
    assert set(act) == {"success", "data"}
    summ = nas("GET", "/api/metrics/summary").json
    assert set(summ) == {"success", "data"}
    tpl = nas("GET", "/api/containers/templates/static-site").json
    assert tpl["name"] == "static-site" and "success" not in tpl
    for method, path in (("GET", "/api/nope"), ("DELETE", "/api/containers/nginx"),
                         ("GET", "/api/containers/pull"), ("PUT", "/api/containers"),
                         ("GET", "/api/containers/nginx/start")):
        r = nas(method, path)
        assert r.status == 404, (method, path)
        assert r.raw == b"404 page not found\n"
        assert r.headers["Content-Type"].startswith("text/plain")


def test_key_format_and_settings(nas, ctl):
    from wagmios_state import generate_key
    for _ in range(20):
        assert KEY_RE.match(generate_key())
    assert KEY_RE.match(nas.admin) and len(nas.admin) == 53
    k = ctl.add_key("nas", label="bob", scopes=["containers:read", "system:read"], role="agent")
    s = nas("GET", "/api/settings", key=k["key"]).data
    assert set(s) == {"id", "key_prefix", "scopes", "created_at", "last_used_at", "label", "role"}
    assert s["key_prefix"] == k["key"][-8:] + "..."
    assert s["scopes"] == ["containers:read", "system:read"] and s["role"] == "agent"
    assert s["label"] == "bob" and s["id"] == k["id"]
    v = nas("POST", "/api/auth/verify", key=None, body={"key": k["key"]}).data
    assert v == {"valid": True, "key_id": k["id"], "key_label": "bob", "role": "agent",
                 "scopes": ["containers:read", "system:read"]}
    r = nas("POST", "/api/auth/verify", key=None, body={"key": "wag_live_nope"})
    assert (r.status, r.code) == (401, "INVALID_KEY")


def test_key_management_and_scope_reduction(nas):
    agent_kw = nas.key(["keys:write", "containers:read"], role="agent")
    r = nas("GET", "/api/keys", key=agent_kw)
    assert (r.status, r.code) == (403, "ADMIN_REQUIRED")
    admin_nokw = nas.key(["containers:read"], role="admin")
    r = nas("POST", "/api/keys", key=admin_nokw, body={"scopes": ["containers:read"]})
    assert (r.status, r.code) == (403, "SCOPE_REQUIRED")
    limited_admin = nas.key(["keys:write", "containers:read"], role="admin")
    r = nas("POST", "/api/keys", key=limited_admin, body={"label": "x", "scopes": ["images:write"]})
    assert (r.status, r.code) == (403, "SCOPE_ESCALATION")
    made = nas("POST", "/api/keys", body={"label": "new", "scopes": ["containers:read"]}).data
    assert KEY_RE.match(made["key"]) and made["meta"]["role"] == "agent"
    listed = nas("GET", "/api/keys").data
    assert made["meta"]["id"] in [k["id"] for k in listed]
    assert all(k["key_prefix"].endswith("...") for k in listed)
    assert nas("DELETE", "/api/keys/" + made["meta"]["id"]).data["status"] == "revoked"
    assert nas("GET", "/api/containers", key=made["key"]).code == "INVALID_KEY"
    # self scope reduction only
    k = nas.key(["containers:read", "system:read"])
    r = nas("POST", "/api/settings/scopes", key=k, body={"scopes": ["containers:read", "images:write"]})
    assert (r.status, r.code) == (403, "SCOPE_ESCALATION")
    assert nas("POST", "/api/settings/scopes", key=k, body={"scopes": ["system:read"]}).data["scopes"] == ["system:read"]
    assert nas("GET", "/api/containers", key=k).code == "SCOPE_REQUIRED"


def test_rate_limit_per_key_and_per_ip(nas, ctl):
    ctl.set_config("nas", rate_limit=5)
    codes = [nas("GET", "/api/settings").status for _ in range(6)]
    assert codes == [200] * 5 + [429]
    r = nas("GET", "/api/settings")
    assert (r.status, r.code) == (429, "RATE_LIMITED")
    other = nas.key(["containers:read"])
    assert nas("GET", "/api/containers", key=other).status == 200
    bad = [nas("GET", "/api/containers", key="wag_live_bad").status for _ in range(6)]
    assert bad == [401] * 5 + [429]
    ctl.set_config("nas", rate_limit=1000)
    assert nas("GET", "/api/settings").status == 200


def test_rolling_window(nas, ctl):
    ctl.set_config("nas", rate_limit=2, rate_window_s=0.5)
    assert [nas("GET", "/api/settings").status for _ in range(3)] == [200, 200, 429]
    time.sleep(0.6)
    assert nas("GET", "/api/settings").status == 200


def test_body_cap(nas):
    big = b'{"name":"' + b"a" * (1 << 20) + b'"}'
    r = nas("POST", "/api/containers/templates", raw_body=big, headers={"Content-Type": "application/json"})
    assert (r.status, r.code) == (400, "INVALID_REQUEST")



# ---------------------------------------------------------------------------- system

def test_system_and_metrics(nas, ctl):
    assert "docker_root" in nas("GET", "/api/system/info").data
    m = nas("GET", "/api/system/metrics").data
    assert set(m) == {"cpu", "memory", "disk", "uptime", "currentTime"}
    assert set(m["memory"]) == {"total", "used", "usagePercent"} and "usage" in m["cpu"]
    ctl.crash("nas", "nginx")
    s = nas("GET", "/api/metrics/summary").data
    assert s["container_counts"] == {"total": 6, "running": 4, "stopped": 2}
    assert len(s["requests_by_hour"]) == 24 and s["requests_last_24h"] >= 3
    assert set(s) == {"requests_last_24h", "requests_by_hour", "container_counts",
                      "uptime_seconds", "pulls_last_24h"}



def test_first_boot_setup(sim, ctl):
    ctl.reset("media")
    url = sim.hosts["media"]
    r = call(url, "POST", "/api/auth/setup", body={"scopes": ["*"], "setup_token": "wrong"})
    assert (r.status, r.code) == (403, "INVALID_SETUP_TOKEN")
    token = ctl.setup_token("media")
    made = call(url, "POST", "/api/auth/setup", body={"scopes": ["*"], "label": "me",
                                                     "setup_token": token}).data
    assert KEY_RE.match(made["key"]) and made["meta"]["role"] == "admin"
    assert call(url, "GET", "/api/containers", key=made["key"]).status == 200
    r = call(url, "POST", "/api/auth/setup", body={"scopes": ["*"], "setup_token": token})
    assert (r.status, r.code) == (409, "ALREADY_SETUP")
