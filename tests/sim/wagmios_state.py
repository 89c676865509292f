"""State of one simulated WAGMIOS host: keys, Docker objects, activity feed, limits.

Nothing here does I/O; `wagmios_api.py` turns HTTP requests into calls on a `HostState`
and `wagmios_control_api.py` manipulates it from the side ("outside the API").
"""

from __future__ import annotations

import base64
import os
import copy
import datetime as dt
import hashlib
import json
import re
import secrets
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

KEY_PREFIX = "wag_live_"
PROTECTED_NAMES = ("wagmios-backend", "wagmios-frontend")
# Where the real server writes marketplace installs; also the only directory bind
# mounts of POST /api/containers may come from.
MANAGED_ROOT = "/app/data/containers"
DOCKER_ROOT = "/var/lib/docker"
MAX_EVENTS = 500          # events kept in memory by the real feed
RECENT_EVENTS = 100       # events returned by GET /api/activity
ALL_SCOPES = (
    "containers:read", "containers:write", "containers:delete", "images:read", "images:write",
    "templates:read", "templates:write", "marketplace:read", "marketplace:write", "system:read",
    "secrets:write", "keys:write",
)
CONTAINER_STATUSES = ("running", "exited", "created", "paused", "restarting", "removing", "dead")


# --------------------------------------------------------------------------- helpers

def generate_key() -> str:
    """`wag_live_` + base64url of 32 random bytes with `=` padding: 53 characters. Under
    scripts/suites (WAGBOT_RECORD_DIR) every key made is noted there, so that the secrets scan
    can look for each key's body too, not only for the `wag_live_` prefix."""
    key = KEY_PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    record = os.environ.get("WAGBOT_RECORD_DIR")
    if record:
        os.makedirs(record, exist_ok=True)
        with open(os.path.join(record, f"wagmios-keys-{os.getpid()}.txt"), "a") as f:
            f.write(key + "\n")
    return key


def key_suffix(key: str | None) -> str | None:
    if not key:
        return None
    return key[-8:]


def rfc3339(ts: float | None = None) -> str:
    """Go's time.Time JSON form (RFC3339Nano, UTC, up to 9 fraction digits, trailing zeros
    trimmed)."""
    ns = time.time_ns() if ts is None else int(round(ts * 1e9))
    secs, frac_ns = divmod(ns, 1_000_000_000)
    d = dt.datetime.fromtimestamp(secs, dt.timezone.utc)
    frac = f"{frac_ns:09d}".rstrip("0")
    return d.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def rfc3339_seconds(ts: float | None = None) -> str:
    """time.RFC3339 (whole seconds), as /api/settings, setup and key creation send."""
    d = dt.datetime.fromtimestamp(int(time.time() if ts is None else ts), dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def docker_time(ts: float) -> str:
    d = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def human_since(ts: float, now: float | None = None) -> str:
    """docker's units.HumanDuration + " ago"."""
    s = max(0, int((now or time.time()) - ts))
    if s < 1:
        return "Less than a second ago"
    if s == 1:
        return "1 second ago"
    if s < 60:
        return f"{s} seconds ago"
    m = s // 60
    if m == 1:
        return "About a minute ago"
    if m < 60:
        return f"{m} minutes ago"
    h = round(s / 3600)
    if h == 1:
        return "About an hour ago"
    if h < 48:
        return f"{h} hours ago"
    if h < 24 * 7 * 2:
        return f"{h // 24} days ago"
    if h < 24 * 30 * 2:
        return f"{h // 24 // 7} weeks ago"
    if h < 24 * 365 * 2:
        return f"{h // 24 // 30} months ago"
    return f"{h // 24 // 365} years ago"


def stable_hex(*parts: str, n: int = 64) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def parse_image_ref(ref: str) -> tuple[str, str]:
    """'nginx' -> ('nginx','latest'); 'docker.io/library/redis:7' -> ('redis','7')."""
    ref = ref.split("@", 1)[0]
    repo, tag = ref, "latest"
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        repo, tag = ref[:colon], ref[colon + 1:]
    for p in ("docker.io/library/", "index.docker.io/library/", "library/"):
        if repo.startswith(p):
            repo = repo[len(p):]
            break
    if repo.startswith("docker.io/"):
        repo = repo[len("docker.io/"):]
    return repo, tag


# What docker prints when the daemon is down / the registry cannot be reached.
DAEMON_DOWN_TEXT = ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                    "Is the docker daemon running?\n")
REGISTRY_DOWN_TEXT = ('Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: '
                      "lookup registry-1.docker.io: no such host\n")

_REF_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_REF_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)"
_REF_RE = re.compile(rf"^(?:{_REF_DOMAIN}/)?{_REF_COMPONENT}(?:/{_REF_COMPONENT})*"
                     r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$")


def reference_error(ref: str) -> str | None:
    """docker's reference check: None when `ref` is a valid image reference, else what
    docker prints ("invalid reference format", with the reason for an upper-case name)."""
    if _REF_RE.match(ref):
        return None
    if _REF_RE.match(ref.lower()):
        repo = ref.split("@")[0]
        if repo.rfind(":") > repo.rfind("/"):
            repo = repo[:repo.rfind(":")]
        if "/" not in repo:
            repo = "library/" + repo
        return f"invalid reference format: repository name ({repo}) must be lowercase"
    return "invalid reference format"


def image_ref_fails(ref: str) -> bool:
    """Images the simulated registry does not have."""
    repo, _ = parse_image_ref(ref)
    return any(part.startswith("doesnotexist") or part.startswith("nonexistent")
               for part in repo.split("/"))


def pull_denied_message(ref: str) -> str:
    """The daemon's refusal (no trailing newline: callers place it in the CLI's text)."""
    repo, _ = parse_image_ref(ref)
    return (f"Error response from daemon: pull access denied for {repo}, repository does not exist "
            f"or may require 'docker login': denied: requested access to the resource is denied")


def docker_run_text(reason: str) -> str:
    """`docker run` wraps a daemon error: "docker: <reason>.\nSee 'docker run --help'.\n"."""
    return f"docker: {reason.rstrip().rstrip('.')}.\nSee 'docker run --help'.\n"


# --------------------------------------------------------------------------- objects

@dataclass
class Key:
    id: str
    key: str
    label: str
    scopes: list[str]
    role: str
    created_at: float = field(default_factory=time.time)
    last_used_at: float = field(default_factory=time.time)

    @property
    def suffix(self) -> str:
        return self.key[-8:]

    def has_scope(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes

    def settings_json(self) -> dict:
        """GET /api/settings: times in whole seconds."""
        return {"id": self.id, "key_prefix": self.suffix + "...", "scopes": list(self.scopes),
                "created_at": rfc3339_seconds(self.created_at),
                "last_used_at": rfc3339_seconds(self.last_used_at),
                "label": self.label, "role": self.role}

    def meta_json(self) -> dict:
        """`meta` of setup and key-creation answers: "<last 8>...", no hash, whole seconds."""
        return {"id": self.id, "key_prefix": self.suffix + "...",
                "scopes": list(self.scopes), "created_at": rfc3339_seconds(self.created_at),
                "last_used_at": rfc3339_seconds(self.last_used_at), "label": self.label,
                "role": self.role}

    def list_json(self) -> dict:
        """An item of GET /api/keys: RFC3339 with nanoseconds."""
        return {"id": self.id, "key_prefix": self.suffix + "...", "label": self.label,
                "role": self.role, "scopes": list(self.scopes),
                "created_at": rfc3339(self.created_at), "last_used_at": rfc3339(self.last_used_at)}


@dataclass
class Container:
    id: str
    name: str
    image: str
    status: str = "running"
    # each: {"host": "8080", "container": "80", "protocol": "tcp", "dual": bool}
    ports: list[dict] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    logs: list[str] = field(default_factory=list)
    env: list[dict] = field(default_factory=list)
    volumes: list[dict] = field(default_factory=list)
    project: str | None = None
    exit_code: int | None = None
    # Docker's health check result; WAGMIOS never shows it (`status` stays "running").
    health: str | None = None

    def to_json(self) -> dict:
        # CHOICE: published ports are listed only while the container is up (as `docker ps`).
        out_ports = []
        if self.status in ("running", "paused"):
            for p in self.ports:
                b = {"host": str(p["host"]), "container": str(p["container"]),
                     "protocol": p.get("protocol", "tcp")}
                out_ports.append(b)
                if p.get("dual"):
                    out_ports.append(dict(b))
        return {"id": self.id, "name": self.name, "image": self.image, "status": self.status,
                "ports": out_ports}


@dataclass
class Image:
    id: str               # full 64-hex (without sha256:)
    repository: str
    tag: str
    created: float
    size: str
    digest: str = "<none>"
    virtual_size: str | None = None

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}"

    def to_json(self) -> dict:
        return {"Containers": "N/A", "CreatedAt": docker_time(self.created),
                "CreatedSince": human_since(self.created), "Digest": self.digest,
                "ID": self.short_id, "Repository": self.repository, "SharedSize": "N/A",
                "Size": self.size, "Tag": self.tag, "UniqueSize": "N/A",
                "VirtualSize": self.virtual_size or self.size}


# --------------------------------------------------------------------------- logs

def _stamp(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y/%m/%d %H:%M:%S")


def startup_logs(name: str, image: str, ts: float | None = None) -> list[str]:
    ts = ts or time.time()
    s = _stamp(ts)
    img = image.lower()
    if "nginx" in img:
        return [f"/docker-entrypoint.sh: Configuration complete; ready for start up",
                f"{s} [notice] 1#1: using the \"epoll\" event method",
                f"{s} [notice] 1#1: nginx/1.27.2",
                f"{s} [notice] 1#1: start worker processes"]
    if "postgres" in img:
        return [f"{s}.000 UTC [1] LOG:  starting PostgreSQL 16.4 on x86_64-pc-linux-musl",
                f"{s}.010 UTC [1] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
                f"{s}.120 UTC [1] LOG:  database system is ready to accept connections"]
    if "redis" in img:
        return ["1:C Redis version=7.2.5, bits=64, commit=00000000, modified=0, pid=1, just started",
                "1:M * Running mode=standalone, port=6379.",
                "1:M * Server initialized", "1:M * Ready to accept connections tcp"]
    if "jellyfin" in img:
        return [f"[{s}] [INF] [1] Main: Jellyfin version: 10.10.1",
                f"[{s}] [INF] [1] Main: Startup complete 0:00:04.2"]
    if "wagmios" in img:
        return [f"{s} WAGMIOS {name} starting", f"{s} Listening on :5179" if "backend" in name
                else f"{s} ready - started server on 0.0.0.0:3000"]
    return [f"{s} {name}: starting", f"{s} {name}: ready"]


def filler_logs(name: str, image: str, count: int, start: float) -> list[str]:
    out = []
    for i in range(count):
        ts = start + i * 37
        if "nginx" in image:
            d = dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
            out.append(f'172.17.0.1 - - [{d}] "GET /index.html?n={i} HTTP/1.1" 200 615 "-" "curl/8.5.0" "-"')
        elif "postgres" in image:
            out.append(f"{_stamp(ts)}.000 UTC [{60 + i}] LOG:  checkpoint complete: wrote {i % 40} buffers")
        else:
            out.append(f"{_stamp(ts)} {name}: heartbeat {i}")
    return out


# --------------------------------------------------------------------------- defaults

DAY = 86400.0


def default_images(now: float) -> list[dict]:
    return [
        {"ref": "ghcr.io/mentholmike/wagmios-backend:latest", "size": "48.3MB", "age": 9 * DAY},
        {"ref": "ghcr.io/mentholmike/wagmios-frontend:latest", "size": "212MB", "age": 9 * DAY},
        {"ref": "nginx:alpine", "size": "52.5MB", "age": 41 * DAY},
        {"ref": "postgres:16", "size": "435MB", "age": 55 * DAY},
        {"ref": "redis:7-alpine", "size": "41.2MB", "age": 70 * DAY},
        {"ref": "jellyfin/jellyfin:latest", "size": "1.49GB", "age": 20 * DAY},
        {"ref": "hello-world:latest", "size": "13.3kB", "age": 560 * DAY},
        {"ref": "alpine:3.20", "size": "7.8MB", "age": 120 * DAY},
    ]


def default_containers() -> list[dict]:
    return [
        {"name": "wagmios-backend", "image": "ghcr.io/mentholmike/wagmios-backend:latest",
         "status": "running", "ports": [{"host": "5179", "container": "5179", "protocol": "tcp"}],
         "age": 9 * DAY},
        {"name": "wagmios-frontend", "image": "ghcr.io/mentholmike/wagmios-frontend:latest",
         "status": "running", "ports": [{"host": "5174", "container": "3000", "protocol": "tcp"}],
         "age": 9 * DAY - 60},
        {"name": "nginx", "image": "nginx:alpine", "status": "running",
         "ports": [{"host": "8080", "container": "80", "protocol": "tcp", "dual": True}],
         "age": 30 * DAY, "log_lines": 150},
        {"name": "postgres", "image": "postgres:16", "status": "running", "ports": [],
         "age": 28 * DAY, "log_lines": 20},
        {"name": "redis", "image": "redis:7-alpine", "status": "exited", "ports": [],
         "age": 27 * DAY},
        {"name": "jellyfin", "image": "jellyfin/jellyfin:latest", "status": "running",
         "ports": [{"host": "8096", "container": "8096", "protocol": "tcp"}], "age": 12 * DAY},
    ]


def default_templates() -> list[dict]:
    return [
        {"name": "static-site", "image": "nginx:alpine",
         "ports": [{"host": "8081", "container": "80"}], "volumes": [], "env": [],
         "privileged": False, "network": "bridge", "capabilities": [], "devices": []},
        {"name": "postgres-dev", "image": "postgres:16",
         "ports": [{"host": "5433", "container": "5432"}],
         "volumes": [{"host": "pgdata", "container": "/var/lib/postgresql/data"}],
         "env": [{"key": "POSTGRES_PASSWORD", "value": "changeme"}],
         "privileged": False, "network": "bridge", "capabilities": [], "devices": []},
    ]


# --------------------------------------------------------------------------- limits

class RateLimiter:
    """Rolling window per identity (key id or "ip:<addr>"); denied calls are not counted."""

    def __init__(self, limit: int = 100, window: float = 60.0):
        self.limit = limit
        self.window = window
        self.hits: dict[str, deque] = {}

    def allow(self, ident: str) -> bool:
        now = time.monotonic()
        q = self.hits.setdefault(ident, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        if len(q) >= self.limit:
            return False
        q.append(now)
        return True

    def clear(self):
        self.hits.clear()


@dataclass
class Faults:
    latency_ms: int = 0
    status: int | None = None
    garbage: bool = False
    drop: bool = False
    reset: bool = False
    path_prefix: str | None = None
    count: int | None = None
    body: str | None = None
    content_type: str | None = None

    def active(self) -> bool:
        return bool(self.latency_ms or self.status or self.garbage or self.drop or self.reset)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def default_config() -> dict:
    return {"rate_limit": 100, "rate_window_s": 60.0, "pull_latency_ms": 0,
            "start_latency_ms": 0, "write_timeout_ms": 120_000, "port_conflicts": False,
            "marketplace_available": True, "docker_available": True, "registry_available": True}


# --------------------------------------------------------------------------- activity

class ActivityFeed:
    def __init__(self):
        self.events: list[dict] = []
        self.subscribers: set = set()      # one asyncio.Queue per WebSocket client
        self.pulls = 0
        self.hourly: dict[int, int] = {}   # hour number (epoch//3600) -> request count

    def count_request(self):
        h = int(time.time() // 3600)
        self.hourly[h] = self.hourly.get(h, 0) + 1
        for old in [k for k in self.hourly if k <= h - 24]:
            del self.hourly[old]

    def by_hour(self) -> list[int]:
        h = int(time.time() // 3600)
        return [self.hourly.get(h - 23 + i, 0) for i in range(24)]

    def log(self, type_: str, action: str, target: str, status: str, agent: str,
            details=None, scope: str | None = None) -> dict:
        ev = {"id": secrets.token_hex(8), "timestamp": rfc3339(), "type": type_,
              "action": action, "target": target, "status": status, "agent": agent}
        if details not in (None, "", {}):
            ev["details"] = details
        if scope:
            ev["scope"] = scope
        self.events.append(ev)
        if len(self.events) > MAX_EVENTS:
            del self.events[: len(self.events) - MAX_EVENTS]
        text = json.dumps(ev, separators=(",", ":"))
        for q in list(self.subscribers):
            q.put_nowait(text)
        return ev


# --------------------------------------------------------------------------- host

class DockerError(Exception):
    """A failed docker CLI call; message is what the CLI printed."""


class HostState:
    def __init__(self, name: str, seed: dict | None = None):
        self.name = name
        self.seed = copy.deepcopy(seed) if seed else None
        self.started = time.time()
        self.config = default_config()
        self.faults = Faults()
        self.requests: list[dict] = []
        self.limiter = RateLimiter()
        self.feed = ActivityFeed()
        self.reset(with_seed_keys=True)

    # -- lifecycle ------------------------------------------------------------------
    def reset(self, with_seed_keys: bool = False):
        now = time.time()
        self.keys: dict[str, Key] = {}
        self.containers: dict[str, Container] = {}
        self.images: dict[str, Image] = {}
        self.templates: dict[str, dict] = {}
        self.installs: dict[str, dict] = {}   # compose_path -> install record
        # Host ports held by processes outside docker: {(port, protocol)}.
        self.host_ports: set[tuple[str, str]] = set()
        # Containers/images whose process exits as soon as it starts.
        self.exit_rules: list[dict] = []
        self.setup_token = "wag_setup_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self.config = default_config()
        self.faults = Faults()
        self.requests = []
        self.limiter = RateLimiter(self.config["rate_limit"], self.config["rate_window_s"])
        old_subs = self.feed.subscribers if hasattr(self, "feed") else set()
        self.feed = ActivityFeed()
        self.feed.subscribers = old_subs
        seed = self.seed or {}

        images = seed.get("images")
        if images is None:
            images = default_images(now)
        for spec in images:
            self.add_image_spec(spec, now)

        containers = seed.get("containers")
        if containers is None:
            containers = default_containers()
        for spec in containers:
            self.add_container_spec(spec, now)

        templates = seed.get("templates")
        for t in (default_templates() if templates is None else templates):
            self.templates[t["name"]] = copy.deepcopy(t)

        if with_seed_keys:
            for k in seed.get("keys", []):
                self.add_key(label=k.get("label", "seed"), scopes=k.get("scopes", ["*"]),
                             role=k.get("role", "admin"), key=k.get("key"), key_id=k.get("id"))

    # -- keys -------------------------------------------------------------------------
    def add_key(self, label: str, scopes: list[str], role: str = "agent",
                key: str | None = None, key_id: str | None = None) -> Key:
        k = Key(id=key_id or str(uuid.uuid4()), key=key or generate_key(), label=label,
                scopes=list(scopes), role=role)
        if any(existing.key == k.key for existing in self.keys.values()):
            raise ValueError("key already exists on this host")
        self.keys[k.id] = k
        return k

    def find_key(self, key: str) -> Key | None:
        for k in self.keys.values():
            if secrets.compare_digest(k.key.encode(), key.encode()):
                return k
        return None

    # -- images ---------------------------------------------------------------------
    def add_image_spec(self, spec: dict, now: float | None = None) -> Image:
        now = now or time.time()
        if "ref" in spec or "image" in spec:
            repo, tag = parse_image_ref(spec.get("ref") or spec["image"])
            created = now - float(spec.get("age", 30 * DAY))
            size = spec.get("size", "120MB")
            full = spec.get("id") or stable_hex("image", repo, tag)
            digest = spec.get("digest") or ("sha256:" + stable_hex("digest", repo, tag))
            if spec.get("local"):
                digest = "<none>"     # built on the host, never pushed: no repo digest
        else:  # docker-CLI shaped
            repo, tag = spec.get("Repository", "<none>"), spec.get("Tag", "latest")
            created = now - float(spec.get("age", 30 * DAY))
            size = spec.get("Size", "120MB")
            full = spec.get("ID") or stable_hex("image", repo, tag)
            digest = spec.get("Digest") or ("sha256:" + stable_hex("digest", repo, tag))
        full = full.removeprefix("sha256:")
        if len(full) < 64:
            full = (full + stable_hex("pad", full))[:64]
        img = Image(id=full, repository=repo, tag=tag, created=created, size=size, digest=digest,
                    virtual_size=spec.get("virtual_size") or spec.get("VirtualSize"))
        self.images[img.id] = img
        return img

    def image_by_ref(self, ref: str) -> Image | None:
        repo, tag = parse_image_ref(ref)
        for img in self.images.values():
            if img.repository == repo and img.tag == tag:
                return img
        return None

    def find_image(self, ident: str) -> Image | None:
        """docker rmi resolution: repo:tag, full id, then unique id prefix."""
        ident = ident.removeprefix("sha256:")
        if ":" in ident or not re.fullmatch(r"[0-9a-f]+", ident):
            return self.image_by_ref(ident)
        matches = [i for i in self.images.values() if i.id.startswith(ident)]
        return matches[0] if len(matches) == 1 else None

    def ensure_image(self, ref: str) -> tuple[Image, bool]:
        """Returns (image, pulled_now)."""
        img = self.image_by_ref(ref)
        if img:
            return img, False
        repo, tag = parse_image_ref(ref)
        img = Image(id=secrets.token_hex(32), repository=repo, tag=tag,
                    created=time.time() - 6 * DAY, size=f"{secrets.randbelow(400) + 20}MB",
                    digest="sha256:" + secrets.token_hex(32))
        self.images[img.id] = img
        return img, True

    def images_json(self) -> list[dict]:
        return [i.to_json() for i in sorted(self.images.values(), key=lambda i: -i.created)]

    # -- containers -----------------------------------------------------------------
    def add_container_spec(self, spec: dict, now: float | None = None) -> Container:
        now = now or time.time()
        name = spec["name"]
        if self.container_by_name(name):
            raise DockerError(f'Conflict. The container name "/{name}" is already in use')
        ports = []
        for p in spec.get("ports") or []:
            ports.append({"host": str(p.get("host", "")), "container": str(p.get("container", "")),
                          "protocol": p.get("protocol", "tcp"), "dual": bool(p.get("dual"))})
        status = spec.get("status", "running")
        created = now - float(spec.get("age", 0))
        c = Container(id=spec.get("id") or stable_hex("container", self.name, name, str(now)),
                      name=name, image=spec.get("image", "alpine:3.20"), status=status,
                      ports=ports, created=created, project=spec.get("project"),
                      health=spec.get("health"))
        c.logs = list(spec.get("logs") or [])
        if not c.logs:
            c.logs = startup_logs(name, c.image, created)
            c.logs += filler_logs(name, c.image, int(spec.get("log_lines", 5)), created + 5)
            if status == "exited":
                c.logs.append(f"{_stamp(now - 3600)} {name}: received SIGTERM, shutting down")
        self.containers[c.id] = c
        return c

    def container_by_name(self, name: str) -> Container | None:
        name = name.lstrip("/")
        for c in self.containers.values():
            if c.name == name:
                return c
        return None

    def resolve_container(self, ref: str) -> Container:
        """docker CLI lookup: full id, exact name, then unique id prefix."""
        if ref in self.containers:
            return self.containers[ref]
        c = self.container_by_name(ref)
        if c:
            return c
        if ref and re.fullmatch(r"[0-9a-f]+", ref):
            matches = [c for c in self.containers.values() if c.id.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise DockerError(
                    f"Error response from daemon: multiple IDs found with provided prefix: {ref}")
        raise DockerError(f"Error response from daemon: No such container: {ref}")

    def containers_json(self) -> list[dict]:
        return [c.to_json() for c in sorted(self.containers.values(), key=lambda c: -c.created)]

    def port_conflict(self, c: Container) -> str | None:
        """Why starting `c` cannot publish its ports (docker's text), or None. A port held
        by a process outside docker always clashes; one held by another container only with
        config port_conflicts."""
        for p in c.ports:
            host, proto = str(p["host"]), p.get("protocol", "tcp")
            if (host, proto) in self.host_ports:
                return (f"Error response from daemon: driver failed programming external "
                        f"connectivity on endpoint {c.name} ({c.id}): Error starting userland "
                        f"proxy: listen {proto}4 0.0.0.0:{host}: bind: address already in use")
            if self.config.get("port_conflicts") and self.port_in_use(host, proto, exclude=c):
                return (f"Error response from daemon: driver failed programming external "
                        f"connectivity on endpoint {c.name} ({c.id}): Bind for 0.0.0.0:{host} "
                        "failed: port is already allocated")
        return None

    def exit_rule(self, c: Container) -> dict | None:
        """The control API's "exits at once" rule that applies to `c` (by container, then image)."""
        for r in self.exit_rules:
            if r.get("container_id") == c.id:
                return r
        for r in self.exit_rules:
            if r.get("image") and parse_image_ref(r["image"]) == parse_image_ref(c.image):
                return r
        return None

    def docker_up(self) -> bool:
        return bool(self.config.get("docker_available", True))

    def port_in_use(self, host_port: str, protocol: str, exclude: Container | None = None) -> bool:
        for c in self.containers.values():
            if c is exclude or c.status not in ("running", "paused", "restarting"):
                continue
            for p in c.ports:
                if str(p["host"]) == str(host_port) and p.get("protocol", "tcp") == protocol:
                    return True
        return False

    def counts(self) -> tuple[int, int]:
        total = len(self.containers)
        running = sum(1 for c in self.containers.values() if c.status in ("running", "paused"))
        return total, running

    # -- installs -------------------------------------------------------------------
    def installed_json(self):
        apps: dict[str, list] = {}
        for rec in self.installs.values():
            apps.setdefault(rec["app_id"], []).append(rec)
        if not apps:
            return None   # nil slice in the real server
        out = []
        for app_id in sorted(apps):
            versions = sorted({r["install_id"]: r for r in apps[app_id]}.values(),
                              key=lambda r: r["install_id"])
            out.append({"app_id": app_id, "path": f"{MANAGED_ROOT}/{app_id}",
                        "versions": [{"id": r["install_id"], "path": r["install_dir"]}
                                     for r in versions]})
        return out

    # -- control view ---------------------------------------------------------------
    def snapshot(self) -> dict:
        containers = []
        for c in sorted(self.containers.values(), key=lambda c: -c.created):
            containers.append(dict(c.to_json(), exit_code=c.exit_code, health=c.health))
        return {"containers": containers, "images": self.images_json(),
                "templates": [copy.deepcopy(self.templates[n]) for n in sorted(self.templates)],
                "installed": [copy.deepcopy(r) for r in self.installs.values()]}
