"""One simulated WAGMIOS host: its listening socket and the request pipeline.

Pipeline for every request on the host's port (in this order), as the real server:
  record in the request log -> injected faults -> count (metrics summary) -> auth (the
  public paths skip it, matched by exact path whatever the method) -> rate limit -> route
  match (unknown path or wrong method: plain-text 404, only reached with a valid key) ->
  scope (container create, template save and pull check it in the handler, after the
  body) -> handler -> write timeout -> `api_call` activity event -> the `reset` fault
  (half the answer, then a TCP reset).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import time

from aiohttp import web

import wagmios_api as api
from wagmios_http import err, not_found_text, parse_json_or_none
from wagmios_state import HostState

log = logging.getLogger("wagmios_sim")

PUBLIC_AUTH_PATHS = ("/api/auth/setup", "/api/auth/verify", "/api/auth/status")
# Paths that skip auth (exact match, any method): `/health/` is not one of them.
PUBLIC_PATHS = ("/health",) + PUBLIC_AUTH_PATHS
# Requests to these produce no api_call event (the real feed's noise filter). It matches the
# exact path whatever the method: that is why POST /api/containers (create) has no event.
NOISE_PATHS = ("/health", "/api/containers", "/api/marketplace", "/api/metrics/summary",
               "/api/auth/status")


def is_noise(method: str, path: str) -> bool:
    return path in NOISE_PATHS or path.startswith("/api/system/")


def status_text(code: int) -> str:
    if 200 <= code < 300:
        return "success"
    if 400 <= code < 500:
        return "client_error"
    if code >= 500:
        return "server_error"
    return "unknown"


PROXY_PAGES = {
    502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out",
    500: "Internal Server Error", 404: "Not Found", 403: "Forbidden", 401: "Unauthorized",
    429: "Too Many Requests", 400: "Bad Request", 413: "Request Entity Too Large",
}


def proxy_page(status: int) -> str:
    reason = PROXY_PAGES.get(status, "Error")
    return (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n"
            "</body>\r\n</html>\r\n")


GARBAGE = b'\x00\x1f\x8b\x08 <html><body>{"success":tr\xff\xfe\xfd not json at all \x00'


class HostServer:
    def __init__(self, state: HostState, port: int = 0, bind: str = "127.0.0.1",
                 ssl_context=None):
        self.state = state
        self.bind = bind
        self.ssl_context = ssl_context
        self.port = port
        self.runner: web.AppRunner | None = None
        self.websockets: set = set()     # (ws, transport)
        self.background: set = set()
        self.lock = asyncio.Lock()

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.bind}:{self.port}"

    @property
    def is_up(self) -> bool:
        return self.runner is not None

    # ------------------------------------------------------------------ listening
    async def up(self):
        async with self.lock:
            if self.runner is not None:
                return
            app = web.Application(client_max_size=64 << 20)
            app.router.add_route("*", "/{tail:.*}", self.dispatch)
            runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                   shutdown_timeout=0.2)
            await runner.setup()
            site = web.TCPSite(runner, self.bind, self.port, reuse_address=True,
                               ssl_context=self.ssl_context)
            try:
                await site.start()
            except Exception:
                await runner.cleanup()
                raise
            if self.port == 0:
                self.port = site._server.sockets[0].getsockname()[1]   # noqa: SLF001
            self.runner = runner

    async def down(self):
        """Stop listening and cut every open connection (as if the host vanished)."""
        async with self.lock:
            runner, self.runner = self.runner, None
            if runner is None:
                return
            for _ws, transport in list(self.websockets):
                if transport is not None:
                    transport.abort()
            self.websockets.clear()
            self.state.feed.subscribers.clear()
            await runner.cleanup()

    # ------------------------------------------------------------------ pipeline
    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        st = self.state
        started = time.monotonic()
        body = await request.read()
        method, path = request.method, request.path
        header_key = request.headers.get("X-API-Key", "")
        sent_key = header_key
        if not sent_key and path == "/api/ws/activity":
            sent_key = request.query.get("key", "")
        entry = {"method": method, "path": path, "query": dict(request.query),
                 "query_string": request.query_string, "body": parse_json_or_none(body),
                 "key_suffix": sent_key[-8:] if sent_key else None, "status": None,
                 "time": time.time()}
        st.requests.append(entry)

        # -- injected faults (a misbehaving proxy/network in front of the API)
        f = st.faults
        reset = False
        if f.active() and (not f.path_prefix or path.startswith(f.path_prefix)) \
                and (f.count is None or f.count > 0):
            if f.count is not None:
                f.count -= 1
            snapshot = (f.latency_ms, f.status, f.garbage, f.drop, f.body, f.content_type, f.reset)
            if f.count == 0:
                st.faults = type(f)()
            latency, status, garbage, drop, fbody, ctype, reset = snapshot
            if latency:
                await asyncio.sleep(latency / 1000)
            if drop:
                entry["status"] = 0
                return self._abort(request)
            if garbage:
                entry["status"] = 200
                return web.Response(status=200, body=GARBAGE, content_type="application/json")
            if status:
                entry["status"] = status
                resp = web.Response(status=status, text=fbody if fbody is not None else proxy_page(status))
                resp.headers["Content-Type"] = ctype or "text/html"
                resp.headers["Server"] = "nginx/1.24.0"
                return resp

        # Auth runs before routing: an unknown path or a wrong method needs a valid key too,
        # counts toward the rate limit and the metrics summary and gets its api_call event.
        st.feed.count_request()
        matched = api.match(method, path)
        handler, scope, params = matched if matched is not None else (None, api.ANY, {})
        if path in PUBLIC_PATHS:
            scope = api.PUBLIC
        ctx = api.Ctx(request=request, body=body, state=st, params=params,
                      extra={"server": self})
        if handler in api.BODY_FIRST:
            ctx.extra["deferred_scope"], scope = scope, api.ANY

        resp = await self._authorize(ctx, scope, sent_key, header_key)
        if resp is None and handler is None:
            resp = not_found_text()
        elif resp is None:
            try:
                resp = await handler(ctx)
            except Exception as e:   # noqa: BLE001 - a simulator bug must still answer
                log.exception("handler crashed")
                resp = err(500, "INTERNAL_ERROR", f"simulator error: {e}")
        is_ws = isinstance(resp, web.WebSocketResponse)
        # A WebSocket session is logged once it closes (the handler returns then); the
        # status the middleware saw is the default 200.
        code = 200 if is_ws else resp.status
        entry["status"] = code
        elapsed_ms = int((time.monotonic() - started) * 1000)
        if not is_noise(method, path) and self.runner is not None:
            st.feed.log("api_call", method, path, status_text(code), ctx.agent,
                        {"status_code": code, "duration_ms": elapsed_ms})
        if is_ws:
            return resp
        if elapsed_ms > st.config.get("write_timeout_ms", 120_000):
            # Go's WriteTimeout: the handler ran, but its response never reaches the client.
            entry["dropped"] = True
            return self._abort(request)
        if reset:
            # The handler ran (its effects stay); the client gets half an answer, then a RST.
            entry["reset"] = True
            return await self._reset_mid_response(request, resp)
        return resp

    async def _authorize(self, ctx: api.Ctx, scope, sent_key: str, header_key: str):
        st, request = ctx.state, ctx.request
        ip = "ip:" + (request.remote or "?")
        path = request.path
        if scope is api.PUBLIC:
            k = st.find_key(header_key) if header_key else None
            ctx.key = k
            ctx.agent = k.suffix if k else "unauthenticated"
            if path in PUBLIC_AUTH_PATHS and not self._allow(ip):
                return self._rate_limited()
            return None
        failure = None
        if not st.keys:
            failure = err(401, "SETUP_REQUIRED", "Run first-boot setup before using this endpoint")
        elif not sent_key:
            failure = err(401, "API_KEY_REQUIRED", "X-API-Key header required")
        else:
            k = st.find_key(sent_key) if sent_key.startswith("wag_live_") else None
            if k is None:
                failure = err(401, "INVALID_KEY", "Invalid or expired API key")
        if failure is not None:
            ctx.agent = "invalid-key" if sent_key else "unauthenticated"
            if not self._allow(ip):
                return self._rate_limited()
            return failure
        ctx.key, ctx.agent = k, k.suffix
        if not self._allow("key:" + k.id):
            return self._rate_limited()
        k.last_used_at = time.time()
        if scope != api.ANY and not k.has_scope(scope):
            return err(403, "SCOPE_REQUIRED", f"{scope} scope required")
        return None

    def _allow(self, ident: str) -> bool:
        lim = self.state.limiter
        lim.limit = int(self.state.config["rate_limit"])
        lim.window = float(self.state.config["rate_window_s"])
        return lim.allow(ident)

    @staticmethod
    def _rate_limited():
        # No Retry-After header, a fixed message.
        return err(429, "RATE_LIMITED", "Too many requests")

    @staticmethod
    async def _reset_mid_response(request: web.Request, resp: web.Response) -> web.StreamResponse:
        """Sends the status line, the headers (announcing the whole body) and the first half of
        the body, then resets the TCP connection (SO_LINGER 0: RST, not FIN)."""
        body = resp.body if isinstance(resp.body, (bytes, bytearray)) else b""
        partial = web.StreamResponse(status=resp.status, reason=resp.reason)
        for name, value in resp.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding"):
                partial.headers[name] = value
        partial.content_length = len(body)
        await partial.prepare(request)
        await partial.write(bytes(body[:len(body) // 2]))
        transport = request.transport
        if transport is not None:
            # Let the half answer leave before the reset (abort() discards what is buffered).
            while transport.get_write_buffer_size() > 0 and not transport.is_closing():
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.05)
            sock = transport.get_extra_info("socket")
            if sock is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass
            transport.abort()
        raise asyncio.CancelledError()

    @staticmethod
    def _abort(request: web.Request) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError()
