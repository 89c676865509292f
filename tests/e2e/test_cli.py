"""`wagbot explain`, `wagbot check-config`, `wagbot version`, and the shell's start-up checks."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap

import pytest

from conftest import WAGBOT

pytestmark = pytest.mark.timeout(60)


def wagbot(*args, env=None, cwd=None, timeout=15) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([WAGBOT, *args], capture_output=True, text=True, env=env, cwd=cwd,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"wagbot {args} hung")


def explain(text: str) -> tuple[int, dict]:
    p = wagbot("explain", text)
    return p.returncode, json.loads(p.stdout)


# ---------------------------------------------------------------------------- explain

def test_explain_a_fan_out_read():
    code, out = explain("ps all")
    assert code == 0 and out["ok"] is True
    (a,) = out["actions"]
    assert a["command"] == "ps" and a["host"] == "all" and a["args"] == []
    assert a["scope"] == "containers:read" and a["destructive"] is False and a["runs_on_host"] is True


def test_explain_a_destructive_command_with_options_and_host():
    code, out = explain("run nginx:alpine --name web -p 8080:80 -p 8443:443 -e TZ=UTC @NAS")
    assert code == 0
    (a,) = out["actions"]
    assert a["command"] == "run" and a["args"] == ["nginx:alpine"] and a["host"] == "nas"
    assert a["destructive"] is True and a["scope"] == "containers:write"
    opts = [tuple(o) for o in a["options"]]
    assert opts == [("name", "web"), ("publish", "8080:80"), ("publish", "8443:443"), ("env", "TZ=UTC")]


@pytest.mark.parametrize("text,command,args,host,scope,destructive", [
    ("inspect nginx on media", "inspect", ["nginx"], "media", "containers:read", False),
    ("stop nginx @nas", "stop", ["nginx"], "nas", "containers:write", True),
    ("rm old-web", "rm", ["old-web"], "", "containers:delete", True),
    ("logs postgres 200 @nas", "logs", ["postgres", "200"], "nas", "containers:read", False),
    ("rmi hello-world:latest", "rmi", ["hello-world:latest"], "", "images:write", True),
    ("pull nginx:alpine", "pull", ["nginx:alpine"], "", "images:write", False),
    ("install uptime-kuma as kuma TZ=UTC", "install", ["uptime-kuma", "as", "kuma", "TZ=UTC"], "",
     "marketplace:write", True),
    ('template save web {"image": "nginx:alpine"} @nas', "template save",
     ["web", '{"image": "nginx:alpine"}'], "nas", "templates:write", False),
    ("images media", "images", [], "media", "images:read", False),
    ("key list", "key list", [], "", "", False),
])
def test_explain_lines(text, command, args, host, scope, destructive):
    code, out = explain(text)
    assert code == 0 and out["ok"] is True, out
    (a,) = out["actions"]
    assert (a["command"], a["args"], a["host"], a["scope"], a["destructive"]) == (
        command, args, host, scope, destructive)


@pytest.mark.parametrize("text,error,usage", [
    ("frobnicate", "Unknown command `frobnicate`", ""),
    ("logs nginx abc", "<lines> must be a whole number", "Usage: logs <container> [lines] [@host]"),
    ("stop", "Missing <container>", "Usage: stop <container> [@host]"),
    ("stop nginx @all", "one host at a time", "Usage: stop"),
])
def test_explain_parse_errors_exit_1(text, error, usage):
    code, out = explain(text)
    assert code == 1
    assert out["ok"] is False and out["actions"] == []
    assert error in out["error"]
    assert usage in out.get("usage", "")


# ---------------------------------------------------------------------------- check-config

GOOD = """\
data_dir: ./data
confirmation_timeout: 120
scope_cache_seconds: 30
timeouts: {request: 10, pull: 120, marketplace_start: 300}
hosts:
  - {alias: nas, url: "http://127.0.0.1:5179", description: ["the nas"]}
  - {alias: media, url: "https://media.lan:5179"}
users:
  - name: alice
    admin: true
    shell: alice
    keys:
      - {host: nas, key_env: E2E_PRESET_KEY}
  - {name: bob, shell: bob}
"""


def write(tmp_path, text, name="wagbot.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_check_config_good(tmp_path):
    p = write(tmp_path, GOOD)
    env = {"E2E_PRESET_KEY": "wag_live_" + "k" * 43 + "="}
    r = wagbot("check-config", str(p), env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("config ok:")
    assert "2 host(s)" in r.stdout and "2 user(s)" in r.stdout
    assert env["E2E_PRESET_KEY"] not in r.stdout + r.stderr


BAD = [
    ("hosts:\n  - {alias: nas, url: \"ftp://nas\"}\n", "hosts[0].url"),
    ("hosts:\n  - {alias: nas}\n", "hosts[0].url"),
    ("hosts:\n  - {alias: nas, url: \"http://a\"}\n  - {alias: NAS, url: \"http://b\"}\n", "hosts[1].alias"),
    ("hosts:\n  - {alias: all, url: \"http://a\"}\n", "hosts[0].alias"),
    ("hostz: []\n", "hostz"),
    ("confirmation_timeout: 0\n", "confirmation_timeout"),
    ("timeouts: {request: -1}\n", "timeouts.request"),
    ("timeouts: {requests: 5}\n", "timeouts.requests"),
    ("log_level: loud\n", "log_level"),
    ("users:\n  - {name: Alice}\n", "users[0].name"),
    ("users:\n  - {name: alice, keys: [{host: nowhere, key_env: E2E_PRESET_KEY}]}\n", "users[0].keys[0].host"),
    ("hosts:\n  - {alias: nas, url: \"http://a\"}\nusers:\n  - {name: alice, keys: [{host: nas, key_env: E2E_UNSET_VAR}]}\n",
     "users[0].keys[0].key_env"),
    ("hosts:\n  - {alias: nas, url: \"http://a\"}\nusers:\n  - {name: alice, keys: [{host: nas, key: wag_live_x}]}\n",
     "users[0].keys[0].key"),
    ("hosts:\n  - {alias: nas, url: \"http://a\"}\nusers:\n  - {name: alice, keys: [{host: nas, key_env: E2E_NOT_A_KEY}]}\n",
     "users[0].keys[0]"),
    ("hosts: [\n", "(syntax)"),
    # Configs that take the human out of a confirmation, or let one id stand for two users.
    ("users:\n  - {name: alice}\n  - {name: robo, agent: true, approvers: [robo]}\n", "users[1].approvers"),
    ("users:\n  - {name: robo, agent: true, approvers: [robo, alice]}\n  - {name: alice}\n", "users[0].approvers"),
    ("users:\n  - {name: a1, agent: true, approvers: [a2]}\n  - {name: a2, agent: true, approvers: [alice]}\n"
     "  - {name: alice}\n", "users[0].approvers"),
    ("users:\n  - {name: alice, matrix: [\"@al:hs\"]}\n  - {name: bob, matrix: [\"@al:hs\"]}\n", "users[1].matrix[0]"),
    ("users:\n  - {name: alice, discord: [\"1234\"]}\n  - {name: bob, discord: [\"5\", \"1234\"]}\n",
     "users[1].discord[1]"),
]


@pytest.mark.parametrize("text,key", BAD, ids=[k for _, k in BAD])
def test_check_config_bad_exits_2_naming_the_key(tmp_path, text, key):
    p = write(tmp_path, text)
    env = {"E2E_PRESET_KEY": "wag_live_" + "k" * 43 + "=", "E2E_NOT_A_KEY": "hunter2"}
    r = wagbot("check-config", str(p), env=env)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert f"config error in {p}: {key}" in r.stderr, r.stderr
    assert "config ok" not in r.stdout
    assert "hunter2" not in r.stderr


def test_check_config_of_a_missing_file(tmp_path):
    r = wagbot("check-config", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2 and "nope.yaml" in r.stderr


def test_shell_with_a_bad_config_exits_2(tmp_path):
    p = write(tmp_path, "hosts:\n  - {alias: nas, url: \"ftp://nas\"}\n")
    r = wagbot("shell", "-c", str(p), "--as", "alice")
    assert r.returncode == 2 and "hosts[0].url" in r.stderr


def test_shell_without_any_shell_user_exits_2(tmp_path):
    p = write(tmp_path, "data_dir: ./data\nusers:\n  - {name: carol, matrix: \"@carol:hs\"}\n")
    r = wagbot("shell", "-c", str(p), env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 2 and "shell" in r.stderr


def test_shell_picks_the_only_shell_user_without_as(bot, ctl):
    bot.users["alice"].shell = None  # only bob has a shell id now
    bot.write_config()
    r = subprocess.run([WAGBOT, "shell", "-c", str(bot.config_path)], input="audit\n",
                       capture_output=True, text=True, env=bot.env, timeout=15)
    assert r.returncode == 0
    assert "admins only" in r.stdout  # it is bob, not the admin alice


# ---------------------------------------------------------------------------- version

def test_version():
    r = wagbot("version")
    assert r.returncode == 0
    assert re.fullmatch(r"wagbot \d+\.\d+\.\d+\S*\n", r.stdout)


@pytest.mark.parametrize("alias,command", [
    ("containers all", "ps"), ("info nginx", "inspect"), ("delete web", "rm"), ("remove web", "rm"),
    ("log nginx", "logs"), ("marketplace", "apps"), ("whoami", "status"), ("keys", "key list"),
    ("key rm nas", "key remove"), ("approve abc123", "confirm"), ("deny abc123", "cancel"),
])
def test_explain_command_aliases(alias, command):
    code, out = explain(alias)
    assert code == 0 and out["actions"][0]["command"] == command


# ---------------------------------------------------------------------------- health and the listener

def test_health_without_a_listener_says_how_to_add_one(tmp_path):
    cfg = tmp_path / "wagbot.yaml"
    cfg.write_text("data_dir: data\n")
    p = wagbot("health", "-c", str(cfg), cwd=tmp_path)
    assert p.returncode == 2
    assert "observability" in p.stderr and "listen: 127.0.0.1:9464" in p.stderr


def test_health_when_nothing_listens_is_unhealthy(tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "wagbot.yaml"
    cfg.write_text(f"data_dir: data\nobservability:\n  listen: 127.0.0.1:{port}\n")
    p = wagbot("health", "-c", str(cfg), cwd=tmp_path)
    assert p.returncode == 1 and "no answer" in p.stderr, (p.returncode, p.stderr)


def test_run_stops_with_a_clear_error_when_the_listen_port_is_taken(tmp_path):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cfg = tmp_path / "wagbot.yaml"
        cfg.write_text(f"data_dir: data\nobservability:\n  listen: 127.0.0.1:{port}\n")
        p = wagbot("run", "-c", str(cfg), cwd=tmp_path)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert f"cannot listen on 127.0.0.1:{port} (observability.listen)" in p.stderr


def test_run_without_transports_is_healthy_and_ready(tmp_path):
    import socket
    import time
    import urllib.request
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "wagbot.yaml"
    cfg.write_text(f"data_dir: data\nobservability:\n  listen: 127.0.0.1:{port}\n")
    proc = subprocess.Popen([WAGBOT, "run", "-c", str(cfg)], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            p = wagbot("health", "-c", str(cfg), "--ready", cwd=tmp_path)
            if p.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert p.returncode == 0 and p.stdout == "ready\n", (p.returncode, p.stdout, p.stderr)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            body = r.read().decode()
        assert "wagbot_confirmations_pending 0" in body
        assert "wagbot_transport_connected" not in body   # no transport configured, none reported
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    assert f"observability on http://127.0.0.1:{port}" in proc.stderr.read()
