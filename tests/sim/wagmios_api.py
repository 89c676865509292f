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
from wagmios_http import (BadRequest, Ctx, after_start, docker_failure, err, log_container, ok,
                          pretty_json, raw_json)
from wagmios_state import (ALL_SCOPES, DAEMON_DOWN_TEXT, DOCKER_ROOT, MANAGED_ROOT,
                           PROTECTED_NAMES, RECENT_EVENTS, REGISTRY_DOWN_TEXT, Container,
                           DockerError, docker_run_text, image_ref_fails, parse_image_ref,
                           pull_denied_message, reference_error, rfc3339_seconds, startup_logs)

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")
IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,254}$")
PORT_RE = re.compile(r"^(\d{1,5})(?:/(tcp|udp))?$")
ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NAMED_VOLUME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


def invalid_request(e: Exception) -> web.Response:
    return err(400, "INVALID_REQUEST", f"Invalid JSON payload: {e}")


# =================================================================== health / auth / keys

async def health(ctx: Ctx):
    return raw_json({"status": "ok"})


async def auth_status(ctx: Ctx):
    n = len(ctx.state.keys)
    data = {"wizard_required": n == 0, "has_key": n > 0, "setup_required": n == 0,
            "key_count": n}
    if n == 0:
        data["setup_token_available"] = bool(ctx.state.setup_token)
    return ok(data, sorted_envelope=True)


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
    st.setup_token = ""   # one-time: used up even when the rest of the request is refused
    if not req.get("scopes"):
        return err(400, "SCOPES_REQUIRED", "At least one scope is required")
    k = st.add_key(req.get("label") or "admin", req["scopes"], "admin")
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
    return ok([k.list_json() for k in ctx.state.keys.values()])


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
    boot_uptime = 3 * 86400 + now - ctx.state.started
    return ok({
        # /proc/stat since boot: an average over the whole uptime, barely moving.
        "cpu": {"usage": round(4.2 + 0.5 * 86400 / boot_uptime, 6)},
        "memory": {"total": mem_total, "used": mem_used,
                   "usagePercent": round(mem_used * 100 / mem_total, 2)},
        "disk": {"total": 512 * 1000 ** 3, "used": int(137.4 * 1000 ** 3) + len(ctx.state.images) * 10 ** 8},
        "uptime": boot_uptime,      # float seconds (Go prints e.g. 259203.48)
        "currentTime": rfc3339_seconds(now),
    })


async def metrics_summary(ctx: Ctx):
    # With the docker daemon down the counts are all 0 (the listing fails, silently).
    total, running = ctx.state.counts() if ctx.state.docker_up() else (0, 0)
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
    if not ctx.state.docker_up():
        return docker_failure(1)
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
    # The body is read before the scope is checked (CHOICE: the field rules come after it).
    if (r := ctx.scope_failure()) is not None:
        return r
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
    # the new container is `running`. Every failure answers only "exit status 125"; docker's
    # text goes to the container_action event (container_id "" when no id was printed).
    def fail(text: str):
        log_container(ctx, "create", name, "", False, text)
        return docker_failure(125)

    if not st.docker_up():
        return fail(docker_run_text(DAEMON_DOWN_TEXT))
    if (bad := reference_error(image)) is not None:
        return fail(docker_run_text(bad))
    if st.image_by_ref(image) is None:
        if not st.config.get("registry_available", True):
            return fail(f"Unable to find image '{image}' locally\n" + docker_run_text(REGISTRY_DOWN_TEXT))
        if image_ref_fails(image):
            return fail(f"Unable to find image '{image}' locally\n" + docker_run_text(pull_denied_message(image)))
    existing = st.container_by_name(name)
    if existing:
        return fail(docker_run_text(
            f'Error response from daemon: Conflict. The container name "/{name}" is already in use '
            f'by container "{existing.id}". You have to remove (or rename) that container to be '
            "able to reuse that name"))
    st.ensure_image(image)
    c = Container(id=secrets.token_hex(32), name=name, image=image, status="created",
                  ports=ports, env=env, volumes=volumes)
    st.containers[c.id] = c
    if (clash := st.port_conflict(c)) is not None:
        return fail(docker_run_text(clash))     # docker leaves the container `created`
    c.status = "running"
    c.logs = startup_logs(name, image)
    after_start(ctx, c)
    log_container(ctx, "create", name, c.id, True, "")
    return ok({"id": c.id})


async def container_config(ctx: Ctx):
    # Any failed inspect (missing, ambiguous, daemon down) is a 404.
    try:
        if not ctx.state.docker_up():
            raise DockerError(DAEMON_DOWN_TEXT)
        c = ctx.state.resolve_container(ctx.params["id"])
    except DockerError:
        return err(404, "NOT_FOUND", "Container not found")
    return ok(c.to_json())


async def container_logs(ctx: Ctx):
    raw = ctx.request.query.get("tail", "")
    if raw == "":
        tail = 100
    else:
        if not re.fullmatch(r"\d+", raw):
            return err(400, "INVALID_TAIL", "tail must be a non-negative integer")
        tail = min(int(raw), 1000)          # larger values are clamped, not refused
    try:
        c = _resolve(ctx.state, ctx.params["id"])
    except DockerError:
        return docker_failure(1)
    lines = c.logs[-tail:] if tail else []
    return ok({"logs": "".join(line + "\n" for line in lines)})


def _resolve(st, ref: str) -> Container:
    if not st.docker_up():
        raise DockerError(DAEMON_DOWN_TEXT)
    return st.resolve_container(ref)


def _protected(ctx: Ctx, ref: str) -> bool:
    if ref.lstrip("/") in PROTECTED_NAMES:
        return True
    try:
        return _resolve(ctx.state, ref).name in PROTECTED_NAMES
    except DockerError:
        return False


async def _container_action(ctx: Ctx, action: str):
    st, ref = ctx.state, ctx.params["id"]

    def fail(text: str):
        log_container(ctx, action, ref, ref, False, text if text.endswith("\n") else text + "\n")
        return docker_failure(1)

    try:
        c = _resolve(st, ref)
    except DockerError as e:
        return fail(str(e))
    stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
    if action == "start":
        if c.status == "paused":
            return fail("Error response from daemon: cannot start a paused container, try unpause instead\n"
                        "Error: failed to start containers: " + ref)
        if c.status in ("removing", "dead"):
            return fail(f"Error response from daemon: container {c.id} is marked for removal and cannot "
                        f"be started\nError: failed to start containers: {ref}")
        if c.status != "running":
            if (clash := st.port_conflict(c)) is not None:
                return fail(f"{clash}\nError: failed to start containers: {ref}")
            c.status = "running"
            c.logs += startup_logs(c.name, c.image)
            after_start(ctx, c)
        result = "started"
    elif action == "stop":
        if c.status in ("running", "restarting", "paused"):
            c.logs.append(f"{stamp} {c.name}: received SIGTERM, shutting down")
            c.status = "exited"
        result = "stopped"
    else:
        if c.status in ("removing", "dead"):
            return fail(f"Error response from daemon: Cannot restart container {ref}: container is "
                        "marked for removal")
        if c.status == "running":
            c.logs.append(f"{stamp} {c.name}: received SIGTERM, shutting down")
        if (clash := st.port_conflict(c)) is not None and c.status != "running":
            return fail(f"Error response from daemon: Cannot restart container {ref}: {clash.split(': ', 1)[1]}")
        c.status = "running"
        c.logs += startup_logs(c.name, c.image)
        after_start(ctx, c)
        result = "restarted"
    log_container(ctx, action, ref, ref, True, "")
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
        c = _resolve(st, ref)
    except DockerError as e:
        log_container(ctx, "delete", ref, ref, False, str(e) + "\n")
        return docker_failure(1)
    # CHOICE: like the real handler (docker stop, then docker rm), a running container is
    # stopped and removed: deleting it succeeds.
    del st.containers[c.id]
    log_container(ctx, "delete", ref, ref, True, "")
    return ok({"status": "deleted"})


# =================================================================== images

async def images_list(ctx: Ctx):
    if not ctx.state.docker_up():
        return docker_failure(1)
    return ok(ctx.state.images_json())


async def images_pull(ctx: Ctx):
    st = ctx.state
    try:
        req = ctx.decode({"image": str})        # "Image", "IMAGE" work too (encoding/json)
    except BadRequest as e:
        return invalid_request(e)
    ref = req.get("image", "")
    if not ref:
        return err(400, "INVALID_REQUEST", "Image name required")
    if (r := ctx.scope_failure()) is not None:
        return r
    # The reference is not validated: docker pull refuses a bad one (DOCKER_ERROR).
    st.feed.log("image_pull", "pull", ref, "pending", ctx.agent)

    async def do_pull():
        # Runs to completion even if the client goes away (the real pull goes on).
        delay = st.config.get("pull_latency_ms", 0) / 1000
        if delay:
            await asyncio.sleep(delay)
        if not st.docker_up():
            msg = DAEMON_DOWN_TEXT
        elif (bad := reference_error(ref)) is not None:
            msg = bad + "\n"
        elif not st.config.get("registry_available", True):
            msg = REGISTRY_DOWN_TEXT
        elif image_ref_fails(ref):
            msg = pull_denied_message(ref) + "\n"
        else:
            st.ensure_image(ref)
            st.feed.pulls += 1
            st.feed.log("image_pull", "pull", ref, "success", ctx.agent)
            return None
        st.feed.log("image_pull", "pull", ref, "error", ctx.agent, msg)
        return msg

    task = asyncio.ensure_future(do_pull())
    ctx.extra["server"].background.add(task)
    task.add_done_callback(ctx.extra["server"].background.discard)
    failure = await asyncio.shield(task)
    if failure:
        return docker_failure(1)
    return ok({"status": "pulled", "image": ref})


async def images_delete(ctx: Ctx):
    st, ident = ctx.state, ctx.params["id"]

    def fail(msg):
        st.feed.log("image_delete", "delete", ident, "error", ctx.agent, msg + "\n")
        return docker_failure(1)

    if not st.docker_up():
        return fail(DAEMON_DOWN_TEXT.rstrip("\n"))
    img = st.find_image(ident)
    if img is None:
        shown = ident if ":" in ident or re.fullmatch(r"[0-9a-f]+", ident) else ident + ":latest"
        return fail(f"Error response from daemon: No such image: {shown}")
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

# CHOICE: a template name is a file name: no path separators, NUL, or leading dot.
TEMPLATE_BAD_RE = re.compile(r"[/\\\x00]|^\.")


def _template_key(name: str) -> str:
    return name[:-5] if name.endswith(".json") and len(name) > 5 else name


async def templates_list(ctx: Ctx):
    return ok([ctx.state.templates[n] for n in sorted(ctx.state.templates)], sorted_envelope=True)


async def templates_get(ctx: Ctx):
    name = ctx.params["name"]
    if TEMPLATE_BAD_RE.search(name):
        return err(400, "INVALID_TEMPLATE_NAME", f"invalid template name {name!r}")
    t = ctx.state.templates.get(_template_key(name))
    if t is None:
        return err(404, "NOT_FOUND", f"template {name} not found")
    return pretty_json(t)           # the stored file: indented, keys sorted


async def templates_save(ctx: Ctx):
    try:
        body = ctx.decode("any")
    except BadRequest as e:
        return invalid_request(e)
    if not isinstance(body, dict):
        return err(400, "INVALID_REQUEST", "Invalid JSON payload: template must be a JSON object")
    if (r := ctx.scope_failure()) is not None:
        return r
    name = body.get("name") if isinstance(body.get("name"), str) else ""
    if not name:
        name = "untitled"
        body = dict(body, name=name)
    if TEMPLATE_BAD_RE.search(name):
        return err(400, "INVALID_TEMPLATE_NAME", f"invalid template name {name!r}")
    ctx.state.templates[_template_key(name)] = body
    return ok({"status": "saved"}, sorted_envelope=True)


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


# Routes whose handler reads the body before checking the scope.
BODY_FIRST = (containers_create, templates_save, images_pull)


def _compile(pattern: str) -> re.Pattern:
    # A container reference may start with "/" (sent as %2F): docker reads "/name" as "name".
    rx = pattern.replace("/api/containers/{id}/", "/api/containers/(?P<id>/?[^/]+)/")
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", rx) + "$")


COMPILED = [(methods, _compile(p), h, scope) for methods, p, h, scope in ROUTES]


def match(method: str, path: str):
    """Returns (handler, scope, params) or None (-> plain 404, also for a wrong method)."""
    for methods, rx, handler, scope in COMPILED:
        m = rx.match(path)
        if m and method in methods:
            return handler, scope, m.groupdict()
    return None
