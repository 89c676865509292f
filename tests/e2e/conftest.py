"""End-to-end harness: the real `wagbot` binary driven through `wagbot shell`, talking to the
WAGMIOS simulator (tests/sim) that plays two hosts, `nas` and `media`.

Fixtures
  sim       the session's simulator (started once); both hosts are reset before every test,
            so each test starts with the default containers/images/templates and NO keys.
  ctl       its control client (SimControl).
  bot       a `Bot` for this test: a temp dir with a config file and a data dir. Give users
            keys with `bot.grant(user, host, scopes)`; talk with `bot.chat([...])` (one shell
            process, one reply per line) or `bot.session()` (an interactive shell process, so
            the simulator can be changed between two lines).

Replies are separated by sending, after every line, a separator command that wagbot answers
with a fixed one-line "Unknown command" text and that makes no API call; the harness cuts
stdout at those answers. Every process has a deadline: a hung bot fails the test.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "sim"))
sys.path.append(str(REPO / "tests"))

from control import SimControl, Simulator  # noqa: E402
from sanitizer_report import sanitizer_report  # noqa: E402  (tests/)

WAGBOT = os.environ.get("WAGBOT_BIN") or str(REPO / "build" / "wagbot")
HOSTS = ("nas", "media")
SEP = "zz-sep-zz"
SEP_REPLY = "Unknown command `zz-sep-zz`. Type `help` for the list of commands."
PROCESS_DEADLINE = 30.0  # seconds; no single shell run in this suite needs more

KEY_RE = re.compile(r"wag_live_[A-Za-z0-9_=-]{16,}")


# ---------------------------------------------------------------------------- simulator

@pytest.fixture(scope="session")
def sim():
    assert os.path.exists(WAGBOT), f"wagbot binary not found at {WAGBOT}; run scripts/build"
    with Simulator(hosts=list(HOSTS)) as s:
        yield s


@pytest.fixture
def ctl(sim) -> SimControl:
    return sim.control


@pytest.fixture(autouse=True)
def _fresh_hosts(request):
    """Every test starts from the default host state, with no keys and an empty request log."""
    if "sim" not in request.fixturenames:
        yield
        return
    control = request.getfixturevalue("sim").control
    for h in HOSTS:
        control.reset(h)
    yield


def calls(ctl: SimControl, host: str) -> list[str]:
    """Every API request the host received, as "METHOD /path" (query string appended)."""
    out = []
    for r in ctl.requests(host):
        line = f"{r['method']} {r['path']}"
        if r.get("query_string"):
            line += "?" + r["query_string"]
        out.append(line)
    return out


def action_calls(ctl: SimControl, host: str) -> list[str]:
    """The requests that are not the bot's look-ups (settings, container list, image list)."""
    reads = {"GET /api/settings", "GET /api/containers", "GET /api/images"}
    return [c for c in calls(ctl, host) if c not in reads]


def requests_with(ctl: SimControl, host: str, method: str, path: str) -> list[dict]:
    return [r for r in ctl.requests(host) if r["method"] == method and r["path"] == path]


def container(ctl: SimControl, host: str, name: str) -> dict | None:
    for c in ctl.state(host)["containers"]:
        if c["name"] == name:
            return c
    return None


def wait_for(predicate, what: str, deadline: float = 10.0, interval: float = 0.05):
    """Polls `predicate` until it is truthy; fails the test after `deadline` seconds."""
    end = time.monotonic() + deadline
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out after {deadline}s waiting for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------------------- the bot

@dataclass
class Run:
    replies: list[str]
    stdout: str
    stderr: str
    code: int

    def __str__(self):
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"

    @property
    def text(self) -> str:
        return "\n".join(self.replies)


def split_replies(stdout: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    for line in stdout.split("\n"):
        if line == SEP_REPLY:
            parts.append("\n".join(current).strip("\n"))
            current = []
        else:
            current.append(line)
    return parts


@dataclass
class User:
    name: str
    admin: bool = False
    shell: str | None = None
    preset: dict[str, str] = field(default_factory=dict)  # host -> env var name


class Bot:
    """One wagbot installation: config file + data dir in a temp dir."""

    def __init__(self, sim: Simulator, tmp: Path):
        self.sim = sim
        self.ctl = sim.control
        self.dir = tmp
        self.data_dir = tmp / "data"
        self.config_path = tmp / "wagbot.yaml"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WAGBOT_")}
        self.env.pop("USER", None)  # the shell would otherwise pick a user named after $USER
        self.users = {"alice": User("alice", admin=True, shell="alice"),
                      "bob": User("bob", shell="bob")}
        self.settings = {"confirmation_timeout": 300, "scope_cache_seconds": 60,
                         "log_level": "debug"}
        self.timeouts = {"request": 5, "pull": 120, "marketplace_start": 300, "settle": 1}
        self.keys: dict[tuple[str, str], str] = {}   # every full key a test handles
        self.all_stderr: list[str] = []                # every log the bot wrote, checked at teardown
        self.sessions: list[Session] = []
        self.write_config()

    # -------------------------------------------------------------- configuration
    def write_config(self):
        lines = [f"data_dir: {self.data_dir}"]
        for k, v in self.settings.items():
            lines.append(f"{k}: {v}")
        lines.append("timeouts: {" + ", ".join(f"{k}: {v}" for k, v in self.timeouts.items()) + "}")
        lines.append("hosts:")
        for alias in HOSTS:
            lines.append(f'  - {{alias: {alias}, url: "{self.sim.hosts[alias]}", '
                         f'description: ["the {alias}"]}}')
        lines.append("users:")
        for u in self.users.values():
            lines.append(f"  - name: {u.name}")
            lines.append(f"    admin: {'true' if u.admin else 'false'}")
            if u.shell:
                lines.append(f"    shell: {u.shell}")
            if u.preset:
                lines.append("    keys:")
                for host, var in u.preset.items():
                    lines.append(f"      - {{host: {host}, key_env: {var}}}")
        self.config_path.write_text("\n".join(lines) + "\n")

    def configure(self, **settings):
        """Top-level config keys (confirmation_timeout, scope_cache_seconds, …)."""
        self.settings.update(settings)
        self.write_config()

    def grant(self, user: str, host: str, scopes=("*",), role: str = "agent") -> str:
        """Creates a key on the simulated host and gives it to `user` through the config
        (`keys: [{host, key_env}]`), as an admin would. Returns the full key."""
        key = self.ctl.add_key(host, label=f"{user}-{host}", scopes=list(scopes), role=role)["key"]
        var = f"E2E_{user.upper()}_{host.upper()}_KEY"
        self.env[var] = key
        self.users[user].preset[host] = var
        self.keys[(user, host)] = key
        self.write_config()
        return key

    def new_key(self, host: str, scopes=("*",), label: str = "spare", role: str = "agent") -> str:
        """A key that exists on the host but that no user holds yet (for `key add`)."""
        return self.ctl.add_key(host, label=label, scopes=list(scopes), role=role)["key"]

    # -------------------------------------------------------------- processes
    def run_cli(self, *args, env=None, timeout=PROCESS_DEADLINE) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([WAGBOT, *args], capture_output=True, text=True,
                                  env=env or self.env, timeout=timeout, cwd=self.dir)
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"wagbot {' '.join(args)} hung for {timeout}s: {e.stdout!r} {e.stderr!r}")

    def run_cli_input(self, stdin: str, user: str = "alice",
                      timeout: float = PROCESS_DEADLINE) -> subprocess.CompletedProcess:
        """`wagbot shell` fed `stdin` verbatim (no separators)."""
        try:
            p = subprocess.run([WAGBOT, "shell", "-c", str(self.config_path), "--as", user],
                               input=stdin, capture_output=True, text=True, env=self.env,
                               timeout=timeout, cwd=self.dir)
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"wagbot shell hung for {timeout}s: {e.stdout!r} {e.stderr!r}")
        self.all_stderr.append(p.stderr)
        return p

    def chat(self, lines, user: str | None = "alice", timeout: float = PROCESS_DEADLINE,
             extra_env=None) -> Run:
        """One `wagbot shell` process fed `lines`, then EOF. One reply per line."""
        payload = "".join(f"{line}\n{SEP}\n" for line in lines)
        args = ["shell", "-c", str(self.config_path)]
        if user is not None:
            args += ["--as", user]
        env = dict(self.env, **(extra_env or {}))
        try:
            p = subprocess.run([WAGBOT, *args], input=payload, capture_output=True, text=True,
                               env=env, timeout=timeout, cwd=self.dir)
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"wagbot shell hung for {timeout}s on {lines!r}\n"
                        f"stdout: {e.stdout!r}\nstderr: {e.stderr!r}")
        self.all_stderr.append(p.stderr)
        self.record_replies(p.stdout)
        run = Run(split_replies(p.stdout), p.stdout, p.stderr, p.returncode)
        assert p.returncode == 0, str(run)
        assert len(run.replies) == len(lines), f"expected {len(lines)} replies\n{run}"
        return run

    def record_replies(self, text: str) -> None:
        """Every reply is kept beside the bot's files: tests/secrets_scan.py reads them after the
        suites (no reply may hold a key in clear)."""
        with open(self.dir / "shell-replies.txt", "a") as f:
            f.write(text)

    def say(self, line: str, user: str = "alice") -> str:
        """One line in a fresh shell process; returns the reply."""
        return self.chat([line], user=user).replies[0]

    def session(self, user: str = "alice") -> "Session":
        s = Session(self, user)
        self.sessions.append(s)
        return s


class Session:
    """An interactive `wagbot shell`: send a line, read its reply; the process keeps its
    caches and connections between lines."""

    def __init__(self, bot: Bot, user: str):
        self.bot = bot
        self.proc = subprocess.Popen(
            [WAGBOT, "shell", "-c", str(bot.config_path), "--as", user],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=bot.env, cwd=bot.dir, bufsize=1)
        self.lines: queue.Queue = queue.Queue()
        self.stderr_lines: list[str] = []
        self.unsolicited: list[str] = []
        self.pumps = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr_lines.append),
                             daemon=True)]
        for t in self.pumps:
            t.start()
        self.closed = False

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink(line.rstrip("\n"))
        sink(None)

    def _read_until(self, stop, deadline: float) -> list[str]:
        got = []
        end = time.monotonic() + deadline
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                self.kill()
                pytest.fail(f"wagbot shell gave no complete answer in {deadline}s; got {got!r}\n"
                            f"stderr: {self.stderr}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"wagbot shell exited early ({self.proc.wait()}); got {got!r}\n"
                            f"stderr: {self.stderr}")
            if stop(line):
                return got
            got.append(line)

    def send(self, line: str, deadline: float = PROCESS_DEADLINE) -> str:
        self.proc.stdin.write(f"{line}\n{SEP}\n")
        self.proc.stdin.flush()
        reply = "\n".join(self._read_until(lambda l: l == SEP_REPLY, deadline)).strip("\n")
        self.bot.record_replies(reply + "\n")
        return reply

    def wait_output(self, pattern: str, deadline: float = 10.0) -> str:
        """Waits for an unprompted line (e.g. an expiry notice) matching `pattern`."""
        rx = re.compile(pattern)
        before = self._read_until(lambda l: bool(rx.search(l)), deadline)
        self.unsolicited.extend(before)
        return pattern

    @property
    def stderr(self) -> str:
        return "\n".join(l for l in self.stderr_lines if l is not None)

    def close(self, deadline: float = 10.0) -> int:
        if self.closed:
            return self.proc.returncode
        self.closed = True
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(deadline)
            except subprocess.TimeoutExpired:
                self.kill()
                pytest.fail(f"wagbot shell did not exit within {deadline}s of EOF")
        for t in self.pumps:
            t.join(5)
        self.bot.all_stderr.append(self.stderr)
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def bot(sim, tmp_path):
    b = Bot(sim, tmp_path)
    yield b
    for s in b.sessions:
        if not s.closed:
            s.kill()
            s.closed = True
            for t in s.pumps:
                t.join(5)
            b.all_stderr.append(s.stderr)
        for stream in (s.proc.stdin, s.proc.stdout, s.proc.stderr):
            try:
                stream.close()
            except Exception:
                pass
    # Whatever a test did, no log line may contain a key, nor (in the sanitized build) a
    # sanitizer report.
    for err in b.all_stderr:
        report = sanitizer_report(err)
        assert report is None, f"a sanitizer report in wagbot's output:\n{report}"
        for key in b.keys.values():
            assert key not in err, "a full key appeared in wagbot's log"
        assert not KEY_RE.search(err), f"something key-like appeared in wagbot's log: {KEY_RE.search(err)}"
