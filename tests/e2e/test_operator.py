"""What an operator is told: every config problem in one run, empty files, Matrix ids without
their @, unknown keys, where the data folder is, `wagbot health` without the bot's secrets, and
a log line at once when the homeserver does not answer."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import threading
import time

import pytest

from conftest import WAGBOT

pytestmark = pytest.mark.timeout(60)

KEY = "wag_live_" + "k" * 43 + "="


def wagbot(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([WAGBOT, *args], capture_output=True, text=True, env=env, cwd=cwd,
                              timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"wagbot {args} hung")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def errors(stderr: str, path) -> list[str]:
    """The keys of the `config error` lines, in order."""
    prefix = f"wagbot: config error in {path}: "
    return [line[len(prefix):].split(":")[0] for line in stderr.splitlines() if line.startswith(prefix)]


# ---------------------------------------------------------------------------- check-config

def test_check_config_reports_every_problem_in_one_run(tmp_path):
    p = tmp_path / "wagbot.yaml"
    p.write_text("log_level: loud\n"
                 "hosts:\n  - {alias: nas, url: \"ftp://nas\"}\n  - {alias: media, url: \"http://m\", uri: x}\n"
                 "users:\n  - {name: alice, matrix: \"alice:example.org\"}\n"
                 "  - {name: robo, agent: true}\n"
                 "alerts: {poll_interval: 0}\n")
    r = wagbot("check-config", str(p))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert errors(r.stderr, p) == ["log_level", "hosts[0].url", "hosts[1].uri", "users[0].matrix[0]",
                                   "alerts.poll_interval", "users[1].approvers"], r.stderr
    assert r.stderr.rstrip().endswith(f"wagbot: 6 problems in {p}")
    assert "config ok" not in r.stdout


def test_every_subcommand_reports_every_problem(tmp_path):
    p = tmp_path / "wagbot.yaml"
    p.write_text("log_level: loud\nconfirmation_timeout: 0\nusers:\n  - {name: alice, shell: alice}\n")
    r = wagbot("shell", "-c", str(p), "--as", "alice")
    assert r.returncode == 2
    assert errors(r.stderr, p) == ["log_level", "confirmation_timeout"]


@pytest.mark.parametrize("text", ["", "# a comment, and nothing else\n", "{}\n"])
def test_an_empty_config_is_an_error(tmp_path, text):
    p = tmp_path / "wagbot.yaml"
    p.write_text(text)
    r = wagbot("check-config", str(p))
    assert r.returncode == 2
    assert f"config error in {p}: (file): {p} is empty" in r.stderr, r.stderr
    assert "wagbot.example.yaml" in r.stderr


@pytest.mark.parametrize("ids,key", [
    ('"alice:example.org"', "users[0].matrix[0]"),
    ('["@alice:example.org", "@bob"]', "users[0].matrix[1]"),
])
def test_a_matrix_id_without_its_at_or_server_is_refused(tmp_path, ids, key):
    p = tmp_path / "wagbot.yaml"
    p.write_text(f"users:\n  - name: alice\n    matrix: {ids}\n")
    r = wagbot("check-config", str(p))
    assert r.returncode == 2
    assert errors(r.stderr, p) == [key]
    assert "@alice:example.org" in r.stderr  # the message shows the shape it wants


def test_unknown_keys_are_refused_in_every_section(tmp_path):
    p = tmp_path / "wagbot.yaml"
    p.write_text("agents: []\ncommand_prefix: \"!\"\ntimeouts: {requests: 1}\n"
                 "hosts:\n  - {alias: nas, url: \"http://nas\", monitor: true}\n"
                 "users:\n  - {name: alice, shel: alice}\n"
                 "alerts: {poll: 5}\nobservability: {port: 9464}\n")
    r = wagbot("check-config", str(p))
    assert r.returncode == 2
    assert errors(r.stderr, p) == ["agents", "command_prefix", "timeouts.requests", "hosts[0].monitor",
                                   "users[0].shel", "alerts.poll", "observability.port"]
    assert r.stderr.count("unknown key") == 7


# ---------------------------------------------------------------------------- data_dir

def test_a_relative_data_dir_is_read_from_the_config_files_folder(tmp_path):
    etc = tmp_path / "etc"
    etc.mkdir()
    p = etc / "wagbot.yaml"
    p.write_text("data_dir: state\nusers:\n  - {name: alice, shell: alice}\n")
    r = wagbot("check-config", str(p), cwd="/")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith(f"data in {etc / 'state'}"), r.stdout
    r = subprocess.run([WAGBOT, "shell", "-c", str(p), "--as", "alice"], input="whoami\n",
                       capture_output=True, text=True, cwd="/", timeout=15)
    assert r.returncode == 0, r.stderr
    assert (etc / "state" / "wagbot.db").exists()


def test_a_data_dir_that_cannot_be_written_is_a_config_error(tmp_path):
    (tmp_path / "blocker").write_text("a file, not a folder\n")
    p = tmp_path / "wagbot.yaml"
    p.write_text("data_dir: blocker/state\n")
    env = {**os.environ, "INVOCATION_ID": "0123456789abcdef"}  # as systemd sets it
    r = wagbot("run", "-c", str(p), env=env, cwd="/")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert f"config error in {p}: data_dir: cannot write {tmp_path / 'blocker' / 'state'}" in r.stderr
    assert "under systemd" in r.stderr and "/var/lib/wagbot" in r.stderr
    env.pop("INVOCATION_ID")
    r = wagbot("run", "-c", str(p), env=env)
    assert r.returncode == 2 and "data_dir: cannot write" in r.stderr and "systemd" not in r.stderr


# ---------------------------------------------------------------------------- health

def test_health_needs_none_of_the_bots_secrets(tmp_path):
    port = free_port()
    p = tmp_path / "wagbot.yaml"
    p.write_text(f"data_dir: {tmp_path / 'data'}\nobservability:\n  listen: 127.0.0.1:{port}\n"
                 "hosts:\n  - {alias: nas, url: \"http://nas\", monitor_key_env: E2E_UNSET_MONITOR}\n"
                 "users:\n  - name: alice\n    keys: [{host: nas, key_file: /nonexistent/alice.key}]\n"
                 "matrix:\n  homeserver: http://127.0.0.1:1\n  user_id: \"@bot:localhost\"\n"
                 "  password_env: E2E_UNSET_PASSWORD\n"
                 "discord: {token_env: E2E_UNSET_TOKEN, guilds: [\"1\"]}\n")
    env = {"PATH": "/usr/bin:/bin"}  # none of the variables the config names
    r = wagbot("check-config", str(p), env=env)
    assert r.returncode == 2
    assert errors(r.stderr, p) == ["hosts[0].monitor_key_env", "users[0].keys[0].key_file",
                                   "matrix.password_env", "discord.token_env"]
    r = wagbot("health", "-c", str(p), env=env)
    assert r.returncode == 1 and "no answer" in r.stderr, (r.returncode, r.stderr)
    assert "config error" not in r.stderr


def test_health_still_refuses_a_broken_config(tmp_path):
    p = tmp_path / "wagbot.yaml"
    p.write_text("observability:\n  listen: 127.0.0.1:9464\nmatrix:\n  homeserver: http://hs\n"
                 "  user_id: \"@bot:hs\"\n  password: hunter2\n")
    r = wagbot("health", "-c", str(p))
    assert r.returncode == 2 and "matrix.password" in r.stderr
    assert "hunter2" not in r.stderr


# ---------------------------------------------------------------------------- start-up log

def test_an_unreachable_homeserver_is_logged_at_once(tmp_path):
    port = free_port()  # nothing listens there
    p = tmp_path / "wagbot.yaml"
    p.write_text(f"data_dir: data\nmatrix:\n  homeserver: http://127.0.0.1:{port}\n"
                 "  user_id: \"@bot:localhost\"\n  password_env: E2E_MATRIX_PASSWORD\n  e2ee: false\n")
    env = {**os.environ, "E2E_MATRIX_PASSWORD": "not-needed"}
    started = time.monotonic()
    proc = subprocess.Popen([WAGBOT, "run", "-c", str(p)], cwd=tmp_path, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    threading.Thread(target=lambda: [lines.put((time.monotonic(), l)) for l in proc.stderr],
                     daemon=True).start()
    try:
        at, first = lines.get(timeout=5)
        assert at - started < 2, f"the first line came after {at - started:.1f} s: {first}"
        assert f"connecting to http://127.0.0.1:{port}" in first, first
        seen = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any("retrying every" in l for l in seen):
            try:
                seen.append(lines.get(timeout=0.5)[1])
            except queue.Empty:
                pass
        retry = [l for l in seen if "retrying every" in l]
        assert retry and "is not answering" in retry[0] and "1000 ms" in retry[0], seen
        time.sleep(2.5)  # the probe goes on every second; it says so once
        while not lines.empty():
            seen.append(lines.get()[1])
        assert sum("is not answering" in l for l in seen) == 1, seen
    finally:
        proc.terminate()
        proc.wait(timeout=10)
