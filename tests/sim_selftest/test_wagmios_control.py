"""Self-test of the WAGMIOS simulator: the control API (faults, request log, down/up, seed).

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


# ---------------------------------------------------------------------------- control: faults etc.

def test_fault_status_garbage_latency_count(nas, ctl):
    ctl.set_faults("nas", status=502, count=2)
    for _ in range(2):
        r = nas("GET", "/api/containers")
        assert r.status == 502 and b"502 Bad Gateway" in r.raw
        assert r.headers["Content-Type"].startswith("text/html")
    assert nas("GET", "/api/containers").status == 200            # count exhausted
    ctl.set_faults("nas", garbage=True, path_prefix="/api/images")
    r = nas("GET", "/api/images")
    assert r.status == 200
    with pytest.raises(ValueError):
        json.loads(r.raw)
    assert nas("GET", "/api/containers").status == 200            # other paths unaffected
    ctl.clear_faults("nas")
    ctl.set_faults("nas", latency_ms=300, count=1)
    t0 = time.monotonic()
    assert nas("GET", "/api/containers").status == 200
    assert time.monotonic() - t0 >= 0.29
    t0 = time.monotonic()
    nas("GET", "/api/containers")
    assert time.monotonic() - t0 < 0.25


def test_fault_drop(nas, ctl):
    ctl.set_faults("nas", drop=True, count=1)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        nas("GET", "/api/containers")
    assert nas("GET", "/api/containers").status == 200


def test_fault_reset_mid_response(nas, ctl):
    """The action is carried out; the client gets the status line, the headers and half the
    body it announces, then a TCP reset."""
    ctl.clear_requests("nas")
    ctl.set_faults("nas", reset=True, path_prefix="/api/containers/nginx/restart", count=1)
    u = urllib.parse.urlsplit(nas.url)
    raw = b""
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(b"POST /api/containers/nginx/restart HTTP/1.1\r\nHost: x\r\nX-API-Key: "
                  + nas.admin.encode() + b"\r\nContent-Length: 2\r\n\r\n{}")
        with pytest.raises(ConnectionResetError):
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break            # an orderly close (FIN) is not what this fault does
                raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), raw
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    full = b'{"success":true,"data":{"status":"restarted"},"error":null}\n'
    assert length == len(full) and 0 < len(body) < length and full.startswith(body), (length, body)
    # Carried out once, logged with its status, and the fault is used up.
    assert len(events(nas, type="container_action", action="restart", target="nginx")) == 1
    (entry,) = ctl.requests("nas")
    assert entry["status"] == 200 and entry["reset"] is True
    assert nas("POST", "/api/containers/nginx/restart", body={}).data == {"status": "restarted"}


def test_requests_log(nas, ctl):
    ctl.clear_requests("nas")
    nas("POST", "/api/containers/nginx/stop", body={"why": "test"})
    nas("GET", "/api/containers/nginx/logs?tail=3", key=None)
    nas("GET", "/api/nope")
    log = ctl.requests("nas")
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("POST", "/api/containers/nginx/stop", 200),
        ("GET", "/api/containers/nginx/logs", 401),
        ("GET", "/api/nope", 404)]
    assert log[0]["body"] == {"why": "test"} and log[0]["key_suffix"] == nas.admin[-8:]
    assert log[1]["key_suffix"] is None and log[1]["query"] == {"tail": "3"} and log[1]["body"] is None
    ctl.clear_requests("nas")
    assert ctl.requests("nas") == []


def test_down_and_up_same_port(nas, ctl):
    port = urllib.parse.urlsplit(nas.url).port
    ctl.down("nas")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert ctl.hosts()["nas"]["up"] is False
    ctl.up("nas")
    assert nas("GET", "/api/containers").status == 200
    assert urllib.parse.urlsplit(ctl.hosts()["nas"]["url"]).port == port


def test_control_container_changes_and_state(nas, ctl):
    c = ctl.add_container("nas", "ext", image="busybox:1.36", status="running",
                          ports=[{"host": "9000", "container": "9000", "protocol": "tcp"}])
    assert c["name"] == "ext" and c["ports"][0]["host"] == "9000"
    ctl.set_container_state("nas", "ext", "restarting")
    assert by_name(nas, "ext")[0]["status"] == "restarting"
    st = ctl.state("nas")
    assert set(st) == {"containers", "images", "templates", "installed"}
    assert "ext" in [x["name"] for x in st["containers"]]
    ctl.remove_container("nas", "ext")
    assert not by_name(nas, "ext")
    ctl.reset("nas")
    assert call(nas.url, "GET", "/api/containers", key=nas.admin).code == "SETUP_REQUIRED"


def test_seed_and_sigterm(tmp_path):
    key = "wag_live_" + "S" * 43 + "="
    seed = {"hosts": {"lab": {
        "keys": [{"key": key, "label": "alice", "scopes": ["containers:read"], "role": "admin"}],
        "containers": [{"name": "only", "image": "alpine:3.20", "status": "exited"}],
        "images": [{"Repository": "alpine", "Tag": "3.20", "ID": "0123456789ab", "Size": "7MB"}]}}}
    proc, info = start_simulator(hosts=["lab"], seed=seed)
    try:
        cs = call(info["hosts"]["lab"], "GET", "/api/containers", key=key).data
        assert [(c["name"], c["status"]) for c in cs] == [("only", "exited")]
        assert call(info["hosts"]["lab"], "GET", "/api/images", key=key).code == "SCOPE_REQUIRED"
        ctl = SimControl(info["control"])
        ctl.reset("lab", seed_keys=True)
        assert call(info["hosts"]["lab"], "GET", "/api/containers", key=key).status == 200
    finally:
        assert stop_simulator(proc) == 0
