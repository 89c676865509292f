"""Self-test of the WAGMIOS simulator: marketplace.

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
           ({"app_id": "nginx", "custom_name": "!!!"}, "INVALID_CUSTOM_NAME"),
           ({"app_id": "nginx", "environment": {"tz": "UTC"}}, "INVALID_REQUEST"),
           ({"app_id": "nginx", "environment": {"TZ": "a\nb"}}, "INVALID_REQUEST"),
           ({"app_id": "nginx", "volumes": {"html": "/srv"}}, "VOLUME_OVERRIDES_UNSUPPORTED"),
           ({"app_id": "nginx", "ports": {"70000": 80}}, "COMPOSE_BUILD_FAILED"),
           ({"app_id": "nginx", "ports": {"abc": 80}}, "COMPOSE_BUILD_FAILED"),
           ({"app_id": "nginx", "ports": {"8097": 0}}, "COMPOSE_BUILD_FAILED"),
           ({"app_id": "nginx", "ports": {"8097": "80"}}, "INVALID_REQUEST"),
           ({"app_id": "supabase"}, "COMPOSE_BUILD_FAILED")]
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
                 ({"container_name": "my_app"}, 400, "INVALID_CONTAINER_NAME"),   # before compose_path
                 ({"container_name": "web", "compose_path": "/app/data/containers/nginx/x.txt"}, 400, "INVALID_COMPOSE_FILE"),
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
    assert sorted((p["host"], p["container"]) for p in c["ports"]) == \
        [("80", "80"), ("80", "80"), ("8097", "8096"), ("8097", "8096")]   # 0.0.0.0 and ::
    # default service name = app id
    d2 = nas("POST", "/api/marketplace/create", body={"app_id": "uptime-kuma"}).data
    nas("POST", "/api/marketplace/start", body={"container_name": "kuma", "compose_path": d2["compose_path"]})
    assert by_name(nas, "kuma-uptime-kuma-1")[0]["ports"][0]["host"] == "3001"
    ctl.set_config("nas", marketplace_available=False)
    r = nas("GET", "/api/marketplace")
    assert (r.status, r.code) == (500, "MANIFEST_FETCH_FAILED")
