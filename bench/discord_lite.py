"""A lean Discord stand-in for load: gateway + REST on one loopback port, raw asyncio.

The full simulator (tests/discord) validates every body and injects interactions through an
HTTP control call each, so it tops out at a few hundred interactions a second on this kind of
machine. This stand-in does only what wagbot needs at a high rate, the way
shared/reference/discord.md describes it, and nothing else:

  * REST (`/api/v10`): GET /gateway/bot, GET /users/@me, PUT (guild) application commands,
    POST /interactions/{id}/{token}/callback (204), GET/PATCH/DELETE
    /webhooks/{app}/{token}/messages/@original|{id}, POST /webhooks/{app}/{token}, POST
    /channels/{id}/messages. Bot routes need `Authorization: Bot <token>` and a
    `DiscordBot (url, version)` User-Agent; token routes need neither (401 for a wrong one).
    Every answer has `Content-Type: application/json`, `Via: 1.1 google` and the
    X-RateLimit-* headers of a fixed-window bucket (sizes as tests/discord: callbacks 5/1 s per
    interaction, webhooks 5/2 s per token, channel messages 5/2 s per channel, …); over the
    limit: 429 with `retry_after`. A callback is accepted once and only within 3 s.
  * Gateway (`/gateway`, `/resume-gateway`, `?v=10&encoding=json`, no compression): Hello,
    IDENTIFY → READY + GUILD_CREATE, heartbeat → ACK, RESUME → op 9 false (sessions are not
    kept). INTERACTION_CREATE payloads have the shape the full simulator sends.

What it does not do (the benches never need it): body validation, message content intent,
sharding, zlib, resume, the invalid-request ban, the control API.

It runs its asyncio loop in a background thread; the benches drive it through the thread-safe
methods at the bottom (or schedule coroutines on `.loop`). Times are `time.perf_counter_ns()`:
`sent` just before the INTERACTION_CREATE frame is written to the socket, and a request's
arrival at the top of `data_received` (before parsing). Those include this process's own
scheduling delays; bench/wirecap.py gives kernel timestamps that do not.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import secrets
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

DISCORD_EPOCH_MS = 1420070400000
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

BUCKETS = {  # name -> (limit, per seconds); as tests/discord/README.md
    "gateway_bot": (5, 5.0), "users_me": (5, 5.0), "commands_put": (5, 20.0),
    "interaction_callback": (5, 1.0), "webhook_message": (5, 2.0), "message_create": (5, 2.0),
}
GLOBAL_PER_SECOND = 50            # bot routes only; callbacks and webhooks are exempt
INTERACTION_TIMEOUT_NS = 3_000_000_000
EVERYONE_PERMS = "72398220938817"


def _bucket_hash(name: str) -> str:
    return hashlib.md5(("wagbot-sim:" + name).encode()).hexdigest()


@dataclass
class Interaction:
    id: str
    token: str
    name: str
    sent: int = 0                 # perf_counter_ns before the frame was written
    callback: int = 0             # first callback request seen
    callback_type: int = 0
    final: int = 0                # the answer is complete (type 4 callback, or the edit/follow-up after a defer)
    requests: list = field(default_factory=list)   # (ns, method, path)
    late: bool = False


class _Conn(asyncio.Protocol):
    """One TCP connection: HTTP/1.1 keep-alive until it upgrades to a WebSocket."""

    def __init__(self, server: "DiscordLite"):
        self.s = server
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.ws = False
        self.frag = bytearray()
        self.identified = False
        self.closed = False

    # ------------------------------------------------------------------ plumbing
    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            import socket as _s
            sock.setsockopt(_s.IPPROTO_TCP, _s.TCP_NODELAY, 1)

    def connection_lost(self, exc):
        self.closed = True
        if self in self.s.gateways:
            self.s.gateways.remove(self)

    def data_received(self, data: bytes):
        now = time.perf_counter_ns()
        self.buf += data
        if self.ws:
            self._ws_frames()
        else:
            self._http(now)

    # ------------------------------------------------------------------ HTTP
    def _http(self, now: int):
        while not self.ws:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            try:
                method, target, _ = head[0].split(" ", 2)
            except ValueError:
                self.transport.close()
                return
            headers = {}
            for line in head[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buf) < end + 4 + length:
                return
            body = bytes(self.buf[end + 4:end + 4 + length])
            del self.buf[:end + 4 + length]
            if headers.get("upgrade", "").lower() == "websocket":
                self._upgrade(target, headers)
                return
            status, payload, extra = self.s.handle(now, method, target, headers, body)
            self._respond(status, payload, extra)

    def _respond(self, status: int, payload: Any, extra: dict | None):
        reason = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
                  403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
                  429: "Too Many Requests"}.get(status, "OK")
        lines = [f"HTTP/1.1 {status} {reason}", "Via: 1.1 google"]
        for k, v in (extra or {}).items():
            lines.append(f"{k}: {v}")
        if status == 204:
            data = b""
        else:
            data = json.dumps(payload, separators=(",", ":")).encode()
            lines.append("Content-Type: application/json")
            lines.append(f"Content-Length: {len(data)}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)

    # ------------------------------------------------------------------ WebSocket
    def _upgrade(self, target: str, headers: dict):
        url = urlsplit(target)
        q = parse_qs(url.query)
        if url.path.rstrip("/") not in ("/gateway", "/resume-gateway") or "sec-websocket-key" not in headers:
            self._respond(404, {"message": "404: Not Found", "code": 0}, None)
            return
        accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + WS_GUID).digest()).decode()
        self.transport.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        self.ws = True
        if q.get("v", [""])[0] != "10":
            self.close(4012)
            return
        if q.get("encoding", ["json"])[0] != "json" or "compress" in q:
            self.close(4002)
            return
        self.send_json({"op": 10, "d": {"heartbeat_interval": self.s.heartbeat_interval_ms,
                                         "_trace": ["[\"discord-lite\",{\"micros\":0}]"]}})
        if self.buf:
            self._ws_frames()

    def send_text(self, text: bytes):
        n = len(text)
        if n < 126:
            head = struct.pack("!BB", 0x81, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x81, 126, n)
        else:
            head = struct.pack("!BBQ", 0x81, 127, n)
        self.transport.write(head + text)

    def send_json(self, obj):
        self.send_text(json.dumps(obj, separators=(",", ":")).encode())

    def close(self, code: int):
        if self.closed:
            return
        self.transport.write(struct.pack("!BBH", 0x88, 2, code))
        self.transport.close()
        self.closed = True

    def _ws_frames(self):
        buf = self.buf
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n = b1 & 0x7F
            pos = 2
            if n == 126:
                if len(buf) < 4:
                    return
                n = struct.unpack_from("!H", buf, 2)[0]
                pos = 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n = struct.unpack_from("!Q", buf, 2)[0]
                pos = 10
            masked = b1 & 0x80
            if not masked:  # clients must mask (RFC 6455 5.1)
                self.close(1002)
                return
            if len(buf) < pos + 4 + n:
                return
            mask = bytes(buf[pos:pos + 4])
            data = bytes(buf[pos + 4:pos + 4 + n])
            del buf[:pos + 4 + n]
            if n:
                data = bytes(b ^ mask[i & 3] for i, b in enumerate(data)) if n < 64 else \
                    (int.from_bytes(data, "big") ^ int.from_bytes((mask * (n // 4 + 1))[:n], "big")).to_bytes(n, "big")
            opcode = b0 & 0x0F
            fin = b0 & 0x80
            if opcode == 0x8:  # close
                self.close(1000)
                return
            if opcode == 0x9:  # ping
                self.transport.write(struct.pack("!BB", 0x8A, len(data)) + data)
                continue
            if opcode == 0xA:
                continue
            if opcode == 0x2:
                self.close(4002)
                return
            self.frag += data
            if not fin:
                continue
            text, self.frag = bytes(self.frag), bytearray()
            self._gateway(text)

    # ------------------------------------------------------------------ gateway
    def _gateway(self, text: bytes):
        try:
            p = json.loads(text)
        except ValueError:
            self.close(4002)
            return
        op, d = p.get("op"), p.get("d")
        if op == 1:
            self.send_json({"op": 11})
            self.s.heartbeats += 1
        elif op == 2:
            if self.identified:
                self.close(4005)
                return
            if not isinstance(d, dict) or d.get("token") != self.s.token:
                self.close(4004)
                return
            if not isinstance(d.get("intents"), int) or not isinstance(d.get("properties"), dict):
                self.close(4002)
                return
            self.identified = True
            self.s.identify(self, d)
        elif op == 6:
            self.send_json({"op": 9, "d": False, "s": None, "t": None})
        elif op in (3, 4, 8, 31):
            if not self.identified:
                self.close(4003)
        else:
            self.close(4001)


class DiscordLite:
    def __init__(self, token: str, app_id: str, guild: str, channel: str, bot_username: str = "wagbot",
                 heartbeat_interval_ms: int = 41250):
        self.token = token
        self.app_id = app_id
        self.guild = guild
        self.channel = channel
        self.bot_username = bot_username
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.loop = asyncio.new_event_loop()
        self.thread: threading.Thread | None = None
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.gateways: list[_Conn] = []
        self.session: _Conn | None = None
        self.seq = 0
        self.heartbeats = 0
        self.identifies = 0
        self.commands: dict[str, dict] = {}            # guild or "" -> {name: command}
        self.interactions: dict[str, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}
        self.messages: dict[str, list] = {}             # channel -> [(ns, body)]
        self.buckets: dict[tuple, list] = {}            # (bucket, major) -> [remaining, reset_ns]
        self.global_window: deque = deque()
        self.counts = {"requests": 0, "429": 0, "late_callbacks": 0}
        self._snow = 0
        self.on_message: Callable[[str, dict], None] | None = None
        self._template: str | None = None

    # ------------------------------------------------------------------ life cycle
    def start(self) -> "DiscordLite":
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)

            async def boot():
                self.server = await self.loop.create_server(lambda: _Conn(self), "127.0.0.1", 0, backlog=1024)
                self.port = self.server.sockets[0].getsockname()[1]
                ready.set()

            self.loop.run_until_complete(boot())
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, name="discord-lite", daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def stop(self):
        if self.thread is None:
            return

        def shut():
            for c in list(self.gateways):
                c.close(1001)
            if self.server:
                self.server.close()
            self.loop.stop()

        self.loop.call_soon_threadsafe(shut)
        self.thread.join(5)
        self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v10"

    def snowflake(self) -> str:
        self._snow = (self._snow + 1) & 0x3FFFFF
        return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | self._snow)

    # ------------------------------------------------------------------ gateway
    def dispatch(self, conn: _Conn, t: str, d: Any):
        self.seq += 1
        conn.send_json({"t": t, "s": self.seq, "op": 0, "d": d})

    def bot_user(self) -> dict:
        return {"id": self.app_id, "username": self.bot_username, "discriminator": "4821",
                "global_name": None, "avatar": None, "bot": True, "public_flags": 0, "flags": 0}

    def identify(self, conn: _Conn, d: dict):
        self.identifies += 1
        self.session = conn
        self.gateways.append(conn)
        self.seq = 0
        ready = {"v": 10, "user": dict(self.bot_user(), verified=True, mfa_enabled=False),
                 "user_settings": {}, "relationships": [], "private_channels": [], "presences": [],
                 "guild_join_requests": [], "guilds": [{"id": self.guild, "unavailable": True}],
                 "session_id": secrets.token_hex(16), "session_type": "normal",
                 "resume_gateway_url": f"ws://127.0.0.1:{self.port}/resume-gateway",
                 "application": {"id": self.app_id, "flags": 1 << 23}, "auth": {},
                 "_trace": ["[\"discord-lite\",{\"micros\":0}]"]}
        self.dispatch(conn, "READY", ready)
        channel = {"id": self.channel, "type": 0, "name": "general", "position": 0,
                   "permission_overwrites": [], "parent_id": None, "nsfw": False, "topic": None,
                   "last_message_id": None, "rate_limit_per_user": 0, "flags": 0}
        self.dispatch(conn, "GUILD_CREATE", {
            "id": self.guild, "name": "Wag Lab", "icon": None, "owner_id": "1000000000000000042",
            "roles": [{"id": self.guild, "name": "@everyone", "permissions": EVERYONE_PERMS, "position": 0}],
            "emojis": [], "stickers": [], "features": [], "unavailable": False, "member_count": 2,
            "large": False, "members": [{"user": self.bot_user(), "roles": [], "deaf": False, "mute": False}],
            "channels": [channel], "threads": [], "presences": [], "voice_states": []})

    def ready(self) -> bool:
        return self.session is not None and not self.session.closed and bool(self.commands.get(self.guild))

    # ------------------------------------------------------------------ interactions
    def _payload_template(self) -> str:
        # The shape of tests/discord's INTERACTION_CREATE for a guild slash command; the id comes
        # first so that bench/wirecap.py can read it off the wire.
        p = {
            "id": "@ID@", "application_id": self.app_id, "type": 2, "token": "@TOKEN@", "version": 1,
            "locale": "en-US", "app_permissions": EVERYONE_PERMS, "entitlements": [], "entitlement_sku_ids": [],
            "attachment_size_limit": 10485760, "authorizing_integration_owners": {"0": self.guild},
            "channel_id": self.channel,
            "channel": {"id": self.channel, "type": 0, "guild_id": self.guild, "name": "general",
                        "position": 0, "permission_overwrites": [], "parent_id": None, "nsfw": False,
                        "topic": None, "last_message_id": None, "rate_limit_per_user": 0, "flags": 0,
                        "permissions": EVERYONE_PERMS},
            "guild_id": self.guild, "guild": {"id": self.guild, "locale": "en-US", "features": []},
            "guild_locale": "en-US", "context": 0,
            "member": {"avatar": None, "banner": None, "communication_disabled_until": None, "deaf": False,
                       "mute": False, "flags": 0, "joined_at": "2025-01-01T00:00:00.000000+00:00", "nick": None,
                       "pending": False, "premium_since": None, "roles": [], "unusual_dm_activity_until": None,
                       "permissions": EVERYONE_PERMS,
                       "user": {"id": "@USER@", "username": "@UNAME@", "discriminator": "0",
                                "global_name": "@UNAME@", "avatar": None, "avatar_decoration_data": None,
                                "public_flags": 0, "flags": 0, "banner": None, "accent_color": None,
                                "clan": None, "primary_guild": None, "collectibles": None}},
            "data": "@DATA@",
        }
        return json.dumps({"t": "INTERACTION_CREATE", "s": "@SEQ@", "op": 0, "d": p}, separators=(",", ":"))

    def command_data(self, name: str, options: dict | None) -> str:
        cmd = (self.commands.get(self.guild) or {}).get(name)
        if cmd is None:
            raise KeyError(f"command {name!r} is not registered in the guild")
        data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": 1, "guild_id": self.guild}
        if options:
            types = {o["name"]: o.get("type", 3) for o in cmd.get("options") or []}
            data["options"] = [{"name": k, "type": types.get(k, 3), "value": v} for k, v in options.items()]
        return json.dumps(data, separators=(",", ":"))

    def inject_frames(self, items: list[tuple[str, str]], user_id: str, username: str) -> list[Interaction]:
        """In the loop thread: one INTERACTION_CREATE per (name, data JSON), written in one go."""
        conn = self.session
        if conn is None or conn.closed:
            raise RuntimeError("no gateway session")
        if self._template is None:
            self._template = self._payload_template()
        out = []
        chunks = []
        for name, data in items:
            iid = self.snowflake()
            token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
            self.seq += 1
            frame = (self._template.replace('"@DATA@"', data).replace("@ID@", iid).replace("@TOKEN@", token)
                     .replace('"@SEQ@"', str(self.seq)).replace("@USER@", user_id).replace("@UNAME@", username))
            raw = frame.encode()
            n = len(raw)
            head = struct.pack("!BB", 0x81, n) if n < 126 else (
                struct.pack("!BBH", 0x81, 126, n) if n < 65536 else struct.pack("!BBQ", 0x81, 127, n))
            chunks.append(head + raw)
            rec = Interaction(iid, token, name)
            self.interactions[iid] = rec
            self.by_token[token] = rec
            out.append(rec)
        now = time.perf_counter_ns()
        for rec in out:
            rec.sent = now
        conn.transport.write(b"".join(chunks))
        return out

    # ------------------------------------------------------------------ REST
    def _limit(self, bucket: str, major: tuple, now: int) -> tuple[bool, dict]:
        limit, per = BUCKETS[bucket]
        key = (bucket, major)
        b = self.buckets.get(key)
        if b is None or now >= b[1]:
            b = self.buckets[key] = [limit, now + int(per * 1e9)]
        after = max(0.0, (b[1] - now) / 1e9)
        if b[0] <= 0:
            return False, {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": 0,
                           "X-RateLimit-Reset": f"{time.time() + after:.3f}",
                           "X-RateLimit-Reset-After": f"{after:.3f}", "X-RateLimit-Bucket": _bucket_hash(bucket),
                           "X-RateLimit-Scope": "user", "Retry-After": max(1, int(after + 0.999)), "_retry": after}
        b[0] -= 1
        return True, {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": b[0],
                      "X-RateLimit-Reset": f"{time.time() + after:.3f}",
                      "X-RateLimit-Reset-After": f"{after:.3f}", "X-RateLimit-Bucket": _bucket_hash(bucket)}

    def _prune(self, now: int):
        if len(self.buckets) > 20000:
            for k in [k for k, b in self.buckets.items() if now >= b[1]]:
                del self.buckets[k]

    def handle(self, now: int, method: str, target: str, headers: dict, body: bytes):
        self.counts["requests"] += 1
        url = urlsplit(target)
        path = url.path
        if not path.startswith("/api/v10/"):
            return 404, {"message": "404: Not Found", "code": 0}, None
        segs = path[len("/api/v10/"):].split("/")
        ua = headers.get("user-agent", "")
        token_route = segs[0] in ("interactions", "webhooks")
        if token_route:
            if not ua:
                return 403, {"message": "internal network error", "code": 40333}, None
        else:
            if not ua.startswith("DiscordBot ("):
                return 403, {"message": "internal network error", "code": 40333}, None
            if headers.get("authorization") != f"Bot {self.token}":
                return 401, {"message": "401: Unauthorized", "code": 0}, None
            while self.global_window and now - self.global_window[0] > 1_000_000_000:
                self.global_window.popleft()
            if len(self.global_window) >= GLOBAL_PER_SECOND:
                self.counts["429"] += 1
                return 429, {"message": "You are being rate limited.", "retry_after": 1.0, "global": True}, \
                    {"Retry-After": 1, "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
            self.global_window.append(now)
        try:
            doc = json.loads(body) if body else None
        except ValueError:
            return 400, {"message": "The request body contains invalid JSON.", "code": 50109}, None
        route = self._route(method, segs)
        if route is None:
            return 404, {"message": "404: Not Found", "code": 0}, None
        name, bucket, major, handler = route
        self._prune(now)
        ok, rl = self._limit(bucket, major, now)
        if not ok:
            self.counts["429"] += 1
            retry = rl.pop("_retry")
            return 429, {"message": "You are being rate limited.", "retry_after": round(retry, 3), "global": False}, rl
        status, payload = handler(now, method, segs, doc, parse_qs(url.query))
        return status, payload, rl

    def _route(self, method: str, segs: list[str]):
        n = len(segs)
        if method == "GET" and segs == ["gateway", "bot"]:
            return "gateway_bot", "gateway_bot", (), self.h_gateway_bot
        if method == "GET" and segs == ["users", "@me"]:
            return "users_me", "users_me", (), lambda *a: (200, self.bot_user())
        if method == "PUT" and segs[0] == "applications" and segs[-1] == "commands" and n in (3, 5):
            return "commands_put", "commands_put", (segs[3] if n == 5 else "",), self.h_commands_put
        if method == "POST" and segs[0] == "interactions" and n == 4 and segs[3] == "callback":
            return "callback", "interaction_callback", (segs[1], segs[2]), self.h_callback
        if segs[0] == "webhooks" and n >= 3:
            major = (segs[1], segs[2])
            if n == 3 and method == "POST":
                return "webhook_execute", "webhook_message", major, self.h_webhook
            if n == 5 and segs[3] == "messages" and method in ("GET", "PATCH", "DELETE"):
                return "webhook_message", "webhook_message", major, self.h_webhook
        if method == "POST" and segs[0] == "channels" and n == 3 and segs[2] == "messages":
            return "message_create", "message_create", (segs[1],), self.h_message_create
        return None

    def h_gateway_bot(self, now, method, segs, doc, q):
        return 200, {"url": f"ws://127.0.0.1:{self.port}/gateway", "shards": 1,
                     "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 86400000,
                                             "max_concurrency": 1}}

    def h_commands_put(self, now, method, segs, doc, q):
        if segs[1] != self.app_id:
            return 403, {"message": "Cannot edit commands of another application", "code": 20012}
        if not isinstance(doc, list):
            return 400, {"message": "Invalid Form Body", "code": 50035, "errors": {}}
        scope = segs[3] if len(segs) == 5 else ""
        old = self.commands.get(scope) or {}
        out = {}
        for c in doc:
            cmd = dict(c)
            cmd["id"] = old[c["name"]]["id"] if c["name"] in old else self.snowflake()
            cmd["application_id"] = self.app_id
            cmd["version"] = self.snowflake()
            if scope:
                cmd["guild_id"] = scope
            out[c["name"]] = cmd
        self.commands[scope] = out
        return 200, list(out.values())

    def _message(self, body: dict | None, channel: str, flags: int = 0) -> dict:
        body = body or {}
        return {"id": self.snowflake(), "type": 20, "channel_id": channel, "author": self.bot_user(),
                "content": body.get("content", ""), "embeds": body.get("embeds") or [],
                "components": body.get("components") or [], "flags": int(body.get("flags") or flags),
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime()),
                "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
                "mention_roles": [], "attachments": [], "pinned": False}

    def h_callback(self, now, method, segs, doc, q):
        rec = self.interactions.get(segs[1])
        if rec is None or rec.token != segs[2]:
            return 404, {"message": "Unknown interaction", "code": 10062}
        rec.requests.append((now, method, "callback"))
        if now - rec.sent > INTERACTION_TIMEOUT_NS:
            rec.late = True
            self.counts["late_callbacks"] += 1
            return 404, {"message": "Unknown interaction", "code": 10062}
        if rec.callback:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        t = (doc or {}).get("type")
        if t not in (4, 5, 9):
            return 400, {"message": "Invalid Form Body", "code": 50035,
                         "errors": {"type": {"_errors": [{"code": "BASE_TYPE_CHOICES", "message": "bad type"}]}}}
        rec.callback, rec.callback_type = now, t
        if t in (4, 9):
            rec.final = now
        return 204, None

    def h_webhook(self, now, method, segs, doc, q):
        rec = self.by_token.get(segs[2])
        if segs[1] != self.app_id or rec is None:
            return 401, {"message": "Invalid Webhook Token", "code": 50027}
        if not rec.callback:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        rec.requests.append((now, method, "/".join(segs[3:]) or "execute"))
        if not rec.final and method in ("PATCH", "POST"):
            rec.final = now
        if method == "DELETE":
            return 204, None
        if method == "POST" and q.get("wait", ["false"])[0] != "true":
            return 204, None
        return 200, self._message(doc if method != "GET" else None, self.channel)

    def h_message_create(self, now, method, segs, doc, q):
        msg = self._message(doc, segs[1])
        msg["type"] = 0
        self.messages.setdefault(segs[1], []).append((now, doc))
        if self.on_message:
            self.on_message(segs[1], doc)
        return 200, msg

    # ------------------------------------------------------------------ thread-safe helpers
    def call(self, fn: Callable, *args, timeout: float = 30.0):
        """Runs fn(*args) in the loop thread and returns its result."""
        fut: "asyncio.Future" = asyncio.run_coroutine_threadsafe(self._call(fn, *args), self.loop)
        return fut.result(timeout)

    async def _call(self, fn, *args):
        return fn(*args)

    def run(self, coro, timeout: float | None = None):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)
