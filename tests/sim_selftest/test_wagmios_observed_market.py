"""Self-test: "Observed on a real WAGMIOS server" — templates and marketplace.

Run: .venv/bin/python -m pytest tests/sim_selftest -q
"""

from __future__ import annotations

import json

import pytest

from simtest import by_name, events

pytestmark = pytest.mark.timeout(60)


def test_template_names_and_pretty_get(nas):
    assert nas("POST", "/api/containers/templates", body={"image": "alpine:3.20"}).data == {"status": "saved"}
    got = nas("GET", "/api/containers/templates/untitled")
    assert got.status == 200 and got.json == {"image": "alpine:3.20", "name": "untitled"}
    for name in ("-x", "x.json"):
        assert nas("POST", "/api/containers/templates", body={"name": name, "b": 1}).status == 200, name
    assert nas("GET", "/api/containers/templates/-x").json["name"] == "-x"
    assert nas("GET", "/api/containers/templates/-x.json").json["name"] == "-x"
    assert nas("GET", "/api/containers/templates/x").json["name"] == "x.json"
    nas("POST", "/api/containers/templates", body={"zeta": [1, {"b": 2, "a": 1}], "name": "p", "alpha": {}})
    raw = nas("GET", "/api/containers/templates/p").raw.decode()
    assert raw == json.dumps({"alpha": {}, "name": "p", "zeta": [1, {"a": 1, "b": 2}]}, indent=2)


def test_catalogue_shape(nas):
    cat = nas("GET", "/api/marketplace").data
    assert (cat["version"], cat["updated"]) == ("", "")
    cats = {a["id"]: a["category"] for a in cat["apps"]}
    assert cats["jellyfin"] == "Media Servers" and cats["ollama"] == "AI & ML"
    assert nas("GET", "/api/marketplace/jellyfin").data["template"]["category"] == "media-servers"
    nulls = [a for a in cats if a != "windows"
             and nas("GET", f"/api/marketplace/{a}").data["template"]["environment"] is None]
    assert len(nulls) >= 8
    t = nas("GET", "/api/marketplace/rsshub").data["template"]
    assert t["environment"] is None and t["volumes"] is None


def test_unshowable_uncreatable_and_bad_ids(nas):
    r = nas("GET", "/api/marketplace/windows")
    assert (r.status, r.code) == (500, "TEMPLATE_FETCH_FAILED")
    assert r.json["error"]["message"].count("\n") >= 2 and "yaml:" in r.json["error"]["message"]
    assert nas("POST", "/api/marketplace/create", body={"app_id": "windows"}).code == "TEMPLATE_FETCH_FAILED"
    assert nas("GET", "/api/marketplace/supabase").status == 200
    r = nas("POST", "/api/marketplace/create", body={"app_id": "supabase"})
    assert (r.status, r.code) == (400, "COMPOSE_BUILD_FAILED")
    for bad in ("Bad_Id", "-x", "UPPER"):
        r = nas("GET", f"/api/marketplace/{bad}")
        assert (r.status, r.code) == (404, "APP_NOT_FOUND"), bad


def test_create_slug_env_port_required(nas):
    d = nas("POST", "/api/marketplace/create", body={"app_id": "nginx", "custom_name": "My App"}).data
    assert d["install_dir"].endswith("/nginx/my-app") and "  my-app:" in d["compose"]
    r = nas("POST", "/api/marketplace/create", body={"app_id": "nginx", "environment": {"bad-key": "x"}})
    assert (r.status, r.code) == (400, "INVALID_REQUEST")
    r = nas("POST", "/api/marketplace/create", body={"app_id": "nginx", "ports": {"99999": 80}})
    assert (r.status, r.code) == (400, "COMPOSE_BUILD_FAILED")
    plex = nas("GET", "/api/marketplace/plex").data["template"]["environment"]
    assert any(e["required"] and "default" not in e for e in plex)
    assert nas("POST", "/api/marketplace/create", body={"app_id": "plex"}).data["status"] == "created"


def test_start_rules_and_relative_path(nas):
    d = nas("POST", "/api/marketplace/create", body={"app_id": "uptime-kuma", "custom_name": "k"}).data
    r = nas("POST", "/api/marketplace/start", body={"container_name": "Bad"})
    assert r.code == "INVALID_CONTAINER_NAME"                        # before compose_path
    rel = d["compose_path"].removeprefix("/app/data/containers/")
    s = nas("POST", "/api/marketplace/start", body={"container_name": "kuma", "compose_path": rel}).data
    assert s["status"] == "started"
    c = by_name(nas, "kuma-k-1")[0]
    assert c["ports"] == [{"host": "3001", "container": "3001", "protocol": "tcp"}] * 2
    ev = events(nas, type="container_action", action="start", target="kuma")[-1]
    assert (ev["agent"], ev["status"], ev["details"]["container_id"]) == ("system", "success", "")


def test_failed_up_leaves_container_created(nas, ctl):
    ctl.take_host_port("nas", 8096)
    d = nas("POST", "/api/marketplace/create", body={"app_id": "jellyfin", "custom_name": "jf"}).data
    r = nas("POST", "/api/marketplace/start", body={"container_name": "media", "compose_path": d["compose_path"]})
    assert (r.status, r.code) == (500, "COMPOSE_UP_FAILED")
    msg = r.json["error"]["message"]
    assert " Container media-jf-1  Created" in msg and "address already in use" in msg
    assert by_name(nas, "media-jf-1")[0]["status"] == "created"
    ev = events(nas, type="container_action", action="start", target="media")[-1]
    assert (ev["agent"], ev["status"]) == ("system", "error")
    ctl.free_host_port("nas", 8096)
    nas("POST", "/api/marketplace/start", body={"container_name": "media", "compose_path": d["compose_path"]})
    assert by_name(nas, "media-jf-1")[0]["status"] == "running"
