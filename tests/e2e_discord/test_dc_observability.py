"""The loopback observability listener of a bot connected to Discord: /healthz, /readyz that
follows the gateway, /metrics counting commands by outcome, WAGMIOS latency and failures,
429s and reconnects, and `wagbot health`. No secret ever appears in /metrics."""

from __future__ import annotations

import re
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

import wagbot_discord as wd
from support.e2e_support import free_port
from wagbot_discord import BOB, CAROL, text

EDIT_ROUTE = "PATCH /webhooks/{application_id}/{token}/messages/{message_id}"


def get(port: int, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def metric(body: str, name: str, **labels) -> float:
    """The value of one series (labels matched exactly, in any order); 0 when absent."""
    for line in body.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if found == {k: str(v) for k, v in labels.items()}:
            return float(m.group(4))
    return 0.0


@pytest.fixture
def obs(make_world):
    port = free_port()
    bot = make_world(observability={"listen": f"127.0.0.1:{port}"})
    bot.port = port
    return bot


def test_health_and_readiness_follow_the_gateway(obs, dctl):
    assert get(obs.port, "/healthz")[:1] == (200,)
    status, _, body = get(obs.port, "/readyz")
    assert status == 200 and "discord: connected" in body, body
    assert metric(get(obs.port, "/metrics")[2], "wagbot_transport_connected", network="discord") == 1
    # op 9 (not resumable): the bot waits 1–5 s before it identifies again; not ready meanwhile
    dctl.invalid_session(resumable=False)
    wd.poll(lambda: get(obs.port, "/readyz")[0] == 503, "/readyz answering 503", 5, 0.02)
    status, _, body = get(obs.port, "/readyz")
    assert "discord: not connected" in body or status == 200, body
    assert get(obs.port, "/healthz")[0] == 200, "liveness must not follow the gateway"
    wd.poll(lambda: get(obs.port, "/readyz")[0] == 200, "/readyz ready again", 10)
    after = get(obs.port, "/metrics")[2]
    assert metric(after, "wagbot_reconnects_total", network="discord") >= 1
    assert metric(after, "wagbot_transport_connected", network="discord") == 1


def test_metrics_count_commands_by_outcome(obs, dctl, wctl):
    assert "nginx" in text(obs.ask("ps", {"host": "nas"})["original"])
    assert "nginx" in text(obs.ask("ps", {"host": "nas"}, user_id=BOB, username="bob")["original"])
    rm = obs.ask("rm", {"container": "nginx"})
    assert wd.confirmation_id_of(rm["original"])
    carol = obs.ask("ps", {"host": "nas"}, user_id=CAROL, username="carol")   # no key for @nas
    assert "key" in wd.visible_text(carol).lower()
    wctl.set_faults("nas", status=500, path_prefix="/api/images", count=1)
    obs.ask("images", {"host": "nas"})
    # A question back is a reply, not an error.
    assert "did you mean @nas?" in wd.visible_text(obs.ask("ps", {"host": "nsa"}))
    # The action a yes lets run is counted too, by how it went.
    ok = obs.ask("stop", {"container": "nginx"})["original"]
    click = dctl.click(ok["id"], f"wagbot:confirm:{wd.confirmation_id_of(ok)}")
    obs.wait_followups(click["id"])

    status, ctype, body = get(obs.port, "/metrics")
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4"), ctype
    assert metric(body, "wagbot_commands_total", command="ps", outcome="ok") == 2
    assert metric(body, "wagbot_commands_total", command="ps", outcome="error") == 1
    assert metric(body, "wagbot_commands_total", command="rm", outcome="confirm") == 1
    assert metric(body, "wagbot_commands_total", command="images", outcome="error") == 1
    assert metric(body, "wagbot_commands_total", command="ps", outcome="question") == 1
    assert metric(body, "wagbot_commands_total", command="stop", outcome="confirm") == 1
    assert metric(body, "wagbot_commands_total", command="stop", outcome="ok") == 1
    assert metric(body, "wagbot_confirmations_pending") == 1  # the rm, still waiting
    # every WAGMIOS request the bot made for a command is in the histogram, once
    made = len([r for r in wctl.requests("nas")])
    count = metric(body, "wagbot_wagmios_request_duration_seconds_count", host="nas", purpose="command")
    assert count == made, (count, made)
    inf = metric(body, "wagbot_wagmios_request_duration_seconds_bucket", host="nas", purpose="command", le="+Inf")
    assert inf == count
    assert metric(body, "wagbot_wagmios_errors_total", host="nas", cause="http") == 1
    assert re.search(r"(?m)^process_resident_memory_bytes [1-9]", body), "no RSS"
    assert re.search(r'(?m)^wagbot_build_info\{version="[0-9.]+"\} 1$', body)
    # the bot's secrets are never there
    for secret in list(obs.keys.values()) + [obs.token]:
        assert secret not in body


def test_429s_are_counted_as_discord_reports_them(obs, dctl, wctl):
    dctl.storm(EDIT_ROUTE, 3, retry_after=0.2)
    d = obs.ask("restart", {"container": "nginx"}, timeout=15)
    assert "restarted" in text(d["original"])
    seen = dctl.ratelimit_state()["count_429"]
    assert seen >= 3
    assert metric(get(obs.port, "/metrics")[2], "wagbot_rate_limited_total", network="discord") == seen
    assert metric(get(obs.port, "/metrics")[2], "wagbot_send_queue_depth", network="discord") == 0


def test_wagbot_health_asks_the_running_bot(obs):
    def health(*extra):
        return subprocess.run([wd.WAGBOT, "health", "-c", str(obs.config_path), *extra], capture_output=True,
                              text=True, cwd=obs.dir, env=obs.env, timeout=10)
    r = health()
    assert r.returncode == 0 and r.stdout == "ok\n", (r.returncode, r.stdout, r.stderr)
    r = health("--ready")
    assert r.returncode == 0 and "discord: connected" in r.stdout, r.stdout
    obs.stop()
    r = health()
    assert r.returncode == 1 and "no answer" in r.stderr, (r.returncode, r.stderr)


def test_other_methods_and_paths(obs):
    req = urllib.request.Request(f"http://127.0.0.1:{obs.port}/metrics", method="POST", data=b"x")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert e.value.code == 405
    assert get(obs.port, "/nothing")[0] == 404
    # a client that connects and says nothing does not stop the others
    with socket.create_connection(("127.0.0.1", obs.port)):
        assert get(obs.port, "/healthz")[0] == 200
