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
from wagmios_http import BadRequest, Ctx, after_start, log_container
from wagmios_http import err as _err
from wagmios_http import ok as _ok
from wagmios_state import (DAEMON_DOWN_TEXT, MANAGED_ROOT, REGISTRY_DOWN_TEXT, Container,
                           image_ref_fails, pull_denied_message, rfc3339, startup_logs)

APP_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
PROJECT_RE = APP_ID_RE      # container_name of start: no "_"


# The marketplace handlers answer with Go maps: envelope keys sorted (data, error, success).
def ok(data):
    return _ok(data, sorted_envelope=True)


def err(status: int, code: str, message: str):
    return _err(status, code, message, sorted_envelope=True)


def slugify(text: str) -> str:
    """custom_name as the server stores it: lower case, runs of other characters -> "-"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-")
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
    if (r := _manifest_failure(ctx)) is not None:
        return r
    meta = catalogue.app_meta(app_id)        # a badly formed id is simply not found
    if meta is None:
        return err(404, "APP_NOT_FOUND", f'app "{app_id}" not found in marketplace')
    if (broken := catalogue.template_error(app_id)) is not None:
        return err(500, "TEMPLATE_FETCH_FAILED", broken)
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
    raw_custom = req.get("custom_name", "")
    custom = slugify(raw_custom)             # "My App" -> "my-app"
    if raw_custom and not APP_ID_RE.match(custom):
        return err(400, "INVALID_CUSTOM_NAME", f"invalid custom_name {raw_custom!r}")
    env = req.get("environment") or {}
    for k, v in env.items():
        if not catalogue.ENV_NAME_RE.match(k) or any(ch in v for ch in "\r\n\0"):
            return err(400, "INVALID_REQUEST", f"invalid environment variable {k!r}")
    if req.get("volumes"):
        return err(400, "VOLUME_OVERRIDES_UNSUPPORTED",
                   "volume overrides are not supported; volumes are created under the install directory")
    if (r := _manifest_failure(ctx)) is not None:
        return r
    meta = catalogue.app_meta(app_id)
    if meta is None:
        return err(404, "APP_NOT_FOUND", f'app "{app_id}" not found')
    if (broken := catalogue.template_error(app_id)) is not None:
        return err(500, "TEMPLATE_FETCH_FAILED", broken)
    service = custom or app_id
    # A bad port, like a template the server's own rules reject, fails the compose build;
    # a required variable without a value does not (the server does not enforce `required`).
    ports = {str(h): c for h, c in (req.get("ports") or {}).items()}
    try:
        compose = catalogue.build_compose(app_id, service, env, ports)
    except ValueError as e:
        return err(400, "COMPOSE_BUILD_FAILED", f"failed to build compose file: {e}")
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
    if not PROJECT_RE.match(project):
        return err(400, "INVALID_CONTAINER_NAME", f"invalid container_name {project!r}: must match "
                   "^[a-z0-9][a-z0-9-]{0,62}$")
    if not path:
        return err(400, "COMPOSE_PATH_REQUIRED", "compose_path is required")
    # CHOICE: a relative path is taken relative to the install root; ".." is refused.
    full = path if path.startswith("/") else f"{MANAGED_ROOT}/{path}"
    clean = posixpath.normpath(full)
    if ".." in path.split("/") or not clean.startswith(MANAGED_ROOT + "/"):
        return err(403, "PATH_FORBIDDEN", f"compose_path must be inside {MANAGED_ROOT}")
    if posixpath.basename(clean) not in COMPOSE_FILES:
        return err(400, "INVALID_COMPOSE_FILE", "compose_path must point to a docker-compose.yml file")
    rec = st.installs.get(clean)
    if rec is None:
        return err(404, "COMPOSE_NOT_FOUND", "compose file not found at specified path")
    delay = st.config.get("start_latency_ms", 0) / 1000
    if delay:
        await asyncio.sleep(delay)
    tmpl = catalogue.template(rec["app_id"])
    image, service = tmpl["image"], rec["service"]
    cname = f"{project}-{service}-1"
    out: list[str] = []

    def failed(*lines: str):
        # compose's output is the answer; the event has docker's text too.
        text = "\n".join(out + [ln.rstrip("\n") for ln in lines]) + "\n"
        log_container(ctx, "start", project, "", False, text, agent="system")
        return err(500, "COMPOSE_UP_FAILED", f"docker compose up failed: exit status 1\n{text}")

    if not st.docker_up():
        return failed(DAEMON_DOWN_TEXT)
    img = st.image_by_ref(image)
    if img is None:
        if not st.config.get("registry_available", True):
            return failed(f" {service} Error {REGISTRY_DOWN_TEXT}")
        if image_ref_fails(image):
            return failed(f" {service} Error {pull_denied_message(image)}")
    # Published on 0.0.0.0 and on ::, so every binding is listed twice.
    ports = [{"host": str(p), "container": str(p), "protocol": "tcp", "dual": True}
             for p in tmpl["ports"]]
    ports += [{"host": h, "container": str(c), "protocol": "tcp", "dual": True}
              for h, c in rec["ports"].items()]
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
    if pulled:
        st.feed.pulls += 1
        st.feed.log("image_pull", "pull", image, "success", "system", "docker compose up")
    if c.status != "running":
        if (clash := st.port_conflict(c)) is not None:
            out.append(f" Container {cname}  Starting")
            return failed(clash)        # the container stays `created`
    if c.status == "running":
        out.append(f" Container {cname}  Running")
    else:
        out += [f" Container {cname}  Starting", f" Container {cname}  Started"]
        c.status = "running"
        c.logs += startup_logs(cname, image)
        after_start(ctx, c)
    rec["project"], rec["container"] = project, cname
    output = "\n".join(out) + "\n"
    log_container(ctx, "start", project, "", True, output, agent="system")
    return ok({"container_name": project, "compose_path": path, "status": "started",
               "output": output})
