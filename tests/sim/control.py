"""Synchronous helpers for driving the WAGMIOS simulator from tests (standard library only).

    from control import start_simulator, stop_simulator, SimControl

    proc, info = start_simulator(hosts=["nas", "media"])
    ctl = SimControl(info["control"])
    key = ctl.add_key("nas", label="alice", scopes=["containers:read"], role="agent")["key"]
    ...
    stop_simulator(proc)

or, as a context manager:

    with Simulator(hosts=["nas"]) as sim:
        sim.control.set_faults("nas", status=502, count=1)
        sim.hosts["nas"]   # "http://127.0.0.1:PORT"
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
SIM_SCRIPT = os.path.join(HERE, "wagmios_sim.py")
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))


class ControlError(Exception):
    def __init__(self, status: int, body):
        super().__init__(f"control API answered {status}: {body}")
        self.status = status
        self.body = body


class SimControl:
    """One method per control call. Every method returns the decoded JSON answer."""

    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    # ------------------------------------------------------------------ transport
    def _call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
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
    def _h(host: str) -> str:
        return "/_control/hosts/" + urllib.parse.quote(host, safe="")

    @staticmethod
    def _q(s: str) -> str:
        return urllib.parse.quote(s, safe="")

    # ------------------------------------------------------------------ general
    def health(self):
        return self._call("GET", "/_control/health")

    def hosts(self):
        return self._call("GET", "/_control/hosts")["hosts"]

    # ------------------------------------------------------------------ keys
    def add_key(self, host: str, label: str = "test", scopes=("*",), role: str = "admin",
                key: str | None = None, key_id: str | None = None) -> dict:
        """-> {"key": "wag_live_...", "id": ..., "label", "scopes", "role"}"""
        body = {"label": label, "scopes": list(scopes), "role": role}
        if key is not None:
            body["key"] = key
        if key_id is not None:
            body["id"] = key_id
        return self._call("POST", self._h(host) + "/keys", body)

    def list_keys(self, host: str):
        return self._call("GET", self._h(host) + "/keys")

    def delete_key(self, host: str, key_id: str):
        return self._call("DELETE", self._h(host) + "/keys/" + self._q(key_id))

    def setup_token(self, host: str) -> str:
        """The current one-time token ("" once a setup request has used it up)."""
        return self._call("GET", self._h(host) + "/setup-token")["setup_token"]

    def new_setup_token(self, host: str) -> str:
        """A fresh token (the real server's restart with WAGMIOS_RESET_KEY=1)."""
        return self._call("POST", self._h(host) + "/setup-token")["setup_token"]

    # ------------------------------------------------------------------ docker, from outside
    def add_container(self, host: str, name: str, image: str = "alpine:3.20",
                      status: str = "running", ports=None, **extra) -> dict:
        body = {"name": name, "image": image, "status": status, "ports": ports or []}
        body.update(extra)
        return self._call("POST", self._h(host) + "/containers", body)

    def set_container_state(self, host: str, name: str, status: str, log: str | None = None):
        body = {"status": status}
        if log is not None:
            body["log"] = log
        return self._call("POST", f"{self._h(host)}/containers/{self._q(name)}/state", body)

    def crash(self, host: str, name: str):
        return self.set_container_state(host, name, "exited")

    def append_logs(self, host: str, name: str, lines):
        return self._call("POST", f"{self._h(host)}/containers/{self._q(name)}/logs",
                          {"lines": list(lines)})

    def remove_container(self, host: str, name: str):
        return self._call("DELETE", f"{self._h(host)}/containers/{self._q(name)}")

    def exit_on_start(self, host: str, container: str | None = None, image: str | None = None,
                      exit_code: int = 1, logs=(), after_ms: int = 0):
        """Make the process of `container` (name or id), or of every container of `image`,
        exit as soon as it starts: start/restart/create/marketplace start still succeed,
        then the container is `exited` with `logs` appended. -> {"rules": [...]}"""
        body = {"exit_code": exit_code, "logs": list(logs), "after_ms": after_ms}
        if container is not None:
            body["container"] = container
        if image is not None:
            body["image"] = image
        return self._call("POST", self._h(host) + "/exit-on-start", body)

    def exit_rules(self, host: str):
        return self._call("GET", self._h(host) + "/exit-on-start")["rules"]

    def clear_exit_rules(self, host: str):
        return self._call("DELETE", self._h(host) + "/exit-on-start")

    def take_host_port(self, host: str, port, protocol: str = "tcp"):
        """A process outside docker listens on `port`: publishing it fails ("address already
        in use"). -> {"host_ports": [{"port", "protocol"}]}"""
        return self._call("POST", self._h(host) + "/host-ports",
                          {"port": str(port), "protocol": protocol})

    def free_host_port(self, host: str, port):
        return self._call("DELETE", f"{self._h(host)}/host-ports/{self._q(str(port))}")

    def host_ports(self, host: str):
        return self._call("GET", self._h(host) + "/host-ports")["host_ports"]

    def docker_down(self, host: str):
        """The docker daemon stops (the WAGMIOS API keeps answering)."""
        return self.set_config(host, docker_available=False)

    def docker_up(self, host: str):
        return self.set_config(host, docker_available=True)

    def registry_down(self, host: str):
        """Docker Hub cannot be reached: pulls of any image, and runs of missing ones, fail."""
        return self.set_config(host, registry_available=False)

    def add_image(self, host: str, image: str, **extra):
        body = {"image": image}
        body.update(extra)
        return self._call("POST", self._h(host) + "/images", body)

    # ------------------------------------------------------------------ faults and availability
    def set_faults(self, host: str, latency_ms: int = 0, status: int | None = None,
                   garbage: bool = False, drop: bool = False, path_prefix: str | None = None,
                   count: int | None = None, body: str | None = None,
                   content_type: str | None = None, reset: bool = False):
        return self._call("POST", self._h(host) + "/faults", {
            "latency_ms": latency_ms, "status": status, "garbage": garbage, "drop": drop,
            "reset": reset, "path_prefix": path_prefix, "count": count, "body": body,
            "content_type": content_type})

    def get_faults(self, host: str):
        return self._call("GET", self._h(host) + "/faults")

    def clear_faults(self, host: str):
        return self._call("DELETE", self._h(host) + "/faults")

    def down(self, host: str):
        return self._call("POST", self._h(host) + "/down")

    def up(self, host: str):
        return self._call("POST", self._h(host) + "/up")

    # ------------------------------------------------------------------ configuration
    def set_config(self, host: str, **config):
        """rate_limit, rate_window_s, pull_latency_ms, start_latency_ms, write_timeout_ms,
        port_conflicts, marketplace_available, docker_available, registry_available"""
        return self._call("POST", self._h(host) + "/config", config)

    def get_config(self, host: str):
        return self._call("GET", self._h(host) + "/config")

    # ------------------------------------------------------------------ observation
    def requests(self, host: str):
        return self._call("GET", self._h(host) + "/requests")

    def clear_requests(self, host: str):
        return self._call("DELETE", self._h(host) + "/requests")

    def state(self, host: str):
        return self._call("GET", self._h(host) + "/state")

    def activity(self, host: str):
        return self._call("GET", self._h(host) + "/activity")

    def reset(self, host: str, seed_keys: bool = False):
        return self._call("POST", self._h(host) + "/reset", {"seed_keys": seed_keys})


# ---------------------------------------------------------------------- process management

def _default_python() -> str:
    venv = os.path.join(REPO_ROOT, ".venv", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable


def start_simulator(hosts=("nas",), seed=None, control_port: int = 0, python: str | None = None,
                    timeout: float = 15.0, extra_args=()):
    """Launch the simulator; returns (process, info) once it listens.

    `hosts`: names, or "name:port" for a fixed port. `seed`: a dict (written to a temp file)
    or a path. `info` is {"control": url, "hosts": {name: url}}.
    """
    tmpdir = tempfile.mkdtemp(prefix="wagmios-sim-")
    ready = os.path.join(tmpdir, "ready.json")
    args = [python or _default_python(), SIM_SCRIPT, "--control-port", str(control_port),
            "--ready-file", ready]
    for h in hosts:
        args += ["--host", h]
    if seed is not None:
        if isinstance(seed, dict):
            path = os.path.join(tmpdir, "seed.json")
            with open(path, "w") as f:
                json.dump(seed, f)
            seed = path
        args += ["--seed", str(seed)]
    args += list(extra_args)
    stderr_path = os.path.join(tmpdir, "stderr.log")
    stderr = open(stderr_path, "w")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr,
                            start_new_session=True)
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
                raise RuntimeError(f"simulator exited with {proc.returncode}: {f.read()}")
        time.sleep(0.05)
    stop_simulator(proc)
    raise TimeoutError(f"simulator not ready after {timeout}s")


def stop_simulator(proc, timeout: float = 5.0) -> int:
    """SIGTERM, then SIGKILL if it does not exit in time. Returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


stop = stop_simulator


class Simulator:
    """Context manager around start_simulator/stop_simulator."""

    def __init__(self, hosts=("nas",), seed=None, **kwargs):
        self._args = (hosts, seed)
        self._kwargs = kwargs
        self.process = None
        self.info: dict = {}

    def start(self) -> "Simulator":
        self.process, self.info = start_simulator(*self._args, **self._kwargs)
        return self

    @property
    def control(self) -> SimControl:
        return SimControl(self.info["control"])

    @property
    def hosts(self) -> dict:
        return self.info["hosts"]

    def stop(self) -> int | None:
        if self.process is None:
            return None
        return stop_simulator(self.process)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
