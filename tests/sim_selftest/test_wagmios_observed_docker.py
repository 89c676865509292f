"""Self-test: "Observed on a real WAGMIOS server" — docker failures carry no reason (the
feed has it), exits at once, daemon and registry down, containers, logs, images, feed.

Run: .venv/bin/python -m pytest tests/sim_selftest -q
"""

from __future__ import annotations

import time
import urllib.parse

import pytest

from simtest import by_name, events

pytestmark = pytest.mark.timeout(60)

DAEMON_DOWN = ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
               "Is the docker daemon running?\n")
NO_HOST = ('Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: '
           "lookup registry-1.docker.io: no such host\n")


def message(r):
    return (r.status, r.code, r.json["error"]["message"])


def test_missing_container_reason_only_in_feed(nas):
    for action in ("start", "stop", "restart", "delete"):
        r = nas("POST", f"/api/containers/nosuch/{action}")
        assert message(r) == (500, "DOCKER_ERROR", "exit status 1"), action
        ev = events(nas, type="container_action", action=action)[-1]
        assert ev["status"] == "error" and ev["target"] == "nosuch"
        assert ev["details"] == {"container_id": "nosuch",
                                 "details": "Error response from daemon: No such container: nosuch\n"}
    assert message(nas("GET", "/api/containers/nosuch/logs")) == (500, "DOCKER_ERROR", "exit status 1")
    assert message(nas("GET", "/api/containers/nosuch/config")) == (404, "NOT_FOUND", "Container not found")


def test_container_action_details(nas):
    nginx = by_name(nas, "nginx")[0]
    nas("POST", f"/api/containers/{nginx['id'][:12]}/restart")
    ev = events(nas, type="container_action", action="restart")[-1]
    assert ev["details"] == {"container_id": nginx["id"][:12], "details": ""}
    made = nas("POST", "/api/containers", body={"name": "web", "image": "nginx:alpine"}).data
    ev = events(nas, type="container_action", action="create")[-1]
    assert ev["target"] == "web" and ev["details"] == {"container_id": made["id"], "details": ""}
    r = nas("POST", "/api/containers", body={"name": "web", "image": "nginx:alpine"})
    assert message(r) == (500, "DOCKER_ERROR", "exit status 125")
    ev = events(nas, type="container_action", action="create")[-1]
    assert ev["status"] == "error" and ev["details"]["details"].startswith(
        'docker: Error response from daemon: Conflict. The container name "/web" is already in use')
    assert ev["details"]["details"].endswith("See 'docker run --help'.\n")
    # create has no api_call event of its own; other writes do
    assert not events(nas, type="api_call", target="/api/containers")
    assert events(nas, type="api_call", target=f"/api/containers/{nginx['id'][:12]}/restart")


def test_pull_failures_and_case_insensitive_field(nas, ctl):
    assert nas("POST", "/api/images/pull", body={"IMAGE": "busybox:1.36"}).data == \
        {"status": "pulled", "image": "busybox:1.36"}
    assert nas("POST", "/api/images/pull", body={"Image": "alpine:3.21"}).data["status"] == "pulled"
    cases = [("bad ref", "invalid reference format\n"),
             ("Alpine", "invalid reference format: repository name (library/Alpine) must be lowercase\n"),
             ("doesnotexist/x:1", "Error response from daemon: pull access denied for doesnotexist/x, "
              "repository does not exist or may require 'docker login': denied: requested access "
              "to the resource is denied\n")]
    for ref, text in cases:
        assert message(nas("POST", "/api/images/pull", body={"image": ref})) == \
            (500, "DOCKER_ERROR", "exit status 1"), ref
        assert [(e["status"], e.get("details")) for e in events(nas, type="image_pull", target=ref)] == \
            [("pending", None), ("error", text)], ref
    ctl.registry_down("nas")
    assert message(nas("POST", "/api/images/pull", body={"image": "alpine:3.20"}))[2] == "exit status 1"
    assert events(nas, type="image_pull", target="alpine:3.20")[-1]["details"] == NO_HOST
    r = nas("POST", "/api/containers", body={"name": "ghost", "image": "ghost:5"})
    assert message(r) == (500, "DOCKER_ERROR", "exit status 125")
    assert events(nas, type="container_action", target="ghost")[-1]["details"]["details"] == \
        "Unable to find image 'ghost:5' locally\ndocker: " + NO_HOST.rstrip("\n") + \
        ".\nSee 'docker run --help'.\n"
    assert nas("POST", "/api/containers", body={"name": "ok", "image": "alpine:3.20"}).status == 200


def test_rmi_failures(nas):
    r = nas("DELETE", "/api/images/nosuchimage")
    assert message(r) == (500, "DOCKER_ERROR", "exit status 1")
    ev = events(nas, type="image_delete")[-1]
    assert (ev["status"], ev["details"]) == ("error", "Error response from daemon: No such image: nosuchimage:latest\n")


def test_exit_at_once(nas, ctl):
    rules = ctl.exit_on_start("nas", container="redis", exit_code=3, logs=["fatal: bad config"])["rules"]
    assert rules[0]["container"] == "redis" and rules[0]["exit_code"] == 3
    assert nas("POST", "/api/containers/redis/start").data == {"status": "started"}
    assert nas("GET", "/api/containers/redis/config").data["status"] == "exited"
    assert nas("GET", "/api/containers/redis/logs?tail=1").data["logs"] == "fatal: bad config\n"
    assert [c for c in ctl.state("nas")["containers"] if c["name"] == "redis"][0]["exit_code"] == 3
    assert nas("POST", "/api/containers/redis/restart").data == {"status": "restarted"}
    assert by_name(nas, "redis")[0]["status"] == "exited"
    ctl.exit_on_start("nas", image="busybox:1.36", after_ms=150)
    nas("POST", "/api/containers", body={"name": "bb", "image": "busybox:1.36"})
    assert by_name(nas, "bb")[0]["status"] == "running"
    time.sleep(0.3)
    assert by_name(nas, "bb")[0]["status"] == "exited"
    ctl.clear_exit_rules("nas")
    assert ctl.exit_rules("nas") == []
    nas("POST", "/api/containers/redis/start")
    assert by_name(nas, "redis")[0]["status"] == "running"


def test_docker_daemon_down(nas, ctl):
    ctl.docker_down("nas")
    for path in ("/api/containers", "/api/images"):
        assert message(nas("GET", path)) == (500, "DOCKER_ERROR", "exit status 1"), path
    assert message(nas("GET", "/api/containers/nginx/config")) == (404, "NOT_FOUND", "Container not found")
    s = nas("GET", "/api/metrics/summary")
    assert s.status == 200 and s.data["container_counts"] == {"total": 0, "running": 0, "stopped": 0}
    assert nas("GET", "/health", key=None).status == 200
    assert message(nas("POST", "/api/containers/nginx/stop"))[2] == "exit status 1"
    assert events(nas, type="container_action")[-1]["details"]["details"] == DAEMON_DOWN
    ctl.docker_up("nas")
    assert by_name(nas, "nginx")[0]["status"] == "running"


def test_logs_clamp_status_and_leading_slash(nas, ctl):
    ctl.append_logs("nas", "nginx", [f"line {i}" for i in range(1200)])
    logs = nas("GET", "/api/containers/nginx/logs?tail=5000")
    assert logs.status == 200 and logs.data["logs"].count("\n") == 1000
    ctl.add_container("nas", "sick", health="unhealthy")
    assert by_name(nas, "sick")[0]["status"] == "running"
    slash = urllib.parse.quote("/nginx", safe="")
    assert nas("GET", f"/api/containers/{slash}/config").data["name"] == "nginx"
    r = nas("POST", f"/api/containers/{urllib.parse.quote('/wagmios-backend', safe='')}/delete")
    assert (r.status, r.code) == (403, "PROTECTED")
    assert by_name(nas, "wagmios-backend")


def test_local_images_and_encoded_slash(nas, ctl):
    ctl.add_image("nas", "myapp:dev", local=True, size="80MB", virtual_size="95MB")
    img = [i for i in nas("GET", "/api/images").data if i["Repository"] == "myapp"][0]
    assert (img["Digest"], img["Size"], img["VirtualSize"]) == ("<none>", "80MB", "95MB")
    r = nas("DELETE", "/api/images/" + urllib.parse.quote("library/myapp:dev", safe=""))
    assert (r.status, r.raw) == (404, b"404 page not found\n")


def test_host_port_taken(nas, ctl):
    ctl.take_host_port("nas", 9300)
    assert ctl.host_ports("nas") == [{"port": "9300", "protocol": "tcp"}]
    r = nas("POST", "/api/containers", body={"name": "p", "image": "nginx:alpine",
                                             "ports": [{"host": "9300", "container": "80"}]})
    assert message(r) == (500, "DOCKER_ERROR", "exit status 125")
    assert by_name(nas, "p")[0]["status"] == "created"
    assert "listen tcp4 0.0.0.0:9300: bind: address already in use" in \
        events(nas, type="container_action", target="p")[-1]["details"]["details"]
    ctl.free_host_port("nas", 9300)
    assert nas("POST", "/api/containers/p/start").data == {"status": "started"}
