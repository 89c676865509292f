"""Self-test of the WAGMIOS simulator: containers, images, templates.

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


# ---------------------------------------------------------------------------- containers

def test_container_list_shape(nas):
    cs = {c["name"]: c for c in nas("GET", "/api/containers").data}
    assert {"wagmios-backend", "wagmios-frontend", "nginx", "postgres", "redis", "jellyfin"} <= set(cs)
    for c in cs.values():
        assert set(c) == {"id", "name", "image", "status", "ports"}
        assert re.fullmatch(r"[0-9a-f]{64}", c["id"])
        for p in c["ports"]:
            assert set(p) == {"host", "container", "protocol"}
            assert all(isinstance(v, str) for v in p.values())
    assert cs["nginx"]["image"] == "nginx:alpine" and cs["nginx"]["status"] == "running"
    assert cs["nginx"]["ports"] == [{"host": "8080", "container": "80", "protocol": "tcp"}] * 2
    assert cs["redis"]["status"] == "exited" and cs["redis"]["ports"] == []
    assert cs["jellyfin"]["ports"][0]["host"] == "8096"


def test_config_lookup_name_id_prefix(nas, ctl):
    nginx = by_name(nas, "nginx")[0]
    assert nas("GET", "/api/containers/nginx/config").data == nginx
    assert nas("GET", f"/api/containers/{nginx['id']}/config").data == nginx
    assert nas("GET", f"/api/containers/{nginx['id'][:10]}/config").data == nginx
    r = nas("GET", "/api/containers/ghost/config")
    assert (r.status, r.code) == (404, "NOT_FOUND")
    ctl.add_container("nas", "twin-a", id="abcd" + "0" * 60)
    ctl.add_container("nas", "twin-b", id="abcd" + "1" * 60)
    r = nas("GET", "/api/containers/abcd/config")            # ambiguous: any failure is 404
    assert (r.status, r.code) == (404, "NOT_FOUND")
    assert nas("GET", "/api/containers/abcd0/config").data["name"] == "twin-a"


def test_logs_tail(nas):
    logs = nas("GET", "/api/containers/nginx/logs").data["logs"]
    assert logs.count("\n") == 100
    assert nas("GET", "/api/containers/nginx/logs?tail=5").data["logs"].count("\n") == 5
    assert nas("GET", "/api/containers/nginx/logs?tail=0").data["logs"] == ""
    assert nas("GET", "/api/containers/nginx/logs?tail=1000").status == 200
    for bad in ("abc", "-1", "1.5", "all"):
        r = nas("GET", f"/api/containers/nginx/logs?tail={bad}")
        assert (r.status, r.code) == (400, "INVALID_TAIL"), bad
    r = nas("GET", "/api/containers/ghost/logs")
    assert (r.status, r.code) == (500, "DOCKER_ERROR")


def test_start_stop_restart_state_machine(nas):
    assert nas("POST", "/api/containers/nginx/stop").data == {"status": "stopped"}
    c = by_name(nas, "nginx")[0]
    assert c["status"] == "exited" and c["ports"] == []
    assert nas("POST", "/api/containers/nginx/stop").data == {"status": "stopped"}
    assert nas("POST", "/api/containers/nginx/start").data == {"status": "started"}
    assert by_name(nas, "nginx")[0]["status"] == "running"
    assert nas("POST", "/api/containers/redis/restart").data == {"status": "restarted"}
    assert by_name(nas, "redis")[0]["status"] == "running"
    r = nas("POST", "/api/containers/ghost/start")
    assert (r.status, r.code) == (500, "DOCKER_ERROR")
    assert r.json["error"]["message"] == "exit status 1"


def test_delete_protected_and_methods(nas):
    backend = by_name(nas, "wagmios-backend")[0]
    for ref in ("wagmios-backend", "wagmios-frontend", backend["id"], backend["id"][:12]):
        for method in ("POST", "DELETE"):
            r = nas(method, f"/api/containers/{ref}/delete")
            assert (r.status, r.code) == (403, "PROTECTED"), (method, ref)
    writer = nas.key(["containers:write", "containers:read"])
    assert nas("POST", "/api/containers/redis/delete", key=writer).code == "SCOPE_REQUIRED"
    assert nas("POST", "/api/containers/redis/delete").data == {"status": "deleted"}
    assert nas("DELETE", "/api/containers/nginx/delete").data == {"status": "deleted"}  # running
    assert not by_name(nas, "nginx") and not by_name(nas, "redis")
    r = nas("DELETE", "/api/containers/nginx/delete")
    assert (r.status, r.code) == (500, "DOCKER_ERROR")


def test_create_validation(nas):
    good = {"name": "web", "image": "nginx:alpine", "ports": [{"host": "8081", "container": "80"}],
            "volumes": [{"host": "named-vol", "container": "/data"}],
            "env": [{"key": "TZ", "value": "UTC"}]}

    def create(**over):
        body = dict(good)
        body.update(over)
        return nas("POST", "/api/containers", body=body)

    cases = [
        ({"name": "-bad"}, 400, "INVALID_NAME"), ({"name": ""}, 400, "INVALID_NAME"),
        ({"name": "a" * 129}, 400, "INVALID_NAME"),
        ({"image": "bad image"}, 400, "INVALID_IMAGE"), ({"image": ""}, 400, "INVALID_IMAGE"),
        ({"ports": [{"host": "0", "container": "80"}]}, 400, "INVALID_PORT"),
        ({"ports": [{"host": "70000", "container": "80"}]}, 400, "INVALID_PORT"),
        ({"ports": [{"host": "80", "container": "80/sctp"}]}, 400, "INVALID_PORT"),
        ({"env": [{"key": "1BAD", "value": "x"}]}, 400, "INVALID_ENV"),
        ({"env": [{"key": "OK", "value": "a\nb"}]}, 400, "INVALID_ENV"),
        ({"volumes": [{"host": "/etc", "container": "/x"}]}, 403, "BLOCKED_VOLUME"),
        ({"volumes": [{"host": "/app/data/containers/../../etc", "container": "/x"}]}, 403, "BLOCKED_VOLUME"),
        ({"volumes": [{"host": "vol", "container": "relative"}]}, 400, "INVALID_VOLUME_TARGET"),
        ({"volumes": [{"host": "vol", "container": "/a/../b"}]}, 400, "INVALID_VOLUME_TARGET"),
        ({"env": {"TZ": "UTC"}}, 400, "INVALID_REQUEST"),          # the docs' form
        ({"ports": [{"host": 8081, "container": 80}]}, 400, "INVALID_REQUEST"),
    ]
    for over, status, code in cases:
        r = create(**over)
        assert (r.status, r.code) == (status, code), over
    assert not by_name(nas, "web")
    r = create(ports=[{"host": "8081", "container": "80/udp"}],
               volumes=[{"host": "/app/data/containers/web/html", "container": "/usr/share/nginx/html"}])
    new_id = r.data["id"]
    assert re.fullmatch(r"[0-9a-f]{64}", new_id)
    c = by_name(nas, "web")[0]
    assert c["id"] == new_id and c["status"] == "running"
    assert c["ports"] == [{"host": "8081", "container": "80", "protocol": "udp"}]
    r = create()
    assert (r.status, r.code, r.json["error"]["message"]) == (500, "DOCKER_ERROR", "exit status 125")
    r = create(name="ghostimg", image="doesnotexist/thing:1")
    assert (r.status, r.code, r.json["error"]["message"]) == (500, "DOCKER_ERROR", "exit status 125")


def test_port_conflicts_when_enabled(nas, ctl):
    ctl.set_config("nas", port_conflicts=True)
    r = nas("POST", "/api/containers", body={"name": "clash", "image": "nginx:alpine",
                                             "ports": [{"host": "8080", "container": "80"}]})
    assert (r.status, r.code, r.json["error"]["message"]) == (500, "DOCKER_ERROR", "exit status 125")
    assert by_name(nas, "clash")[0]["status"] == "created"
    (ev,) = events(nas, type="container_action", action="create", target="clash")
    assert ev["status"] == "error" and ev["details"]["container_id"] == ""
    assert "Bind for 0.0.0.0:8080 failed: port is already allocated" in ev["details"]["details"]


# ---------------------------------------------------------------------------- images

def test_images(nas, ctl):
    ctl.set_config("nas", pull_latency_ms=50)
    imgs = nas("GET", "/api/images").data
    assert imgs and all(isinstance(v, str) for i in imgs for v in i.values())
    for i in imgs:
        assert {"ID", "Repository", "Tag", "Digest", "CreatedAt", "CreatedSince", "Size"} <= set(i)
        assert re.fullmatch(r"[0-9a-f]{12}", i["ID"])
    assert nas("POST", "/api/images/pull", body={"image": "busybox:1.36"}).data == \
        {"status": "pulled", "image": "busybox:1.36"}
    assert nas("POST", "/api/containers/pull", body={"image": "traefik:v3.1"}).data["status"] == "pulled"
    repos = {(i["Repository"], i["Tag"]) for i in nas("GET", "/api/images").data}
    assert {("busybox", "1.36"), ("traefik", "v3.1")} <= repos
    r = nas("POST", "/api/images/pull", body={"image": "doesnotexist/nothing:latest"})
    assert (r.status, r.code) == (500, "DOCKER_ERROR")
    reader = nas.key(["images:read"])
    assert nas("POST", "/api/images/pull", key=reader, body={"image": "x"}).code == "SCOPE_REQUIRED"

    ids = {(i["Repository"], i["Tag"]): i["ID"] for i in nas("GET", "/api/images").data}
    r = nas("DELETE", f"/api/images/{ids[('nginx', 'alpine')]}")
    assert (r.status, r.code) == (500, "DOCKER_ERROR")
    assert r.json["error"]["message"] == "exit status 1"
    assert "image is being used by running container" in events(nas, type="image_delete")[-1]["details"]
    r = nas("DELETE", f"/api/images/{ids[('redis', '7-alpine')]}")
    assert r.json["error"]["message"] == "exit status 1"
    assert "stopped container" in events(nas, type="image_delete")[-1]["details"]
    assert nas("DELETE", "/api/images/0123456789ab").code == "DOCKER_ERROR"
    assert nas("DELETE", f"/api/images/{ids[('hello-world', 'latest')]}").data == {"status": "deleted"}
    r = nas("DELETE", "/api/images/" + urllib.parse.quote("jellyfin/jellyfin:latest", safe=""))
    assert r.status == 404 and r.raw == b"404 page not found\n"


def test_slow_pull_loses_response_but_completes(nas, ctl):
    ctl.set_config("nas", pull_latency_ms=400, write_timeout_ms=100)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        nas("POST", "/api/images/pull", body={"image": "grafana/grafana:11"})
    ev = events(nas, type="image_pull", target="grafana/grafana:11")
    assert [e["status"] for e in ev] == ["pending", "success"]
    assert any(i["Repository"] == "grafana/grafana" for i in nas("GET", "/api/images").data)


# ---------------------------------------------------------------------------- templates

def test_templates(nas):
    names = [t["name"] for t in nas("GET", "/api/containers/templates").data]
    assert "static-site" in names
    tpl = {"name": "my-app", "image": "alpine:3.20", "anything": {"nested": [1, 2]}}
    assert nas("POST", "/api/containers/templates", body=tpl).data == {"status": "saved"}
    assert nas("GET", "/api/containers/templates/my-app").json == tpl
    tpl["image"] = "alpine:3.21"
    nas("POST", "/api/containers/templates", body=tpl)
    assert nas("GET", "/api/containers/templates/my-app").json["image"] == "alpine:3.21"
    for bad in ({"name": "../etc"}, {"name": ".hidden"}, {"name": "a\\b"}):
        r = nas("POST", "/api/containers/templates", body=bad)
        assert (r.status, r.code) == (400, "INVALID_TEMPLATE_NAME"), bad
    r = nas("GET", "/api/containers/templates/nope")
    assert (r.status, r.code) == (404, "NOT_FOUND")
