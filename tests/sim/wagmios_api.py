"""Route handlers of the simulated WAGMIOS API (one instance of each per host).

Behaviour follows ../../../shared/reference/wagmios-api.md ("what the code does").
Where the reference is silent the choice is written next to the code, marked CHOICE.
"""

from __future__ import annotations

import asyncio
import posixpath
import re
import secrets
import time

from aiohttp import web

import wagmios_marketplace as market
from wagmios_http import BadRequest, Ctx, err, log_container, ok, raw_json
from wagmios_state import (ALL_SCOPES, DOCKER_ROOT, MANAGED_ROOT, PROTECTED_NAMES, RECENT_EVENTS,
                           Container, DockerError, image_ref_fails, parse_image_ref,
                           pull_denied_message, rfc3339, startup_logs)

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")
IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,254}$")
PORT_RE = re.compile(r"^(\d{1,5})(?:/(tcp|udp))?$")
ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NAMED_VOLUME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


def invalid_request(e: Exception) -> web.Response:
    return err(400, "INVALID_REQUEST", f"Invalid JSON payload: {e}")


def docker_error(message: str) -> web.Response:
    return err(500, "DOCKER_ERROR", message)


# =================================================================== health / auth / keys

async def health(ctx: Ctx):
    return raw_json({"status": "ok"})


async def auth_status(ctx: Ctx):
    n = len(ctx.state.keys)
    return ok({"wizard_required": n == 0, "has_key": n > 0, "setup_required": n == 0,
               "key_count": n})


async def auth_verify(ctx: Ctx):
    try:
        req = ctx.decode({"key": str})
    except BadRequest:
        return err(400, "INVALID_REQUEST", "Invalid JSON payload")
    k = ctx.state.find_key(req.get("key", "")) if req.get("key", "").startswith("wag_live_") else None
    if k is None:
        return err(401, "INVALID_KEY", "API key is invalid or expired")
    k.last_used_at = time.time()
    return ok({"valid": True, "key_id": k.id, "key_label": k.label, "role": k.role,
               "scopes": list(k.scopes)})


async def auth_setup(ctx: Ctx):
    st = ctx.state
    if st.keys:
        return err(409, "ALREADY_SETUP",
                   "API key already exists. Setup is one-time only — manage keys in Settings.")
    try:
        req = ctx.decode({"scopes": ("list", str), "label": str, "setup_token": str})
    except BadRequest:
        return err(400, "INVALID_REQUEST", "Invalid JSON payload")
    if not req.get("setup_token") or req["setup_token"] != st.setup_token:
        return err(403, "INVALID_SETUP_TOKEN",
                   "Valid setup token required. Generate one by restarting with WAGMIOS_RESET_KEY=1")
    if not req.get("scopes"):
        return err(400, "SCOPES_REQUIRED", "At least one scope is required")
    k = st.add_key(req.get("label") or "admin", req["scopes"], "admin")
    st.setup_token = ""
    return ok({"key": k.key, "meta": k.meta_json()})


async def settings(ctx: Ctx):
    return ok(ctx.key.settings_json())


async def settings_scopes(ctx: Ctx):
    try:
        req = ctx.decode({"scopes": ("list", str)})
    except BadRequest:
        return err(400, "INVALID_REQUEST", "Invalid JSON payload")
    scopes = req.get("scopes") or []
    if not scopes:
        return err(400, "SCOPES_REQUIRED", "At least one scope is required")
    # CHOICE: a key holding "*" may reduce itself to any explicit scopes ("*" holds them all).
    for s in scopes:
        if not (s in ctx.key.scopes or ("*" in ctx.key.scopes and s in ALL_SCOPES)):
            return err(403, "SCOPE_ESCALATION",
                       "Agents cannot add scopes beyond what the key currently has")
    ctx.key.scopes = list(dict.fromkeys(scopes))
    return ok(ctx.key.settings_json())


def _require_admin(ctx: Ctx, what: str):
    if ctx.key.role != "admin":
        return err(403, "ADMIN_REQUIRED", f"Only admin keys can {what}")
    return None


async def keys_list(ctx: Ctx):
    if (r := _require_admin(ctx, "list keys")) is not None:
        return r
    return ok([{"id": k.id, "key_prefix": k.suffix + "...", "label": k.label, "role": k.role,
                "scopes": list(k.scopes), "created_at": rfc3339(k.created_at),
                "last_used_at": rfc3339(k.last_used_at)} for k in ctx.state.keys.values()])


async def keys_create(ctx: Ctx):
    if (r := _require_admin(ctx, "create new keys")) is not None:
        return r
    try:
        req = ctx.decode({"label": str, "scopes": ("list", str), "role": str})
    except BadRequest:
        return err(400, "INVALID_REQUEST", "Invalid JSON payload")
    role = req.get("role") or "agent"
    if role not in ("admin", "agent"):
        return err(400, "INVALID_ROLE", "Role must be 'admin' or 'agent'")
    scopes = req.get("scopes") or []
    if not scopes:
        return err(400, "SCOPES_REQUIRED", "At least one scope is required")
    for s in scopes:
        if s != "*" and not ctx.key.has_scope(s):
            return err(403, "SCOPE_ESCALATION",
                       f"Cannot grant scope {s} — caller does not have this scope")
        if s == "*" and "*" not in ctx.key.scopes:
            return err(403, "SCOPE_ESCALATION", "Cannot grant scope * — caller does not have this scope")
    k = ctx.state.add_key(req.get("label") or role, scopes, role)
    ctx.state.feed.log("key_action", "create", k.label, "success", ctx.agent)
    return ok({"key": k.key, "meta": k.meta_json()})


async def keys_delete(ctx: Ctx):
    if (r := _require_admin(ctx, "revoke keys")) is not None:
        return r
    kid = ctx.params["id"]
    if kid == ctx.key.id:
        return err(403, "CANNOT_REVOKE_SELF", "You cannot revoke your own key. Use a different "
                   "admin key or delete via server CLI.")
    k = ctx.state.keys.get(kid)
    if k is None:
        return err(400, "REVOKE_FAILED", "key not found")
    if k.role == "admin" and sum(1 for x in ctx.state.keys.values() if x.role == "admin") <= 1:
        return err(400, "REVOKE_FAILED",
                   "cannot revoke the last admin key — at least one admin must remain")
    del ctx.state.keys[kid]
    ctx.state.feed.log("key_action", "revoke", k.label, "success", ctx.agent)
    return ok({"status": "revoked", "id": kid})


# =================================================================== system / activity

async def system_info(ctx: Ctx):
    return ok({"docker_root": DOCKER_ROOT})


async def system_metrics(ctx: Ctx):
    total, running = ctx.state.counts()
    gib = 1 << 30
    mem_total = 16 * gib
    mem_used = int(2.3 * gib + running * 0.31 * gib)
    now = time.time()
    return ok({
        "cpu": {"usage": round(2.5 + running * 1.8 + (now % 7) / 10, 2)},
        "memory": {"total": mem_total, "used": mem_used,
                   "usagePercent": round(mem_used * 100 / mem_total, 2)},
        "disk": {"total": 512 * 1000 ** 3, "used": int(137.4 * 1000 ** 3) + len(ctx.state.images) * 10 ** 8},
        "uptime": int(3 * 86400 + now - ctx.state.started),
        "currentTime": rfc3339(now),
    })


async def metrics_summary(ctx: Ctx):
    total, running = ctx.state.counts()
    by_hour = ctx.state.feed.by_hour()
    return raw_json({"success": True, "data": {
        "requests_last_24h": sum(by_hour), "requests_by_hour": by_hour,
        "container_counts": {"total": total, "running": running, "stopped": total - running},
        "uptime_seconds": int(time.time() - ctx.state.started),
        "pulls_last_24h": ctx.state.feed.pulls}})


async def activity(ctx: Ctx):
    events = ctx.state.feed.events
    return raw_json({"success": True, "data": {"events": events[-RECENT_EVENTS:],
                                                "total": len(events)}})


async def ws_activity(ctx: Ctx):
    """One JSON event per text frame; no replay. Incoming frames are ignored."""
    request = ctx.request
    ws = web.WebSocketResponse(autoping=True)
    if not ws.can_prepare(request).ok:
        # gorilla/websocket's answer to a plain GET
        resp = web.Response(status=400, body=b"Bad Request\n")
        resp.headers["Content-Type"] = "text/plain; charset=utf-8"
        return resp
    await ws.prepare(request)
    queue: asyncio.Queue = asyncio.Queue()
    feed = ctx.state.feed
    feed.subscribers.add(queue)
    server = ctx.extra["server"]
    server.websockets.add((ws, request.transport))

    async def reader():
        async for _msg in ws:
            pass

    read_task = asyncio.ensure_future(reader())
    try:
        while not ws.closed:
            get_task = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({get_task, read_task}, return_when=asyncio.FIRST_COMPLETED)
            if get_task not in done:
                get_task.cancel()
                break
            await ws.send_str(get_task.result())
    except (ConnectionError, RuntimeError):
        pass
    finally:
        feed.subscribers.discard(queue)
        server.websockets.discard((ws, request.transport))
        read_task.cancel()
        if not ws.closed:
            await ws.close()
    return ws


# =================================================================== containers

async def containers_list(ctx: Ctx):
    return ok(ctx.state.containers_json())


def _port_ok(value: str) -> tuple[str, str] | None:
    m = PORT_RE.match(value or "")
    if not m or not 1 <= int(m.group(1)) <= 65535:
        return None
    return str(int(m.group(1))), m.group(2) or ""


CREATE_SCHEMA = {
    "name": str, "image": str,
    "ports": ("list", {"host": str, "container": str}),
    "volumes": ("list", {"host": str, "container": str}),
    "env": ("list", {"key": str, "value": str}),
    "privileged": bool, "network": str, "capabilities": ("list", str), "devices": ("list", str),
}


async def containers_create(ctx: Ctx):
    st = ctx.state
    try:
        req = ctx.decode(CREATE_SCHEMA)
    except BadRequest as e:
        return invalid_request(e)
    name, image = req.get("name", ""), req.get("image", "")
    if not NAME_RE.match(name):
        return err(400, "INVALID_NAME", f"invalid container name {name!r}: must match "
                   "^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")
    if not IMAGE_RE.match(image):
        return err(400, "INVALID_IMAGE", f"invalid image reference {image!r}")
    ports = []
    for p in req.get("ports") or []:
        h, c = _port_ok(p.get("host", "")), _port_ok(p.get("container", ""))
        if h is None or c is None:
            return err(400, "INVALID_PORT", f"invalid port mapping {p.get('host', '')!r}:"
                       f"{p.get('container', '')!r}: ports must be 1-65535, optionally /tcp or /udp")
        ports.append({"host": h[0], "container": c[0], "protocol": c[1] or h[1] or "tcp"})
    env = []
    for e in req.get("env") or []:
        k, v = e.get("key", ""), e.get("value", "")
        if not ENV_KEY_RE.match(k):
            return err(400, "INVALID_ENV", f"invalid environment variable name {k!r}")
        if any(ch in v for ch in "\r\n\0"):
            return err(400, "INVALID_ENV", f"environment variable {k} contains a forbidden character")
        env.append({"key": k, "value": v})
    volumes = []
    for v in req.get("volumes") or []:
        host, target = v.get("host", ""), v.get("container", "")
        if not NAMED_VOLUME_RE.match(host):
            clean = posixpath.normpath(host) if host.startswith("/") else ""
            inside = clean == MANAGED_ROOT or clean.startswith(MANAGED_ROOT + "/")
            if not inside or ".." in host.split("/"):
                return err(403, "BLOCKED_VOLUME", f"volume host path {host!r} is not allowed: use a "
                           f"named volume or a path under {MANAGED_ROOT}")
        if not target.startswith("/") or ".." in target.split("/"):
            return err(400, "INVALID_VOLUME_TARGET",
                       f"volume container path {target!r} must be absolute and must not contain '..'")
        volumes.append({"host": host, "container": target})

    # CHOICE: POST /api/containers behaves as `docker run -d`: pull if missing, create, start;
    # the new container is `running`. Host-port clashes are only checked when the host's
    # config has port_conflicts=true (then the container stays `created`, as docker leaves it).
    if st.image_by_ref(image) is None and image_ref_fails(image):
        msg = (f"Unable to find image '{image}' locally\ndocker: {pull_denied_message(image)}.\n"
               "See 'docker run --help'.")
        log_container(ctx, "create", name, "", False, msg)
        return docker_error(msg)
    existing = st.container_by_name(name)
    if existing:
        msg = (f'docker: Error response from daemon: Conflict. The container name "/{name}" is '
               f'already in use by container "{existing.id}". You have to remove (or rename) that '
               "container to be able to reuse that name.\nSee 'docker run --help'.")
        log_container(ctx, "create", name, "", False, msg)
        return docker_error(msg)
    st.ensure_image(image)
    c = Container(id=secrets.token_hex(32), name=name, image=image, status="running",
                  ports=ports, env=env, volumes=volumes)
    c.logs = startup_logs(name, image)
    st.containers[c.id] = c
    if st.config.get("port_conflicts"):
        for p in ports:
            if st.port_in_use(p["host"], p["protocol"], exclude=c):
                # docker run leaves the container behind in "created" state.
                c.status = "created"
                msg = (f"docker: Error response from daemon: driver failed programming external "
                       f"connectivity on endpoint {name} ({c.id}): Bind for 0.0.0.0:{p['host']} "
                       "failed: port is already allocated.")
                log_container(ctx, "create", name, c.id, False, msg)
                return docker_error(msg)
    log_container(ctx, "create", name, c.id, True, c.id)
    return ok({"id": c.id})


async def container_config(ctx: Ctx):
    try:
        c = ctx.state.resolve_container(ctx.params["id"])
    except DockerError as e:
        if "No such container" in str(e):
            return err(404, "NOT_FOUND", f"container {ctx.params['id']} not found")
        return docker_error(str(e))
    return ok(c.to_json())


async def container_logs(ctx: Ctx):
    raw = ctx.request.query.get("tail", "")
    if raw == "":
        tail = 100
    else:
        if not re.fullmatch(r"\d+", raw) or int(raw) > 1000:
            return err(400, "INVALID_TAIL", "tail must be an integer between 0 and 1000")
        tail = int(raw)
    try:
        c = ctx.state.resolve_container(ctx.params["id"])
    except DockerError as e:
        return docker_error(str(e))
    lines = c.logs[-tail:] if tail else []
    return ok({"logs": "".join(line + "\n" for line in lines)})


def _protected(ctx: Ctx, ref: str) -> bool:
    if ref in PROTECTED_NAMES:
        return True
    try:
        return ctx.state.resolve_container(ref).name in PROTECTED_NAMES
    except DockerError:
        return False


async def _container_action(ctx: Ctx, action: str):
    st, ref = ctx.state, ctx.params["id"]
    try:
        c = st.resolve_container(ref)
    except DockerError as e:
        log_container(ctx, action, ref, "", False, str(e))
        return docker_error(str(e))
    stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
    if action == "start":
        if c.status == "paused":
            msg = "Error response from daemon: cannot start a paused container, try unpause instead"
            log_container(ctx, action, ref, c.id, False, msg)
            return docker_error(msg)
        if c.status in ("removing", "dead"):
            msg = f"Error response from daemon: container {c.id} is marked for removal and cannot be started"
            log_container(ctx, action, ref, c.id, False, msg)
            return docker_error(msg)
        if st.config.get("port_conflicts") and c.status != "running":
            for p in c.ports:
                if st.port_in_use(p["host"], p.get("protocol", "tcp"), exclude=c):
                    msg = (f"Error response from daemon: driver failed programming external "
                           f"connectivity on endpoint {c.name} ({c.id}): Bind for 0.0.0.0:"
                           f"{p['host']} failed: port is already allocated")
                    log_container(ctx, action, ref, c.id, False, msg)
                    return docker_error(msg)
        if c.status != "running":
            c.status = "running"
            c.logs += startup_logs(c.name, c.image)
        result = "started"
    elif action == "stop":
        if c.status in ("running", "restarting", "paused"):
            c.logs.append(f"{stamp} {c.name}: received SIGTERM, shutting down")
            c.status = "exited"
        result = "stopped"
    else:
        if c.status in ("removing", "dead"):
            msg = f"Error response from daemon: Cannot restart container {ref}: container is marked for removal"
            log_container(ctx, action, ref, c.id, False, msg)
            return docker_error(msg)
        c.logs.append(f"{stamp} {c.name}: received SIGTERM, shutting down")
        c.status = "running"
        c.logs += startup_logs(c.name, c.image)
        result = "restarted"
    log_container(ctx, action, ref, c.id, True, ref)
    return ok({"status": result})


async def container_start(ctx: Ctx):
    return await _container_action(ctx, "start")


async def container_stop(ctx: Ctx):
    return await _container_action(ctx, "stop")


async def container_restart(ctx: Ctx):
    return await _container_action(ctx, "restart")


async def container_delete(ctx: Ctx):
    st, ref = ctx.state, ctx.params["id"]
    if _protected(ctx, ref):
        return err(403, "PROTECTED", f"{ref} is a protected system container and cannot be deleted")
    try:
        c = st.resolve_container(ref)
    except DockerError as e:
        log_container(ctx, "delete", ref, "", False, str(e))
        return docker_error(str(e))
    # CHOICE: like the real handler (docker stop, then docker rm), a running container is
    # stopped and removed: deleting it succeeds.
    del st.containers[c.id]
    log_container(ctx, "delete", ref, c.id, True, ref)
    return ok({"status": "deleted"})


# =================================================================== images

async def images_list(ctx: Ctx):
    return ok(ctx.state.images_json())


async def images_pull(ctx: Ctx):
    st = ctx.state
    try:
        req = ctx.decode({"image": str})
    except BadRequest as e:
        return invalid_request(e)
    ref = req.get("image", "")
    if not IMAGE_RE.match(ref):
        return err(400, "INVALID_IMAGE", f"invalid image reference {ref!r}")
    st.feed.log("image_pull", "pull", ref, "pending", ctx.agent)

    async def do_pull():
        # Runs to completion even if the client goes away (the real pull goes on).
        delay = st.config.get("pull_latency_ms", 0) / 1000
        if delay:
            await asyncio.sleep(delay)
        if image_ref_fails(ref):
            msg = pull_denied_message(ref)
            st.feed.log("image_pull", "pull", ref, "error", ctx.agent, msg)
            return msg
        st.ensure_image(ref)
        st.feed.pulls += 1
        st.feed.log("image_pull", "pull", ref, "success", ctx.agent)
        return None

    task = asyncio.ensure_future(do_pull())
    ctx.extra["server"].background.add(task)
    task.add_done_callback(ctx.extra["server"].background.discard)
    failure = await asyncio.shield(task)
    if failure:
        return docker_error(failure)
    return ok({"status": "pulled", "image": ref})


async def images_delete(ctx: Ctx):
    st, ident = ctx.state, ctx.params["id"]
    img = st.find_image(ident)

    def fail(msg):
        st.feed.log("image_delete", "delete", ident, "error", ctx.agent, msg)
        return docker_error(msg)

    if img is None:
        return fail(f"Error response from daemon: No such image: {ident}")
    users = [c for c in st.containers.values()
             if parse_image_ref(c.image) == (img.repository, img.tag)
             or c.image.removeprefix("sha256:") in (img.id, img.short_id)]
    if users:
        c = sorted(users, key=lambda c: c.status != "running")[0]
        if ":" in ident and not re.fullmatch(r"[0-9a-f]+", ident.removeprefix("sha256:")):
            return fail(f'Error response from daemon: conflict: unable to remove repository reference '
                        f'"{ident}" (must force) - container {c.id[:12]} is using its referenced '
                        f"image {img.short_id}")
        if c.status == "running":
            return fail(f"Error response from daemon: conflict: unable to delete {img.short_id} "
                        f"(cannot be forced) - image is being used by running container {c.id[:12]}")
        return fail(f"Error response from daemon: conflict: unable to delete {img.short_id} "
                    f"(must be forced) - image is being used by stopped container {c.id[:12]}")
    del st.images[img.id]
    st.feed.log("image_delete", "delete", ident, "success", ctx.agent)
    return ok({"status": "deleted"})


# =================================================================== templates

async def templates_list(ctx: Ctx):
    return ok([ctx.state.templates[n] for n in sorted(ctx.state.templates)])


async def templates_get(ctx: Ctx):
    name = ctx.params["name"]
    if not NAME_RE.match(name):
        return err(400, "INVALID_TEMPLATE_NAME", f"invalid template name {name!r}")
    t = ctx.state.templates.get(name)
    if t is None:
        return err(404, "NOT_FOUND", f"template {name} not found")
    return raw_json(t)


async def templates_save(ctx: Ctx):
    try:
        body = ctx.decode("any")
    except BadRequest as e:
        return invalid_request(e)
    if not isinstance(body, dict):
        return err(400, "INVALID_REQUEST", "Invalid JSON payload: template must be a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        return err(400, "INVALID_TEMPLATE_NAME",
                   "template name is required and must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")
    ctx.state.templates[name] = body
    return ok({"status": "saved"})


# =================================================================== route table

ANY = "any"   # any valid key
PUBLIC = None

# (methods, path pattern, handler, scope). First match wins, like gorilla/mux.
ROUTES = [
    (("GET",), "/health", health, PUBLIC),
    (("POST",), "/api/auth/setup", auth_setup, PUBLIC),
    (("POST",), "/api/auth/verify", auth_verify, PUBLIC),
    (("GET",), "/api/auth/status", auth_status, PUBLIC),
    (("GET",), "/api/settings", settings, ANY),
    (("POST",), "/api/settings/scopes", settings_scopes, ANY),
    (("GET",), "/api/keys", keys_list, "keys:write"),
    (("POST",), "/api/keys", keys_create, "keys:write"),
    (("DELETE",), "/api/keys/{id}", keys_delete, "keys:write"),
    (("GET",), "/api/system/info", system_info, "system:read"),
    (("GET",), "/api/system/metrics", system_metrics, "system:read"),
    (("GET",), "/api/metrics/summary", metrics_summary, "system:read"),
    (("GET",), "/api/activity", activity, "system:read"),
    (("GET",), "/api/ws/activity", ws_activity, "system:read"),
    (("GET",), "/api/containers", containers_list, "containers:read"),
    (("POST",), "/api/containers", containers_create, "containers:write"),
    (("POST",), "/api/containers/pull", images_pull, "images:write"),
    (("GET",), "/api/containers/templates", templates_list, "templates:read"),
    (("POST",), "/api/containers/templates", templates_save, "templates:write"),
    (("GET",), "/api/containers/templates/{name}", templates_get, "templates:read"),
    (("GET",), "/api/containers/{id}/config", container_config, "containers:read"),
    (("GET",), "/api/containers/{id}/logs", container_logs, "containers:read"),
    (("POST",), "/api/containers/{id}/start", container_start, "containers:write"),
    (("POST",), "/api/containers/{id}/stop", container_stop, "containers:write"),
    (("POST",), "/api/containers/{id}/restart", container_restart, "containers:write"),
    (("POST", "DELETE"), "/api/containers/{id}/delete", container_delete, "containers:delete"),
    (("GET",), "/api/images", images_list, "images:read"),
    (("POST",), "/api/images/pull", images_pull, "images:write"),
    (("DELETE",), "/api/images/{id}", images_delete, "images:write"),
    (("GET",), "/api/marketplace", market.marketplace_list, "marketplace:read"),
    (("GET",), "/api/marketplace/installed", market.marketplace_installed, "marketplace:read"),
    (("POST",), "/api/marketplace/create", market.marketplace_create, "marketplace:write"),
    (("POST",), "/api/marketplace/start", market.marketplace_start, "marketplace:write"),
    (("GET",), "/api/marketplace/{app_id}", market.marketplace_app, "marketplace:read"),
]


def _compile(pattern: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")


COMPILED = [(methods, _compile(p), h, scope) for methods, p, h, scope in ROUTES]


def match(method: str, path: str):
    """Returns (handler, scope, params) or None (-> plain 404, also for a wrong method)."""
    for methods, rx, handler, scope in COMPILED:
        m = rx.match(path)
        if m and method in methods:
            return handler, scope, m.groupdict()
    return None
