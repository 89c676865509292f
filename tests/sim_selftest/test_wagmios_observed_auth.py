"""Self-test: "Observed on a real WAGMIOS server" — ordering and auth, keys and times.

Run: .venv/bin/python -m pytest tests/sim_selftest -q
"""

from __future__ import annotations

import re

import pytest

from simtest import call, events

pytestmark = pytest.mark.timeout(60)

NANO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
SECONDS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_auth_runs_before_routing(nas):
    unknown = [("GET", "/api/nope"), ("GET", "/health/"), ("PUT", "/api/containers"),
               ("GET", "/api/containers/nginx/start"), ("DELETE", "/api/containers/nginx")]
    for method, path in unknown:
        r = nas(method, path, key=None)
        assert (r.status, r.code) == (401, "API_KEY_REQUIRED"), (method, path)
        r = nas(method, path, key="wag_live_" + "x" * 44)
        assert (r.status, r.code) == (401, "INVALID_KEY"), (method, path)
        r = nas(method, path)
        assert (r.status, r.raw) == (404, b"404 page not found\n"), (method, path)
        assert r.headers["Content-Type"].startswith("text/plain")
    assert nas("GET", "/health", key=None).json == {"status": "ok"}


def test_unknown_path_before_setup(sim, ctl):
    ctl.reset("media")
    r = call(sim.hosts["media"], "GET", "/api/nope")
    assert (r.status, r.code) == (401, "SETUP_REQUIRED")
    assert r.json["error"]["message"] == "Run first-boot setup before using this endpoint"


def test_unknown_paths_count_limit_summary_and_feed(nas, ctl):
    ctl.set_config("nas", rate_limit=4)
    before = nas("GET", "/api/metrics/summary").data["requests_last_24h"]
    assert [nas("GET", "/api/nope").status for _ in range(3)] == [404, 404, 404]
    r = nas("GET", "/api/settings")                     # the 5th request of this key
    assert (r.status, r.code) == (429, "RATE_LIMITED")
    ctl.set_config("nas", rate_limit=1000)
    nas("GET", "/api/nope", key=None)
    after = nas("GET", "/api/metrics/summary").data["requests_last_24h"]
    assert after - before == 1 + 3 + 1 + 1              # summary, 3 unknown, 429, no key
    calls = [(e["agent"], e["details"]["status_code"], e["status"])
             for e in events(nas, type="api_call", target="/api/nope")]
    assert calls == [(nas.admin[-8:], 404, "client_error")] * 3 + [("unauthenticated", 401, "client_error")]


def test_body_before_scope(nas):
    reader = nas.key(["containers:read"])
    r = nas("POST", "/api/images/pull", key=reader, body={"image": ""})
    assert (r.status, r.code, r.json["error"]["message"]) == (400, "INVALID_REQUEST", "Image name required")
    r = nas("POST", "/api/images/pull", key=reader, raw_body=b"{not json")
    assert (r.status, r.code) == (400, "INVALID_REQUEST")
    r = nas("POST", "/api/containers", key=reader, raw_body=b"[1,2")
    assert (r.status, r.code) == (400, "INVALID_REQUEST")
    r = nas("POST", "/api/containers", key=reader, body={"name": 5})
    assert (r.status, r.code) == (400, "INVALID_REQUEST")
    r = nas("POST", "/api/containers/templates", key=reader, body=["not", "an", "object"])
    assert (r.status, r.code) == (400, "INVALID_REQUEST")
    # a good body meets the scope check
    for path, body in (("/api/images/pull", {"image": "alpine:3.20"}),
                       ("/api/containers", {"name": "x", "image": "alpine:3.20"}),
                       ("/api/containers/templates", {"name": "t"})):
        r = nas("POST", path, key=reader, body=body)
        assert (r.status, r.code) == (403, "SCOPE_REQUIRED"), path
    assert nas("POST", "/api/images/pull", body={"image": ""}).code == "INVALID_REQUEST"


def test_setup_token_is_used_up_by_a_failed_setup(sim, ctl):
    ctl.reset("media")
    url = sim.hosts["media"]
    assert call(url, "GET", "/api/auth/status").data["setup_token_available"] is True
    token = ctl.setup_token("media")
    r = call(url, "POST", "/api/auth/setup", body={"scopes": [], "setup_token": token})
    assert (r.status, r.code) == (400, "SCOPES_REQUIRED")
    assert call(url, "GET", "/api/auth/status").data["setup_token_available"] is False
    r = call(url, "POST", "/api/auth/setup", body={"scopes": ["*"], "setup_token": token})
    assert (r.status, r.code) == (403, "INVALID_SETUP_TOKEN")
    fresh = ctl.new_setup_token("media")
    assert fresh != token and call(url, "GET", "/api/auth/status").data["setup_token_available"] is True
    made = call(url, "POST", "/api/auth/setup", body={"scopes": ["*"], "setup_token": fresh}).data
    assert set(made["meta"]) == {"id", "key_prefix", "scopes", "created_at", "last_used_at",
                                 "label", "role"}                       # no key_hash
    assert made["meta"]["key_prefix"] == made["key"][-8:] + "..."
    assert SECONDS_RE.match(made["meta"]["created_at"]) and SECONDS_RE.match(made["meta"]["last_used_at"])
    status = call(url, "GET", "/api/auth/status").data
    assert "setup_token_available" not in status and status["key_count"] == 1


def test_429_shape_and_health_never_limited(nas, ctl):
    ctl.set_config("nas", rate_limit=2)
    for _ in range(2):
        nas("GET", "/api/settings")
    r = nas("GET", "/api/settings")
    assert r.status == 429 and r.json["error"] == {"code": "RATE_LIMITED", "message": "Too many requests"}
    assert "Retry-After" not in r.headers
    assert all(nas("GET", "/health", key=k).status == 200 for k in (None, "admin") for _ in range(5))


def test_key_times_and_prefixes(nas):
    made = nas("POST", "/api/keys", body={"label": "new", "scopes": ["containers:read"]}).data
    meta = made["meta"]
    assert "key_hash" not in meta and meta["key_prefix"] == made["key"][-8:] + "..."
    assert SECONDS_RE.match(meta["created_at"]) and SECONDS_RE.match(meta["last_used_at"])
    s = nas("GET", "/api/settings", key=made["key"]).data
    assert SECONDS_RE.match(s["created_at"]) and SECONDS_RE.match(s["last_used_at"])
    listed = nas("GET", "/api/keys").data
    stamps = [k[f] for k in listed for f in ("created_at", "last_used_at")]
    assert all(NANO_RE.match(t) for t in stamps) and any("." in t for t in stamps)
    assert not any(re.search(r"\.\d*0Z$", t) for t in stamps)       # trailing zeros trimmed
    nas("DELETE", "/api/keys/" + meta["id"])
    assert not events(nas, type="key_action")
    evs = nas("GET", "/api/activity").data["events"]
    assert evs and all(NANO_RE.match(e["timestamp"]) for e in evs)


def test_envelope_key_order_varies(nas):
    assert nas("GET", "/api/containers").raw.startswith(b'{"success":true,"data":')
    assert nas("GET", "/api/marketplace").raw.startswith(b'{"data":{')
    assert nas("GET", "/api/marketplace/nope").raw.startswith(b'{"data":null,"error":{')
    assert nas("GET", "/api/auth/status", key=None).raw.startswith(b'{"data":{')
    assert nas("GET", "/api/containers/ghost/config").raw.startswith(b'{"success":false,')


def test_system_metrics_forms(nas):
    a = nas("GET", "/api/system/metrics").data
    nas("POST", "/api/containers/redis/start")
    b = nas("GET", "/api/system/metrics").data
    assert isinstance(a["uptime"], float) and a["uptime"] != int(a["uptime"])
    assert SECONDS_RE.match(a["currentTime"])
    assert abs(a["cpu"]["usage"] - b["cpu"]["usage"]) < 0.01       # an average since boot
