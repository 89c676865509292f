"""Synchronous helpers for driving the Discord simulator from tests (standard library only).

    from control import DiscordSim, DiscordControl, start_discord_sim, stop_discord_sim

    with DiscordSim(config={"heartbeat_interval": 500}) as sim:
        ctl = sim.control
        sim.info["api"]          # "http://127.0.0.1:P/api/v10"
        i = ctl.command("wag", {"host": "nas"}, user_id="2000000000000000001", username="alice")
        ctl.wait_interaction(i["id"], lambda d: d["status"] != "pending")

or: proc, info = start_discord_sim(); ctl = DiscordControl(info["url"]); ...; stop_discord_sim(proc)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SIM_SCRIPT = os.path.join(HERE, "discord_sim.py")
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))


class ControlError(Exception):
    def __init__(self, status: int, body):
        super().__init__(f"control API answered {status}: {body}")
        self.status = status
        self.body = body


class DiscordControl:
    """One method per control call. Every method returns the decoded JSON answer."""

    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    # ------------------------------------------------------------------ transport
    def _call(self, method: str, path: str, body=None, query: dict | None = None):
        url = self.base + "/_control" + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise ControlError(e.code, parsed) from None
        return json.loads(raw) if raw else None

    @staticmethod
    def _q(s) -> str:
        return urllib.parse.quote(str(s), safe="")

    # ------------------------------------------------------------------ general
    def health(self):
        return self._call("GET", "/health")

    def config(self, **config):
        """Partial update; returns the whole configuration. Keys: see README (token,
        application_id, bot_user_id, guilds, heartbeat_interval, message_content_allowed,
        session_start_total, session_start_remaining, bucket_limits, ...)."""
        return self._call("POST", "/config", config)

    def get_config(self):
        return self._call("GET", "/config")

    def reset(self, **config):
        """Forget everything (connections dropped, sessions, messages, interactions, commands,
        requests, buckets), back to the defaults (+ the --config file), then apply `config`."""
        return self._call("POST", "/reset", {"config": config} if config else {})

    # ------------------------------------------------------------------ interactions
    def interaction(self, kind: str, **fields):
        """Raw POST /_control/interaction -> {"id","token","delivered","sessions","interaction"}."""
        body = {"kind": kind}
        body.update({k: v for k, v in fields.items() if v is not None or k == "guild_id"})
        return self._call("POST", "/interaction", body)

    def command(self, name: str, options=None, *, user_id="2000000000000000001", username="alice",
                channel_id=None, **extra):
        """A slash command. `name` may hold sub-commands ("wag host list"); `options` is
        {name: value} (typed from the registered command) or a raw Discord option list."""
        return self.interaction("command", name=name, options=options or {}, user_id=user_id,
                                username=username, channel_id=channel_id, **extra)

    def autocomplete(self, name: str, options: dict, focused: str, *, user_id="2000000000000000001",
                     username="alice", channel_id=None, **extra):
        return self.interaction("autocomplete", name=name, options=options, focused=focused,
                                user_id=user_id, username=username, channel_id=channel_id, **extra)

    def click(self, message_id, custom_id: str, *, user_id="2000000000000000001", username="alice",
              values=None, **extra):
        """A button click (or select, with `values`) on a message the bot sent."""
        return self.interaction("component", message_id=str(message_id), custom_id=custom_id,
                                user_id=user_id, username=username, values=values, **extra)

    def submit_modal(self, custom_id: str, values: dict, *, user_id="2000000000000000001",
                     username="alice", **extra):
        """Submit a modal the bot showed to this user: values = {text_input_custom_id: text}."""
        return self.interaction("modal", custom_id=custom_id, values=values, user_id=user_id,
                                username=username, **extra)

    def get_interaction(self, interaction_id):
        return self._call("GET", "/interactions/" + self._q(interaction_id))

    def interactions(self):
        return self._call("GET", "/interactions")["interactions"]

    def wait_interaction(self, interaction_id, predicate=None, timeout: float = 10.0,
                         interval: float = 0.05):
        """Poll until predicate(interaction) is true (default: the bot acknowledged it)."""
        predicate = predicate or (lambda d: d["acknowledged"])
        return self.wait_for(lambda: self.get_interaction(interaction_id), predicate, timeout, interval)

    # ------------------------------------------------------------------ messages
    def message(self, content: str, *, user_id="2000000000000000001", username="alice",
                channel_id=None, bot: bool = False, **extra):
        """A user posts a message (MESSAGE_CREATE). guild_id=None makes it a DM."""
        body = {"content": content, "user_id": user_id, "username": username, "bot": bot}
        if channel_id is not None:
            body["channel_id"] = str(channel_id)
        body.update(extra)
        return self._call("POST", "/message", body)

    def channel_messages(self, channel_id, include_deleted: bool = False):
        return self._call("GET", f"/channels/{self._q(channel_id)}/messages",
                          query={"include_deleted": "1" if include_deleted else None})["messages"]

    def get_message(self, message_id):
        return self._call("GET", "/messages/" + self._q(message_id))

    def channels(self):
        return self._call("GET", "/channels")["channels"]

    def add_channel(self, channel_id=None, guild_id="default", name=None):
        body = {"id": channel_id, "name": name}
        if guild_id != "default":
            body["guild_id"] = guild_id
        return self._call("POST", "/channels", body)

    # ------------------------------------------------------------------ gateway
    def gateway(self, action: str, **fields):
        body = {"action": action}
        body.update(fields)
        return self._call("POST", "/gateway", body)

    def close(self, code: int, session_id=None, reason=None):
        return self.gateway("close", code=code, session_id=session_id, reason=reason)

    def reconnect(self, session_id=None):
        return self.gateway("reconnect", session_id=session_id)

    def invalid_session(self, resumable: bool, session_id=None):
        return self.gateway("invalid_session", resumable=resumable, session_id=session_id)

    def drop(self, session_id=None):
        return self.gateway("drop", session_id=session_id)

    def stop_acks(self, session_id=None):
        return self.gateway("stop_acks", session_id=session_id)

    def resume_acks(self, session_id=None):
        return self.gateway("resume_acks", session_id=session_id)

    def request_heartbeat(self, session_id=None):
        return self.gateway("heartbeat", session_id=session_id)

    def dispatch(self, t: str, d, guild_id=None):
        return self.gateway("dispatch", t=t, d=d, guild_id=guild_id)

    def gateway_state(self):
        return self._call("GET", "/gateway")

    def wait_ready(self, timeout: float = 10.0, count: int = 1):
        """Wait until `count` identifies succeeded and a session is connected."""
        return self.wait_for(self.gateway_state,
                             lambda g: g["identifies"] >= count and any(s["connected"] for s in g["sessions"]),
                             timeout)

    # ------------------------------------------------------------------ rate limits and requests
    def storm(self, route: str, count: int, retry_after: float = 0.5, scope: str = "user"):
        """The next `count` calls on `route` ("POST /channels/{id}/messages") answer 429."""
        return self._call("POST", "/ratelimit", {"route": route, "storm": count,
                                                 "retry_after": retry_after, "scope": scope})

    def ratelimit(self, **fields):
        """bucket_limits={...}, global_limit=N, clear_buckets=True, clear_ban=True, or a storm."""
        return self._call("POST", "/ratelimit", fields)

    def ratelimit_state(self):
        return self._call("GET", "/ratelimit")

    def requests(self, path_contains=None, method=None):
        return self._call("GET", "/requests", query={"path_contains": path_contains,
                                                     "method": method})["requests"]

    def clear_requests(self):
        return self._call("DELETE", "/requests")

    def commands(self, guild_id=None):
        return self._call("GET", "/commands", query={"guild_id": guild_id})["commands"]

    # ------------------------------------------------------------------ polling
    @staticmethod
    def wait_for(fetch, predicate, timeout: float = 10.0, interval: float = 0.05):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = fetch()
            if predicate(last):
                return last
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s; last: {str(last)[:2000]}")
            time.sleep(interval)


# ---------------------------------------------------------------------- process management

def _default_python() -> str:
    venv = os.path.join(REPO_ROOT, ".venv", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable


def start_discord_sim(port: int = 0, config: dict | str | None = None, python: str | None = None,
                      timeout: float = 15.0, extra_args=()):
    """Launch the simulator; returns (process, info) once it listens.
    info = {"url","api","gateway"}. `config`: a /_control/config body (dict) or a JSON path;
    it is applied at start and after every reset."""
    tmpdir = tempfile.mkdtemp(prefix="discord-sim-")
    ready = os.path.join(tmpdir, "ready.json")
    args = [python or _default_python(), SIM_SCRIPT, "--port", str(port), "--ready-file", ready]
    if config is not None:
        if isinstance(config, dict):
            path = os.path.join(tmpdir, "config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            config = path
        args += ["--config", str(config)]
    record_dir = os.environ.get("WAGBOT_RECORD_DIR")  # scripts/suites: for the secrets scan
    if record_dir:
        os.makedirs(record_dir, exist_ok=True)
        args += ["--record", os.path.join(record_dir, f"discord-replies-{os.path.basename(tmpdir)}.jsonl")]
    args += list(extra_args)
    stderr_path = os.path.join(tmpdir, "stderr.log")
    stderr = open(stderr_path, "w")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    stderr.close()
    proc.sim_tmpdir = tmpdir          # type: ignore[attr-defined]
    proc.sim_stderr = stderr_path     # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(ready):
            with open(ready) as f:
                info = json.load(f)
            proc.sim_info = info      # type: ignore[attr-defined]
            return proc, info
        if proc.poll() is not None:
            with open(stderr_path) as f:
                raise RuntimeError(f"discord simulator exited with {proc.returncode}: {f.read()}")
        time.sleep(0.05)
    stop_discord_sim(proc)
    raise TimeoutError(f"discord simulator not ready after {timeout}s")


def stop_discord_sim(proc, timeout: float = 5.0) -> int:
    """SIGTERM, then SIGKILL if it does not exit in time. Returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


stop = stop_discord_sim


class DiscordSim:
    """Context manager around start_discord_sim/stop_discord_sim."""

    def __init__(self, config: dict | None = None, **kwargs):
        self._config = config
        self._kwargs = kwargs
        self.process = None
        self.info: dict = {}

    def start(self) -> "DiscordSim":
        self.process, self.info = start_discord_sim(config=self._config, **self._kwargs)
        return self

    @property
    def control(self) -> DiscordControl:
        return DiscordControl(self.info["url"])

    @property
    def url(self) -> str:
        return self.info["url"]

    @property
    def api(self) -> str:
        return self.info["api"]

    @property
    def gateway_url(self) -> str:
        return self.info["gateway"]

    def stop(self) -> int | None:
        if self.process is None:
            return None
        return stop_discord_sim(self.process)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
