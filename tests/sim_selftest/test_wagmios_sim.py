"""Self-test of the WAGMIOS simulator against shared/reference/wagmios-api.md.

Run: .venv/bin/python -m pytest tests/sim_selftest -q
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.parse

import aiohttp
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sim"))

from control import SimControl, Simulator, start_simulator, stop_simulator  # noqa: E402

pytestmark = pytest.mark.timeout(60)

KEY_RE = re.compile(r"^wag_live_[A-Za-z0-9_-]{43}=$")


# ---------------------------------------------------------------------------- plumbing

class Resp:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw

    @property
    def json(self):
        return json.loads(self.raw)

    @property
    def code(self):
        return self.json["error"]["code"]

    @property
    def data(self):
        body = self.json
        assert body["success"] is True, body
        return body["data"]


def call(base, method, path, key=None, body=None, raw_body=None, headers=None, timeout=10):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = dict(headers or {})
    if key is not None:
        h["X-API-Key"] = key
    data = raw_body
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return Resp(r.status, dict(r.getheaders()), r.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def sim():
    with Simulator(hosts=["nas", "media"]) as s:
        yield s


@pytest.fixture
def ctl(sim) -> SimControl:
    return sim.control


class Host:
    def __init__(self, name, url, ctl):
        self.name, self.url, self.ctl = name, url, ctl
        self.admin = ctl.add_key(name, label="admin", scopes=["*"], role="admin")["key"]

    def __call__(self, method, path, key="admin", **kw):
        return call(self.url, method, path, key=self.admin if key == "admin" else key, **kw)

    def key(self, scopes, role="agent", label="agent"):
        return self.ctl.add_key(self.name, label=label, scopes=scopes, role=role)["key"]


@pytest.fixture
def nas(sim, ctl) -> Host:
    ctl.reset("nas")
    return Host("nas", sim.hosts["nas"], ctl)


def events(h: Host, **match):
    evs = h.ctl.activity(h.name)
    return [e for e in evs if all(e.get(k) == v for k, v in match.items())]


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
    assert st == {"wizard_required": True, "has_key": False, "setup_required": True, "key_count": 0}


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


# ---------------------------------------------------------------------------- containers

def by_name(h, name):
    return [c for c in h("GET", "/api/containers").data if c["name"] == name]


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
    r = nas("GET", "/api/containers/abcd/config")
    assert r.status == 500 and "multiple IDs" in r.json["error"]["message"]
    assert nas("GET", "/api/containers/abcd0/config").data["name"] == "twin-a"


def test_logs_tail(nas):
    logs = nas("GET", "/api/containers/nginx/logs").data["logs"]
    assert logs.count("\n") == 100
    assert nas("GET", "/api/containers/nginx/logs?tail=5").data["logs"].count("\n") == 5
    assert nas("GET", "/api/containers/nginx/logs?tail=0").data["logs"] == ""
    assert nas("GET", "/api/containers/nginx/logs?tail=1000").status == 200
    for bad in ("abc", "-1", "1001", "1.5", "all"):
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
    assert r.json["error"]["message"] == "Error response from daemon: No such container: ghost"


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
    assert (r.status, r.code) == (500, "DOCKER_ERROR") and "already in use" in r.json["error"]["message"]
    r = create(name="ghostimg", image="doesnotexist/thing:1")
    assert (r.status, r.code) == (500, "DOCKER_ERROR")


def test_port_conflicts_when_enabled(nas, ctl):
    ctl.set_config("nas", port_conflicts=True)
    r = nas("POST", "/api/containers", body={"name": "clash", "image": "nginx:alpine",
                                             "ports": [{"host": "8080", "container": "80"}]})
    assert (r.status, r.code) == (500, "DOCKER_ERROR") and "port is already allocated" in r.raw.decode()
    assert by_name(nas, "clash")[0]["status"] == "created"


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
    assert nas("POST", "/api/images/pull", body={"image": "bad ref"}).code == "INVALID_IMAGE"
    reader = nas.key(["images:read"])
    assert nas("POST", "/api/images/pull", key=reader, body={"image": "x"}).code == "SCOPE_REQUIRED"

    ids = {(i["Repository"], i["Tag"]): i["ID"] for i in nas("GET", "/api/images").data}
    r = nas("DELETE", f"/api/images/{ids[('nginx', 'alpine')]}")
    assert (r.status, r.code) == (500, "DOCKER_ERROR")
    assert "image is being used by running container" in r.json["error"]["message"]
    r = nas("DELETE", f"/api/images/{ids[('redis', '7-alpine')]}")
    assert "stopped container" in r.json["error"]["message"]
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
    for bad in ({"image": "x"}, {"name": "../etc"}, {"name": ""}, {"name": 5}):
        r = nas("POST", "/api/containers/templates", body=bad)
        assert (r.status, r.code) == (400, "INVALID_TEMPLATE_NAME"), bad
    r = nas("GET", "/api/containers/templates/nope")
    assert (r.status, r.code) == (404, "NOT_FOUND")


# ---------------------------------------------------------------------------- marketplace

def test_marketplace_catalogue_and_detail(nas):
    cat = nas("GET", "/api/marketplace").data
    assert set(cat) == {"version", "updated", "apps"}
    ids = {a["id"] for a in cat["apps"]}
    assert len(ids) >= 30
    assert {"jellyfin", "plex", "immich", "sonarr", "radarr", "uptime-kuma", "pihole", "homarr"} <= ids
    for a in cat["apps"]:
        assert set(a) == {"id", "name", "description", "category", "logo", "defaultPort",
                          "verified", "popularity"}
        assert isinstance(a["defaultPort"], int)
    d = nas("GET", "/api/marketplace/jellyfin").data
    assert set(d) == {"meta", "template", "raw_markdown"}
    t = d["template"]
    assert t["image"].startswith("jellyfin/") and t["ports"] == [8096]
    assert all(set(e) <= {"name", "description", "required", "default"} for e in t["environment"])
    assert "services:" in d["raw_markdown"]
    r = nas("GET", "/api/marketplace/not-an-app")
    assert (r.status, r.code) == (404, "APP_NOT_FOUND")


def test_marketplace_create_and_start(nas, ctl):
    ctl.set_config("nas", start_latency_ms=30)
    assert nas("GET", "/api/marketplace/installed").json == {"success": True, "data": None, "error": None}
    bad = [({}, "APP_ID_REQUIRED"), ({"app_id": "Bad_Id"}, "INVALID_APP_ID"),
           ({"app_id": "nginx", "custom_name": "Has Space"}, "INVALID_CUSTOM_NAME"),
           ({"app_id": "nginx", "environment": {"tz": "UTC"}}, "INVALID_ENV"),
           ({"app_id": "nginx", "volumes": {"html": "/srv"}}, "VOLUME_OVERRIDES_UNSUPPORTED"),
           ({"app_id": "plex"}, "COMPOSE_BUILD_FAILED")]
    for body, code in bad:
        r = nas("POST", "/api/marketplace/create", body=body)
        assert (r.status, r.code) == (400, code), body
    assert nas("POST", "/api/marketplace/create", body={"app_id": "nope"}).code == "APP_NOT_FOUND"
    before = len(nas("GET", "/api/containers").data)
    d = nas("POST", "/api/marketplace/create",
            body={"app_id": "nginx", "custom_name": "opt", "environment": {"TZ": "UTC"},
                  "ports": {"8097": 8096}}).data
    assert set(d) == {"app_id", "app_name", "install_dir", "compose_path", "compose", "status"}
    assert d["status"] == "created" and d["app_id"] == "nginx"
    assert d["compose_path"] == d["install_dir"] + "/docker-compose.yml"
    assert '"8097:8096"' in d["compose"] and "TZ=UTC" in d["compose"]
    assert len(nas("GET", "/api/containers").data) == before         # starts nothing
    inst = nas("GET", "/api/marketplace/installed").data
    assert inst[0]["app_id"] == "nginx" and inst[0]["versions"][0]["path"] == d["install_dir"]

    start_bad = [({"compose_path": d["compose_path"]}, 400, "CONTAINER_NAME_REQUIRED"),
                 ({"container_name": "web"}, 400, "COMPOSE_PATH_REQUIRED"),
                 ({"container_name": "Bad Name", "compose_path": d["compose_path"]}, 400, "INVALID_CONTAINER_NAME"),
                 ({"container_name": "web", "compose_path": "/etc/docker-compose.yml"}, 403, "PATH_FORBIDDEN"),
                 ({"container_name": "web", "compose_path": d["install_dir"] + "/../../x/docker-compose.yml"}, 403, "PATH_FORBIDDEN"),
                 ({"container_name": "web", "compose_path": "/app/data/containers/nginx/zzz/docker-compose.yml"}, 404, "COMPOSE_NOT_FOUND")]
    for body, status, code in start_bad:
        r = nas("POST", "/api/marketplace/start", body=body)
        assert (r.status, r.code) == (status, code), body
    s = nas("POST", "/api/marketplace/start",
            body={"container_name": "my-nginx", "compose_path": d["compose_path"]}).data
    assert s["container_name"] == "my-nginx" and s["status"] == "started"
    assert s["compose_path"] == d["compose_path"] and "my-nginx-opt-1" in s["output"]
    c = by_name(nas, "my-nginx-opt-1")[0]
    assert c["status"] == "running" and c["image"] == "nginx:alpine"
    assert {(p["host"], p["container"]) for p in c["ports"]} == {("80", "80"), ("8097", "8096")}
    # default service name = app id
    d2 = nas("POST", "/api/marketplace/create", body={"app_id": "uptime-kuma"}).data
    nas("POST", "/api/marketplace/start", body={"container_name": "kuma", "compose_path": d2["compose_path"]})
    assert by_name(nas, "kuma-uptime-kuma-1")[0]["ports"][0]["host"] == "3001"
    ctl.set_config("nas", marketplace_available=False)
    r = nas("GET", "/api/marketplace")
    assert (r.status, r.code) == (500, "MANIFEST_FETCH_FAILED")


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
        # no api_call event for the accepted upgrades themselves
        assert not events(nas, target="/api/ws/activity", status="success")

    r = nas("GET", "/api/ws/activity")                  # plain GET, not an upgrade
    assert r.status == 400

    asyncio.run(scenario())


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
