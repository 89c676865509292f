"""The simulator's control API (`/_control/...` on the control port).

Everything done here happens "outside the WAGMIOS API": no activity events, no request
log entries, no rate limiting. Plain JSON in and out; errors are `{"error": "..."}`.
"""

from __future__ import annotations

import json
import secrets
import time

from aiohttp import web

from wagmios_host import HostServer
from wagmios_state import CONTAINER_STATUSES, DockerError, Faults, default_config


def _json(data, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(data), content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


class ControlAPI:
    def __init__(self, hosts: dict[str, HostServer]):
        self.hosts = hosts

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 << 20)
        r = app.router
        r.add_get("/_control/health", self.health)
        r.add_get("/_control/hosts", self.list_hosts)
        h = "/_control/hosts/{host}"
        r.add_post(h + "/keys", self.add_key)
        r.add_get(h + "/keys", self.list_keys)
        r.add_delete(h + "/keys/{id}", self.delete_key)
        r.add_get(h + "/setup-token", self.setup_token)
        r.add_post(h + "/setup-token", self.new_setup_token)
        r.add_get(h + "/exit-on-start", self.get_exit_rules)
        r.add_post(h + "/exit-on-start", self.add_exit_rule)
        r.add_delete(h + "/exit-on-start", self.clear_exit_rules)
        r.add_get(h + "/host-ports", self.get_host_ports)
        r.add_post(h + "/host-ports", self.take_host_port)
        r.add_delete(h + "/host-ports/{port}", self.free_host_port)
        r.add_post(h + "/containers", self.add_container)
        r.add_post(h + "/containers/{name}/state", self.set_container_state)
        r.add_post(h + "/containers/{name}/logs", self.append_logs)
        r.add_delete(h + "/containers/{name}", self.remove_container)
        r.add_post(h + "/images", self.add_image)
        r.add_get(h + "/faults", self.get_faults)
        r.add_post(h + "/faults", self.set_faults)
        r.add_delete(h + "/faults", self.clear_faults)
        r.add_post(h + "/down", self.down)
        r.add_post(h + "/up", self.up)
        r.add_get(h + "/config", self.get_config)
        r.add_post(h + "/config", self.set_config)
        r.add_get(h + "/requests", self.get_requests)
        r.add_delete(h + "/requests", self.clear_requests)
        r.add_get(h + "/state", self.get_state)
        r.add_get(h + "/activity", self.get_activity)
        r.add_post(h + "/reset", self.reset)
        return app

    # ------------------------------------------------------------------ helpers
    def _host(self, request) -> HostServer:
        name = request.match_info["host"]
        if name not in self.hosts:
            raise web.HTTPNotFound(text=json.dumps({"error": f"unknown host {name!r}"}),
                                   content_type="application/json")
        return self.hosts[name]

    @staticmethod
    async def _body(request, required: bool = False) -> dict:
        raw = await request.read()
        if not raw.strip():
            if required:
                raise web.HTTPBadRequest(text=json.dumps({"error": "JSON body required"}),
                                         content_type="application/json")
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise web.HTTPBadRequest(text=json.dumps({"error": "body is not JSON"}),
                                     content_type="application/json") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text=json.dumps({"error": "body must be a JSON object"}),
                                     content_type="application/json")
        return data

    # ------------------------------------------------------------------ routes
    async def health(self, request):
        return _json({"status": "ok"})

    async def list_hosts(self, request):
        return _json({"hosts": {n: {"url": h.url, "up": h.is_up} for n, h in self.hosts.items()}})

    async def add_key(self, request):
        h = self._host(request)
        b = await self._body(request)
        role = b.get("role", "agent")
        if role not in ("admin", "agent"):
            return _error(400, "role must be admin or agent")
        scopes = b.get("scopes", ["*"])
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            return _error(400, "scopes must be a list of strings")
        try:
            k = h.state.add_key(label=b.get("label", role), scopes=scopes, role=role,
                                key=b.get("key"), key_id=b.get("id"))
        except ValueError as e:
            return _error(409, str(e))
        return _json({"key": k.key, "id": k.id, "label": k.label, "scopes": k.scopes,
                      "role": k.role})

    async def list_keys(self, request):
        h = self._host(request)
        return _json([{"key": k.key, "id": k.id, "label": k.label, "scopes": k.scopes,
                       "role": k.role} for k in h.state.keys.values()])

    async def delete_key(self, request):
        h = self._host(request)
        if h.state.keys.pop(request.match_info["id"], None) is None:
            return _error(404, "no such key")
        return _json({"deleted": request.match_info["id"]})

    async def setup_token(self, request):
        return _json({"setup_token": self._host(request).state.setup_token})

    async def new_setup_token(self, request):
        """Like restarting the real server with WAGMIOS_RESET_KEY=1: a fresh one-time token."""
        st = self._host(request).state
        st.setup_token = "wag_setup_" + secrets.token_urlsafe(32)
        return _json({"setup_token": st.setup_token})

    # -- processes that exit as soon as they start
    @staticmethod
    def _rules_json(st):
        return {"rules": [dict(r) for r in st.exit_rules]}

    async def get_exit_rules(self, request):
        return _json(self._rules_json(self._host(request).state))

    async def add_exit_rule(self, request):
        h = self._host(request)
        b = await self._body(request, required=True)
        if bool(b.get("container")) == bool(b.get("image")):
            return _error(400, "give exactly one of container (name or id) or image")
        logs = b.get("logs") or []
        if not isinstance(logs, list):
            return _error(400, "logs must be a list of strings")
        try:
            rule = {"exit_code": int(b.get("exit_code", 1)), "logs": [str(x) for x in logs],
                    "after_ms": int(b.get("after_ms") or 0)}
        except (TypeError, ValueError) as e:
            return _error(400, f"bad rule: {e}")
        if b.get("container"):
            c = self._container(h, str(b["container"]))
            rule.update(container=c.name, container_id=c.id)
        else:
            rule["image"] = str(b["image"])
        h.state.exit_rules.append(rule)
        return _json(self._rules_json(h.state))

    async def clear_exit_rules(self, request):
        h = self._host(request)
        h.state.exit_rules = []
        return _json(self._rules_json(h.state))

    # -- host ports held by processes outside docker
    @staticmethod
    def _ports_json(st):
        return {"host_ports": [{"port": p, "protocol": proto} for p, proto in sorted(st.host_ports)]}

    async def get_host_ports(self, request):
        return _json(self._ports_json(self._host(request).state))

    async def take_host_port(self, request):
        h = self._host(request)
        b = await self._body(request, required=True)
        port, proto = str(b.get("port", "")), b.get("protocol", "tcp")
        if not port.isdigit() or not 1 <= int(port) <= 65535 or proto not in ("tcp", "udp"):
            return _error(400, "port must be 1-65535, protocol tcp or udp")
        h.state.host_ports.add((str(int(port)), proto))
        return _json(self._ports_json(h.state))

    async def free_host_port(self, request):
        h = self._host(request)
        port = request.match_info["port"]
        h.state.host_ports = {(p, proto) for p, proto in h.state.host_ports if p != port}
        return _json(self._ports_json(h.state))

    async def add_container(self, request):
        h = self._host(request)
        b = await self._body(request, required=True)
        if not isinstance(b.get("name"), str) or not b["name"]:
            return _error(400, "name is required")
        if b.get("status", "running") not in CONTAINER_STATUSES:
            return _error(400, f"status must be one of {', '.join(CONTAINER_STATUSES)}")
        if "id" in b and b["id"] in h.state.containers:
            return _error(409, "a container with this id exists")
        try:
            c = h.state.add_container_spec(b)
        except DockerError as e:
            return _error(409, str(e))
        return _json(c.to_json())

    def _container(self, h: HostServer, ref: str):
        try:
            return h.state.resolve_container(ref)
        except DockerError as e:
            raise web.HTTPNotFound(text=json.dumps({"error": str(e)}),
                                   content_type="application/json") from None

    async def set_container_state(self, request):
        h = self._host(request)
        c = self._container(h, request.match_info["name"])
        b = await self._body(request, required=True)
        if "health" in b:
            c.health = b["health"]          # never shown by the API
        status = b.get("status", c.status if "health" in b else None)
        if status not in CONTAINER_STATUSES:
            return _error(400, f"status must be one of {', '.join(CONTAINER_STATUSES)}")
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
        if status == "exited" and c.status != "exited":
            c.logs.append(b.get("log") or f"{stamp} {c.name}: fatal error: out of memory (exit code 137)")
        elif status == "restarting":
            c.logs.append(b.get("log") or f"{stamp} {c.name}: process exited, restarting")
        elif b.get("log"):
            c.logs.append(b["log"])
        c.status = status
        return _json(c.to_json())

    async def append_logs(self, request):
        h = self._host(request)
        c = self._container(h, request.match_info["name"])
        b = await self._body(request, required=True)
        lines = b.get("lines") or []
        if not isinstance(lines, list):
            return _error(400, "lines must be a list of strings")
        c.logs += [str(x) for x in lines]
        return _json({"lines": len(c.logs)})

    async def remove_container(self, request):
        h = self._host(request)
        c = self._container(h, request.match_info["name"])
        del h.state.containers[c.id]
        return _json({"deleted": c.name, "id": c.id})

    async def add_image(self, request):
        h = self._host(request)
        b = await self._body(request, required=True)
        if not (b.get("image") or b.get("ref") or b.get("Repository")):
            return _error(400, "image is required")
        img = h.state.add_image_spec(b)
        return _json(img.to_json())

    async def get_faults(self, request):
        return _json(self._host(request).state.faults.to_json())

    async def set_faults(self, request):
        h = self._host(request)
        b = await self._body(request)
        try:
            f = Faults(latency_ms=int(b.get("latency_ms") or 0),
                       status=int(b["status"]) if b.get("status") is not None else None,
                       garbage=bool(b.get("garbage")), drop=bool(b.get("drop")),
                       reset=bool(b.get("reset")),
                       path_prefix=b.get("path_prefix"),
                       count=int(b["count"]) if b.get("count") is not None else None,
                       body=b.get("body"), content_type=b.get("content_type"))
        except (TypeError, ValueError) as e:
            return _error(400, f"bad fault: {e}")
        h.state.faults = f
        return _json(f.to_json())

    async def clear_faults(self, request):
        h = self._host(request)
        h.state.faults = Faults()
        return _json(h.state.faults.to_json())

    async def down(self, request):
        h = self._host(request)
        await h.down()
        return _json({"host": request.match_info["host"], "up": False, "url": h.url})

    async def up(self, request):
        h = self._host(request)
        try:
            await h.up()
        except OSError as e:
            return _error(500, f"cannot listen on {h.url}: {e}")
        return _json({"host": request.match_info["host"], "up": True, "url": h.url})

    async def get_config(self, request):
        return _json(self._host(request).state.config)

    async def set_config(self, request):
        h = self._host(request)
        b = await self._body(request, required=True)
        cfg = h.state.config
        unknown = [k for k in b if k not in cfg]
        if unknown:
            return _error(400, f"unknown config keys: {', '.join(unknown)}; known: {', '.join(cfg)}")
        for k, v in b.items():
            default = default_config()[k]
            try:
                cfg[k] = type(default)(v) if not isinstance(default, bool) else bool(v)
            except (TypeError, ValueError):
                return _error(400, f"bad value for {k}: {v!r}")
        if cfg["rate_limit"] < 1:
            cfg["rate_limit"] = 1
        return _json(cfg)

    async def get_requests(self, request):
        return _json(self._host(request).state.requests)

    async def clear_requests(self, request):
        h = self._host(request)
        h.state.requests = []
        return _json([])

    async def get_state(self, request):
        return _json(self._host(request).state.snapshot())

    async def get_activity(self, request):
        return _json(self._host(request).state.feed.events)

    async def reset(self, request):
        h = self._host(request)
        b = await self._body(request)
        h.state.reset(with_seed_keys=bool(b.get("seed_keys")))
        if not h.is_up:
            await h.up()
        return _json({"host": request.match_info["host"], "url": h.url, "up": True})
