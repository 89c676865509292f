"""A real Synapse homeserver on loopback, for wagbot's tests and for scripts/demo.

Standard library only (Synapse itself runs as a subprocess of the Python that has
`matrix-synapse` installed: by default the interpreter running this module, i.e. `.venv`).

    from synapse import start_synapse          # after sys.path.insert(0, "<repo>/tests/matrix")

    with start_synapse(tmp_path / "hs") as hs:  # returns once GET /health answers 200
        alice = hs.register("alice", "pw")      # {"user_id", "access_token", "device_id", ...}
        hs.url                                  # "http://127.0.0.1:PORT"
        hs.restart()                            # same port, same database and signing key

NOTE: this file is called synapse.py, so in a process that has tests/matrix on sys.path it
shadows the real `synapse` package. That is harmless: the homeserver runs in a subprocess
whose working directory is the work dir and whose PYTHONPATH has tests/matrix removed.

Command line (for scripts/demo and manual debugging):

    .venv/bin/python tests/matrix/synapse.py --workdir /tmp/hs --port 8008 \
        --user alice:secret --user bot:botpw --admin alice

starts Synapse (or reuses the data already in --workdir), registers the users that do not
exist yet, prints one JSON line per user ({"user_id", "access_token", "device_id", ...}) and
then a line `READY <url>`, and serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from pathlib import Path
from typing import Any

__all__ = ["Homeserver", "SynapseError", "start_synapse", "free_port"]

SERVER_NAME = "localhost"
READY_DEADLINE = 60.0  # seconds to wait for GET /health after a (re)start
POLL_INTERVAL = 0.1  # seconds between two /health probes
STOP_DEADLINE = 10.0  # seconds between SIGTERM and SIGKILL
LOG_NAME = "homeserver.log"  # Synapse's own log (python logging, see log.yaml)
CONSOLE_NAME = "console.log"  # the subprocess's stdout+stderr (tracebacks before logging)

_HERE = Path(__file__).resolve().parent

# Rate limits raised so that tests never hit them by accident (default_rate_limits=False).
# The keys are those of synapse/config/ratelimiting.py in the pinned version.
_HIGH = {"per_second": 9999, "burst_count": 9999}
_RAISED_RATE_LIMITS: dict[str, Any] = {
    "rc_message": _HIGH,
    "rc_registration": _HIGH,
    "rc_login": {"address": _HIGH, "account": _HIGH, "failed_attempts": _HIGH},
    "rc_joins": {"local": _HIGH, "remote": _HIGH},
    "rc_joins_per_room": _HIGH,
    "rc_invites": {
        "per_room": {"per_second": 1000, "burst_count": 1000},
        "per_user": {"per_second": 1000, "burst_count": 1000},
        "per_issuer": {"per_second": 1000, "burst_count": 1000},
    },
    "rc_room_creation": _HIGH,
    "rc_admin_redaction": _HIGH,
    "rc_media_create": _HIGH,
    "rc_presence": {"per_user": _HIGH},
    "rc_delayed_event_mgmt": _HIGH,
    "rc_reports": _HIGH,
    "rc_profile": _HIGH,
}


# Every Homeserver started by this process; stopped at interpreter exit if still running, so
# an interrupted test run leaves no Synapse behind (a SIGKILLed one can: see homeserver.pid).
_LIVE: "weakref.WeakSet[Homeserver]" = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for hs in list(_LIVE):
        try:
            hs.stop(deadline=5)
        except Exception:
            pass


class SynapseError(RuntimeError):
    """Synapse failed to start, died, or an admin call failed."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"({path} not readable)"
    return "\n".join(text.splitlines()[-lines:])


def _yaml_scalar(v: Any) -> str:
    # JSON is valid YAML 1.2 flow syntax and PyYAML reads it: no YAML writer needed.
    return json.dumps(v)


def _write_config(workdir: Path, port: int, default_rate_limits: bool, extra: dict | None) -> Path:
    """Writes homeserver.yaml and log.yaml once; a later call keeps the secrets it wrote."""
    cfg_path = workdir / "homeserver.yaml"
    secrets_path = workdir / "secrets.json"
    if secrets_path.exists():
        sec = json.loads(secrets_path.read_text())
    else:
        sec = {
            "registration_shared_secret": secrets.token_hex(16),
            "macaroon_secret_key": secrets.token_hex(32),
            "form_secret": secrets.token_hex(32),
        }
        secrets_path.write_text(json.dumps(sec))
        secrets_path.chmod(0o600)

    log_cfg = {
        "version": 1,
        "formatters": {"precise": {"format": "%(asctime)s %(name)s %(levelname)s %(request)s %(message)s"}},
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "formatter": "precise",
                "filename": str(workdir / LOG_NAME),
                "encoding": "utf8",
            }
        },
        "loggers": {
            "synapse.storage.SQL": {"level": "WARNING"},
            "synapse.storage.prepare_database": {"level": "WARNING"},
            "synapse.storage.background_updates": {"level": "WARNING"},
        },
        "root": {"level": "INFO", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }
    (workdir / "log.yaml").write_text(json.dumps(log_cfg, indent=1) + "\n")

    cfg: dict[str, Any] = {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "report_stats": False,
        "pid_file": str(workdir / "homeserver.pid"),
        # One plain-HTTP listener on loopback with the client API only (the admin API
        # /_synapse/admin and /health are served by it too). No federation listener.
        "listeners": [
            {
                "port": port,
                "type": "http",
                "tls": False,
                "bind_addresses": ["127.0.0.1"],
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(workdir / "homeserver.db")}},
        "log_config": str(workdir / "log.yaml"),
        "media_store_path": str(workdir / "media_store"),
        # Generated by Synapse itself at first start (its default mode generates missing
        # files, then runs), kept across restarts.
        "signing_key_path": str(workdir / f"{SERVER_NAME}.signing.key"),
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],  # never talk to another homeserver
        "registration_shared_secret": sec["registration_shared_secret"],
        "macaroon_secret_key": sec["macaroon_secret_key"],
        "form_secret": sec["form_secret"],
        "enable_registration": False,
        "bcrypt_rounds": 4,
        "presence": {"enabled": False},
        # Things a bot test never needs; each one is work at start or at runtime.
        "enable_metrics": False,
        "url_preview_enabled": False,
        "dynamic_thumbnails": False,
        "user_directory": {"enabled": False},
        "enable_room_list_search": False,
        "max_upload_size": "50M",
    }
    if not default_rate_limits:
        cfg.update(_RAISED_RATE_LIMITS)
    if extra:
        cfg.update(extra)

    lines = ["# Written by tests/matrix/synapse.py; loopback-only test homeserver."]
    lines += [f"{k}: {_yaml_scalar(v)}" for k, v in cfg.items()]
    cfg_path.write_text("\n".join(lines) + "\n")
    cfg_path.chmod(0o600)
    return cfg_path


class Homeserver:
    """A running (or stopped) Synapse; see start_synapse()."""

    def __init__(self, workdir: Path, port: int, config_path: Path, python: str, shared_secret: str):
        self.workdir = workdir
        self.port = port
        self.config_path = config_path
        self.python = python
        self.shared_secret = shared_secret
        self.server_name = SERVER_NAME
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = workdir / LOG_NAME
        self.console_path = workdir / CONSOLE_NAME
        self.proc: subprocess.Popen | None = None
        self.last_start_seconds: float | None = None  # launch -> /health 200, last (re)start
        self._admin: dict | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, deadline: float = READY_DEADLINE) -> "Homeserver":
        if self.proc is not None and self.proc.poll() is None:
            raise SynapseError("Synapse is already running")
        env = dict(os.environ)
        pp = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != _HERE]
        if pp:
            env["PYTHONPATH"] = os.pathsep.join(pp)
        else:
            env.pop("PYTHONPATH", None)
        console = open(self.console_path, "ab")
        t0 = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                [self.python, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own session and process group
            )
        finally:
            console.close()
        _LIVE.add(self)
        try:
            self._wait_ready(t0 + deadline)
        except BaseException:
            self._kill()
            raise
        self.last_start_seconds = time.monotonic() - t0
        return self

    def _wait_ready(self, until: float) -> None:
        assert self.proc is not None
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise SynapseError(f"Synapse exited with code {rc} during start\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > until:
                raise SynapseError(f"Synapse did not answer /health in time\n{self.log_tail()}")
            time.sleep(POLL_INTERVAL)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, deadline: float = STOP_DEADLINE) -> int | None:
        """SIGTERM to Synapse's process group, SIGKILL after `deadline` s. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(deadline)
            except subprocess.TimeoutExpired:
                self._kill()
        rc = self.proc.returncode
        return rc

    def _kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def restart(self) -> "Homeserver":
        """Stops and starts again on the same port with the same database and keys."""
        self.stop()
        return self.start()

    def __enter__(self) -> "Homeserver":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_tail(self, lines: int = 60) -> str:
        return (f"--- {self.log_path} (last {lines} lines)\n{_tail(self.log_path, lines)}\n"
                f"--- {self.console_path}\n{_tail(self.console_path, lines)}")

    # ------------------------------------------------------------------ raw HTTP

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                timeout: float = 15.0, headers: dict | None = None) -> tuple[int, Any, dict]:
        """One HTTP request to the homeserver. Returns (status, parsed JSON or raw text, headers).

        `path` is used as given: percent-encode identifiers yourself (see `q()`).
        """
        data = None
        hdrs = {} if headers is None else dict(headers)
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw, rh = r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            status, raw, rh = e.code, e.read(), dict(e.headers)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return status, parsed, rh

    # ------------------------------------------------------------------ admin API

    def register(self, username: str, password: str | None = None, admin: bool = False,
                 displayname: str | None = None) -> dict:
        """Registers a user with the shared-secret admin API.

        Returns Synapse's answer: {"user_id", "access_token", "device_id", "home_server"},
        plus "password" (the one given, or a generated one). Raises SynapseError otherwise
        (e.g. M_USER_IN_USE). A 429 is waited out (default rate limits).
        """
        password = password if password is not None else secrets.token_urlsafe(12)
        path = "/_synapse/admin/v1/register"
        for _ in range(10):
            st, nonce_body, _h = self.request("GET", path)
            if st != 200:
                raise SynapseError(f"register nonce: HTTP {st} {nonce_body}")
            nonce = nonce_body["nonce"]
            mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
            mac.update(b"\x00".join([nonce.encode(), username.encode(), password.encode(),
                                     b"admin" if admin else b"notadmin"]))
            body = {"nonce": nonce, "username": username, "password": password,
                    "admin": admin, "mac": mac.hexdigest()}
            if displayname:
                body["displayname"] = displayname
            st, out, _h = self.request("POST", path, body)
            if st == 429 and isinstance(out, dict):
                time.sleep(out.get("retry_after_ms", 1000) / 1000)
                continue
            if st != 200:
                raise SynapseError(f"register {username}: HTTP {st} {out}")
            out["password"] = password
            return out
        raise SynapseError(f"register {username}: still rate limited")

    def admin(self) -> dict:
        """A server admin (registered on first use as `wagbot-harness-admin`)."""
        if self._admin is None:
            self._admin = self.register("wagbot-harness-admin", admin=True)
        return self._admin

    def override_ratelimit(self, user_id: str, admin_token: str | None = None,
                           messages_per_second: int = 0, burst_count: int = 0) -> dict:
        """Per-user rate-limit override (0/0 = unlimited). Uses admin() if no token is given."""
        token = admin_token or self.admin()["access_token"]
        st, out, _h = self.request(
            "POST", f"/_synapse/admin/v1/users/{q(user_id)}/override_ratelimit",
            {"messages_per_second": messages_per_second, "burst_count": burst_count}, token=token)
        if st != 200:
            raise SynapseError(f"override_ratelimit {user_id}: HTTP {st} {out}")
        return out

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"


def q(segment: str) -> str:
    """Percent-encodes one URL path segment (room IDs, event IDs, user IDs, types, txn IDs)."""
    return urllib.parse.quote(segment, safe="")


def start_synapse(workdir: str | os.PathLike, port: int = 0, default_rate_limits: bool = False,
                  python: str | None = None, extra_config: dict | None = None,
                  deadline: float = READY_DEADLINE) -> Homeserver:
    """Writes the config into `workdir` (created if needed), starts Synapse, waits for /health.

    port=0 picks a free loopback port. default_rate_limits=False raises every rc_* limit;
    True keeps Synapse's defaults (rc_message 0.2/s, burst 10) so 429 handling can be tested.
    `extra_config` entries are merged into homeserver.yaml (top-level keys replace).
    Re-using a workdir keeps its database, signing key and shared secret.
    """
    wd = Path(workdir).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    if port == 0:
        port = free_port()
    cfg = _write_config(wd, port, default_rate_limits, extra_config)
    secret = json.loads((wd / "secrets.json").read_text())["registration_shared_secret"]
    hs = Homeserver(wd, port, cfg, python or sys.executable, secret)
    return hs.start(deadline)


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Run a loopback Synapse for wagbot tests/demo.")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--default-rate-limits", action="store_true")
    ap.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD")
    ap.add_argument("--admin", action="append", default=[], metavar="NAME")
    a = ap.parse_args(argv)

    hs = start_synapse(a.workdir, a.port, a.default_rate_limits)
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.append(1))  # also when started in the background
    try:
        for spec in a.user:
            name, _, pw = spec.partition(":")
            try:
                reg = hs.register(name, pw or None, admin=name in a.admin)
            except SynapseError as e:
                if "M_USER_IN_USE" not in str(e):
                    raise
                reg = {"user_id": hs.user_id(name), "exists": True}
            print(json.dumps(reg), flush=True)
        print(f"READY {hs.url}", flush=True)
        while not stop and hs.running():
            time.sleep(0.2)
    finally:
        hs.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
