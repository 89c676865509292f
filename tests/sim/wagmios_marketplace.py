"""Marketplace routes of the simulated WAGMIOS API (catalogue, app detail, installed,
create, start). Catalogue data lives in wagmios_catalogue.py.
"""

from __future__ import annotations

import asyncio
import posixpath
import re
import secrets
import time

import wagmios_catalogue as catalogue
from wagmios_http import BadRequest, Ctx, err, log_container, ok
from wagmios_state import (MANAGED_ROOT, Container, image_ref_fails, pull_denied_message, rfc3339,
                           startup_logs)

MARKET_ENV_KEY_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
APP_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# CHOICE: compose project names (docker compose -p) are lowercase letters, digits, '-' and '_'.
PROJECT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
COMPOSE_FILES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")


# =================================================================== marketplace

def _manifest_failure(ctx: Ctx):
    if not ctx.state.config.get("marketplace_available", True):
        return err(500, "MANIFEST_FETCH_FAILED", 'failed to fetch manifest: Get "https://raw.'
                   'githubusercontent.com/mentholmike/wagmios-marketplace/main/manifest.json": '
                   "dial tcp: lookup raw.githubusercontent.com: no such host")
    return None


async def marketplace_list(ctx: Ctx):
    failure = _manifest_failure(ctx)
    return failure if failure is not None else ok(catalogue.manifest())


async def marketplace_app(ctx: Ctx):
    app_id = ctx.params["app_id"]
    if not APP_ID_RE.match(app_id):
        return err(400, "INVALID_APP_ID", f"invalid app id {app_id!r}")
    if (r := _manifest_failure(ctx)) is not None:
        return r
    meta = catalogue.app_meta(app_id)
    if meta is None:
        return err(404, "APP_NOT_FOUND", f'app "{app_id}" not found in marketplace')
    return ok({"meta": meta, "template": catalogue.template(app_id),
               "raw_markdown": catalogue.raw_markdown(app_id)})


async def marketplace_installed(ctx: Ctx):
    return ok(ctx.state.installed_json())


async def marketplace_create(ctx: Ctx):
    st = ctx.state
    try:
        req = ctx.decode({"app_id": str, "custom_name": str, "environment": ("map", str),
                          "volumes": ("map", str), "ports": ("map", int)})
    except BadRequest as e:
        return err(400, "INVALID_REQUEST", f"invalid JSON body: {e}")
    app_id = req.get("app_id", "")
    if not app_id:
        return err(400, "APP_ID_REQUIRED", "app_id is required")
    if not APP_ID_RE.match(app_id):
        return err(400, "INVALID_APP_ID", f"invalid app_id {app_id!r}")
    custom = req.get("custom_name", "")
    if custom and not APP_ID_RE.match(custom):
        return err(400, "INVALID_CUSTOM_NAME", f"invalid custom_name {custom!r}: must match "
                   "^[a-z0-9][a-z0-9-]{0,62}$")
    env = req.get("environment") or {}
    for k, v in env.items():
        if not MARKET_ENV_KEY_RE.match(k):
            return err(400, "INVALID_ENV", f"invalid environment variable name {k!r}")
        if any(ch in v for ch in "\r\n\0"):
            return err(400, "INVALID_ENV", f"environment variable {k} contains a forbidden character")
    if req.get("volumes"):
        return err(400, "VOLUME_OVERRIDES_UNSUPPORTED",
                   "volume overrides are not supported; volumes are created under the install directory")
    ports = {}
    for h, c in (req.get("ports") or {}).items():
        if not re.fullmatch(r"\d{1,5}", h) or not 1 <= int(h) <= 65535 or not 1 <= c <= 65535:
            return err(400, "INVALID_PORT", f"invalid port mapping {h!r}: {c}")
        ports[str(int(h))] = c
    if (r := _manifest_failure(ctx)) is not None:
        return r
    meta = catalogue.app_meta(app_id)
    if meta is None:
        return err(404, "APP_NOT_FOUND", f'app "{app_id}" not found')
    service = custom or app_id
    try:
        compose = catalogue.build_compose(app_id, service, env, ports)
    except ValueError as e:
        return err(400, "COMPOSE_BUILD_FAILED", str(e))
    install_id = custom or f"{app_id}-{int(time.time())}"
    install_dir = f"{MANAGED_ROOT}/{app_id}/{install_id}"
    compose_path = f"{install_dir}/docker-compose.yml"
    st.installs[compose_path] = {
        "app_id": app_id, "app_name": meta["name"], "install_id": install_id,
        "install_dir": install_dir, "compose_path": compose_path, "service": service,
        "compose": compose, "environment": dict(env), "ports": dict(ports),
        "created_at": rfc3339(), "project": None, "container": None,
    }
    return ok({"app_id": app_id, "app_name": meta["name"], "install_dir": install_dir,
               "compose_path": compose_path, "compose": compose, "status": "created"})


async def marketplace_start(ctx: Ctx):
    st = ctx.state
    try:
        req = ctx.decode({"container_name": str, "compose_path": str})
    except BadRequest as e:
        return err(400, "INVALID_REQUEST", f"invalid JSON body: {e}")
    project, path = req.get("container_name", ""), req.get("compose_path", "")
    if not project:
        return err(400, "CONTAINER_NAME_REQUIRED", "container_name is required")
    if not path:
        return err(400, "COMPOSE_PATH_REQUIRED", "compose_path is required")
    if not PROJECT_RE.match(project):
        return err(400, "INVALID_CONTAINER_NAME", f"invalid container_name {project!r}: must be "
                   "lowercase letters, digits, '-' or '_'")
    clean = posixpath.normpath(path) if path.startswith("/") else ""
    if not clean.startswith(MANAGED_ROOT + "/") or clean != path:
        return err(403, "PATH_FORBIDDEN", f"compose_path must be inside {MANAGED_ROOT}")
    if posixpath.basename(path) not in COMPOSE_FILES:
        return err(400, "INVALID_COMPOSE_FILE", "compose_path must point to a docker-compose.yml file")
    rec = st.installs.get(path)
    if rec is None:
        return err(404, "COMPOSE_NOT_FOUND", "compose file not found at specified path")
    delay = st.config.get("start_latency_ms", 0) / 1000
    if delay:
        await asyncio.sleep(delay)
    tmpl = catalogue.template(rec["app_id"])
    image, service = tmpl["image"], rec["service"]
    cname = f"{project}-{service}-1"
    if st.image_by_ref(image) is None and image_ref_fails(image):
        return err(500, "COMPOSE_UP_FAILED", f"exit status 1:  {service} Error {pull_denied_message(image)}")
    ports = [{"host": str(p), "container": str(p), "protocol": "tcp"} for p in tmpl["ports"]]
    ports += [{"host": h, "container": str(c), "protocol": "tcp"} for h, c in rec["ports"].items()]
    out = []
    img, pulled = st.ensure_image(image)
    if pulled:
        out += [f" {service} Pulling ", f" {service} Pulled "]
    existing = st.container_by_name(cname)
    if existing is None:
        out += [f" Network {project}_default  Creating", f" Network {project}_default  Created",
                f" Container {cname}  Creating", f" Container {cname}  Created"]
        c = Container(id=secrets.token_hex(32), name=cname, image=image, status="created",
                      ports=ports, project=project,
                      env=[{"key": k, "value": v} for k, v in rec["environment"].items()])
        st.containers[c.id] = c
    else:
        c = existing
    if st.config.get("port_conflicts") and c.status != "running":
        for p in c.ports:
            if st.port_in_use(p["host"], "tcp", exclude=c):
                out += [f" Container {cname}  Starting",
                        f"Error response from daemon: driver failed programming external "
                        f"connectivity on endpoint {cname} ({c.id}): Bind for 0.0.0.0:{p['host']} "
                        "failed: port is already allocated"]
                return err(500, "COMPOSE_UP_FAILED", "exit status 1: " + "\n".join(out))
    if c.status == "running":
        out.append(f" Container {cname}  Running")
    else:
        out += [f" Container {cname}  Starting", f" Container {cname}  Started"]
        c.status = "running"
        c.logs += startup_logs(cname, image)
    if pulled:
        st.feed.pulls += 1
        st.feed.log("image_pull", "pull", image, "success", "system", "docker compose up")
    rec["project"], rec["container"] = project, cname
    log_container(ctx, "start", project, c.id, True, "marketplace install")
    return ok({"container_name": project, "compose_path": path, "status": "started",
               "output": "\n".join(out) + "\n"})
