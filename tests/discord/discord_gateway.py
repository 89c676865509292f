"""Gateway WebSocket (v10, JSON, optional zlib-stream) with sessions, resume and replay.

Paths: `/gateway` (the URL from GET /gateway/bot) and `/resume-gateway` (READY's
`resume_gateway_url`); both accept a trailing slash and both accept IDENTIFY and RESUME.

A connection gets Hello at once, then must heartbeat: no heartbeat for
`heartbeat_interval × heartbeat_timeout_factor + 0.2 s` closes it with 4009 (session timed out,
session gone). Each client payload counts against 120 per 60 s (then 4008) and may be at most
4096 bytes (then 4002). A session (created by IDENTIFY) numbers its dispatches from 1 and keeps
the last `resume_buffer_max` of them; when its connection goes away without a 1000/1001 close
from the client and without a session-ending close code from the server, it stays resumable for
`resume_window_s` and keeps buffering what happens meanwhile.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
import time
import zlib
from collections import deque

from aiohttp import WSMsgType, web

from discord_state import (INTENT_DIRECT_MESSAGE_REACTIONS, INTENT_DIRECT_MESSAGES,
                           INTENT_GUILD_MESSAGE_REACTIONS, INTENT_GUILD_MESSAGES,
                           INTENT_MESSAGE_CONTENT, KNOWN_INTENTS, PRIVILEGED, iso, public_message)

log = logging.getLogger("discord_sim.gateway")

CLOSE_REASONS = {
    4000: "Unknown error.", 4001: "Unknown opcode.", 4002: "Error while decoding payload.",
    4003: "Not authenticated.", 4004: "Authentication failed.", 4005: "Already authenticated.",
    4007: "Invalid seq.", 4008: "Rate limited.", 4009: "Session timed out.",
    4010: "Invalid shard.", 4011: "Sharding required.", 4012: "Invalid API version.",
    4013: "Invalid intent(s).", 4014: "Disallowed intent(s).",
}
# A server close with one of these codes ends the session (reference: "new session" / fatal).
SESSION_ENDING_CODES = {4003, 4004, 4005, 4007, 4008, 4009, 4010, 4011, 4012, 4013, 4014}
CLIENT_OPS = {1, 2, 3, 4, 6, 8, 31}


class Session:
    def __init__(self, sid: str, token: str, intents: int, shard):
        self.id = sid
        self.token = token
        self.intents = intents
        self.shard = shard                 # (id, count) or None
        self.seq = 0
        self.buffer: deque = deque()       # (seq, payload)
        self.floor = 1                     # lowest seq still replayable
        self.conn: Connection | None = None
        self.alive = True
        self.ended_reason: str | None = None
        self.created_at = time.time()
        self.disconnected_mono: float | None = None
        self.resumes = 0

    def expired(self, window: float) -> bool:
        return (self.conn is None and self.disconnected_mono is not None
                and time.monotonic() - self.disconnected_mono > window)

    def end(self, reason: str):
        if self.alive:
            self.alive = False
            self.ended_reason = reason

    def describe(self) -> dict:
        return {"session_id": self.id, "seq": self.seq, "alive": self.alive,
                "connected": self.conn is not None, "connection": self.conn.id if self.conn else None,
                "intents": self.intents, "shard": list(self.shard) if self.shard else None,
                "buffered": len(self.buffer), "resumes": self.resumes,
                "created_at": self.created_at, "ended_reason": self.ended_reason}


class Connection:
    _ids = itertools.count(1)

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, path: str, compress: bool,
                 interval_ms: int):
        self.id = next(self._ids)
        self.ws = ws
        self.request = request
        self.path = path
        self.query = dict(request.query)
        self.zlib = zlib.compressobj() if compress else None
        self.session: Session | None = None
        self.identified = False
        self.out: asyncio.Queue = asyncio.Queue()
        self.send_times: deque = deque()
        self.interval_ms = interval_ms
        self.last_hb = time.monotonic()
        self.last_hb_at: float | None = None
        self.acks = True
        self.heartbeats = 0
        self.closing = False
        self.server_close_code: int | None = None
        self.client_close_code: int | None = None
        self.aborted = False
        self.opened_at = time.time()
        self.user_agent = request.headers.get("User-Agent")

    def enqueue(self, payload: dict):
        if not self.closing:
            self.out.put_nowait(("json", payload))

    def close(self, code: int, reason: str | None = None):
        if not self.closing:
            self.closing = True
            self.server_close_code = code
            self.out.put_nowait(("close", code, reason if reason is not None else CLOSE_REASONS.get(code, "")))

    def abort(self):
        if not self.closing:
            self.closing = True
            self.aborted = True
            self.out.put_nowait(("abort",))

    def describe(self) -> dict:
        return {"id": self.id, "path": self.path, "query": self.query,
                "compressed": self.zlib is not None, "identified": self.identified,
                "session_id": self.session.id if self.session else None,
                "heartbeats": self.heartbeats, "last_heartbeat_at": self.last_hb_at,
                "acks": self.acks, "opened_at": self.opened_at, "user_agent": self.user_agent}


class Gateway:
    def __init__(self, sim):
        self.sim = sim
        self.state = sim.state
        self.reset()

    def reset(self):
        for conn in list(getattr(self, "conns", {}).values()):
            conn.abort()
        self.conns: dict[int, Connection] = {}
        self.sessions: dict[str, Session] = {}
        self.total_connections = 0
        self.identifies = 0
        self.resumes = 0
        self.failed_resumes = 0
        self.heartbeats = 0
        self.heartbeat_acks = 0
        self.heartbeat_requests = 0
        self.identify_times: deque = deque()
        self.identify_log: list[dict] = []
        self.closes: list[dict] = []
        self.events: list[dict] = []
        self.last_close_code: int | None = None
        self.last_client_close_code: int | None = None

    # ------------------------------------------------------------------ bookkeeping
    def _event(self, kind: str, conn: Connection | None = None, **detail):
        e = {"at": time.time(), "kind": kind, "connection": conn.id if conn else None}
        e.update(detail)
        self.events.append(e)
        if len(self.events) > 2000:
            del self.events[:500]

    def live_sessions(self) -> list[Session]:
        window = float(self.state.config["resume_window_s"])
        out = []
        for s in self.sessions.values():
            if s.alive and s.expired(window):
                s.end("resume window elapsed")
            if s.alive:
                out.append(s)
        return out

    def urls(self) -> tuple[str, str]:
        ws_base = self.state.base_url.replace("http://", "ws://", 1)
        return ws_base + "/gateway", ws_base + "/resume-gateway"

    # ------------------------------------------------------------------ websocket handler
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=1 << 22, timeout=5.0)
        if not ws.can_prepare(request).ok:
            return web.json_response({"message": "400: Bad Request", "code": 0}, status=400)
        q = request.query
        compress = q.get("compress")
        path = "/resume-gateway" if request.path.startswith("/resume-gateway") else "/gateway"
        await ws.prepare(request)
        interval = int(self.state.config["heartbeat_interval"])
        conn = Connection(ws, request, path, compress == "zlib-stream", interval)
        self.conns[conn.id] = conn
        self.total_connections += 1
        self._event("connect", conn, path=path, query=dict(q))
        writer = asyncio.create_task(self._writer(conn))
        watchdog = asyncio.create_task(self._watchdog(conn))
        conn.enqueue({"op": 10, "d": {"heartbeat_interval": interval, "_trace": ["[\"discord-sim\"]"]},
                      "s": None, "t": None})
        if q.get("v") != "10":
            conn.close(4012)
        elif q.get("encoding", "json") != "json" or compress not in (None, "zlib-stream"):
            # CHOICE: the simulator speaks JSON and zlib-stream only (no ETF, no zstd-stream).
            conn.close(4002, "Unsupported encoding or compression (simulator: json, zlib-stream).")
        try:
            while True:
                msg = await ws.receive()
                if msg.type == WSMsgType.TEXT:
                    self._on_text(conn, msg.data)
                elif msg.type == WSMsgType.BINARY:
                    self._on_frame_count(conn)
                    conn.close(4002)
                elif msg.type == WSMsgType.CLOSE:
                    conn.client_close_code = msg.data if isinstance(msg.data, int) else None
                    break
                else:               # CLOSING (we closed), CLOSED, ERROR
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._disconnected(conn)
            watchdog.cancel()
            conn.out.put_nowait(("stop",))
            try:
                await asyncio.wait_for(writer, 6.0)
            except (asyncio.TimeoutError, Exception):
                writer.cancel()
        return ws

    async def _writer(self, conn: Connection):
        ws = conn.ws
        split = bool(self.state.config.get("zlib_split_frames"))
        while True:
            item = await conn.out.get()
            kind = item[0]
            try:
                if kind == "json":
                    text = json.dumps(item[1], separators=(",", ":"), ensure_ascii=False)
                    if conn.zlib is not None:
                        data = conn.zlib.compress(text.encode()) + conn.zlib.flush(zlib.Z_SYNC_FLUSH)
                        if split and len(data) > 8:
                            half = len(data) // 2
                            await ws.send_bytes(data[:half])
                            await ws.send_bytes(data[half:])
                        else:
                            await ws.send_bytes(data)
                    else:
                        await ws.send_str(text)
                elif kind == "close":
                    self._event("server_close", conn, code=item[1], reason=item[2])
                    await ws.close(code=item[1], message=item[2].encode()[:120])
                    return
                elif kind == "abort":
                    self._event("drop", conn)
                    tr = conn.request.transport
                    if tr is not None:
                        tr.abort()
                    return
                else:
                    return
            except (ConnectionResetError, RuntimeError, asyncio.CancelledError):
                return
            except Exception:  # noqa: BLE001 - a broken socket must not kill the server
                log.debug("writer error", exc_info=True)
                return

    async def _watchdog(self, conn: Connection):
        factor = float(self.state.config["heartbeat_timeout_factor"])
        timeout = conn.interval_ms / 1000.0 * factor + 0.2
        try:
            while not conn.closing:
                left = conn.last_hb + timeout - time.monotonic()
                if left <= 0:
                    self._event("heartbeat_timeout", conn)
                    conn.close(4009)
                    return
                await asyncio.sleep(min(left, 1.0))
        except asyncio.CancelledError:
            pass

    def _disconnected(self, conn: Connection):
        conn.closing = True
        if self.conns.pop(conn.id, None) is None:
            return          # dropped by a reset: it belongs to the previous state
        code_s, code_c = conn.server_close_code, conn.client_close_code
        if code_s is not None:
            self.last_close_code = code_s
        if code_c is not None and code_s is None:
            self.last_client_close_code = code_c
        self.closes.append({"at": time.time(), "connection": conn.id,
                            "by": "server" if code_s is not None else ("drop" if conn.aborted else "client"),
                            "code": code_s if code_s is not None else code_c,
                            "session_id": conn.session.id if conn.session else None})
        self._event("disconnect", conn, server_code=code_s, client_code=code_c, aborted=conn.aborted)
        s = conn.session
        if s is None or s.conn is not conn:
            return
        s.conn = None
        s.disconnected_mono = time.monotonic()
        if code_s is not None and code_s in SESSION_ENDING_CODES:
            s.end(f"server closed with {code_s}")
        elif code_s is None and not conn.aborted and code_c in (1000, 1001):
            s.end(f"client closed with {code_c}")

    # ------------------------------------------------------------------ client payloads
    def _on_frame_count(self, conn: Connection) -> bool:
        now = time.monotonic()
        window = float(self.state.config["gateway_send_window_s"])
        conn.send_times.append(now)
        while conn.send_times and now - conn.send_times[0] > window:
            conn.send_times.popleft()
        if len(conn.send_times) > int(self.state.config["gateway_send_limit"]):
            self._event("send_rate_limited", conn, count=len(conn.send_times))
            conn.close(4008)
            return False
        return True

    def _on_text(self, conn: Connection, text: str):
        if conn.closing:
            return
        if not self._on_frame_count(conn):
            return
        if len(text.encode()) > int(self.state.config["gateway_max_payload"]):
            self._event("payload_too_large", conn, size=len(text.encode()))
            conn.close(4002)
            return
        try:
            payload = json.loads(text)
        except ValueError:
            conn.close(4002)
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("op"), int) \
                or isinstance(payload.get("op"), bool):
            conn.close(4002)
            return
        op = payload["op"]
        d = payload.get("d")
        if op not in CLIENT_OPS:
            self._event("unknown_op", conn, op=op)
            conn.close(4001)
        elif op == 1:
            if d is not None and (not isinstance(d, int) or isinstance(d, bool)):
                conn.close(4002)
                return
            conn.heartbeats += 1
            self.heartbeats += 1
            conn.last_hb = time.monotonic()
            conn.last_hb_at = time.time()
            if conn.acks:
                self.heartbeat_acks += 1
                conn.enqueue({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            self._identify(conn, d)
        elif op == 6:
            self._resume(conn, d)
        elif not conn.identified:
            conn.close(4003)
        else:
            self._event("op", conn, op=op)   # presence / voice / request members: accepted, ignored

    # ------------------------------------------------------------------ identify
    def _identify(self, conn: Connection, d):
        cfg = self.state.config
        if conn.identified:
            conn.close(4005)
            return
        if not isinstance(d, dict) or not isinstance(d.get("token"), str):
            conn.close(4002)
            return
        if not self.state.token_ok(d["token"]):
            self._event("identify_rejected", conn, reason="token")
            conn.close(4004)
            return
        props = d.get("properties")
        if not isinstance(props, dict) or not all(
                isinstance(props.get(k, props.get("$" + k)), str) for k in ("os", "browser", "device")):
            conn.close(4002)
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or isinstance(intents, bool) or intents < 0 \
                or intents & ~KNOWN_INTENTS:
            self._event("identify_rejected", conn, reason="intents", intents=intents)
            conn.close(4013)
            return
        for bit, key in PRIVILEGED.items():
            if intents & bit and not cfg[key]:
                self._event("identify_rejected", conn, reason="disallowed intents", intents=intents)
                conn.close(4014)
                return
        shard = d.get("shard")
        if shard is not None:
            if (not isinstance(shard, list) or len(shard) != 2
                    or not all(isinstance(x, int) and not isinstance(x, bool) for x in shard)
                    or shard[1] < 1 or not 0 <= shard[0] < shard[1]):
                conn.close(4010)
                return
            shard = (shard[0], shard[1])
        if cfg["sharding_required"] and (shard is None or shard[1] < int(cfg["shards"])):
            conn.close(4011)
            return
        lt = d.get("large_threshold")
        if lt is not None and (not isinstance(lt, int) or not 50 <= lt <= 250):
            conn.close(4002)
            return
        now = time.monotonic()
        while self.identify_times and now - self.identify_times[0] >= 5.0:
            self.identify_times.popleft()
        if cfg["enforce_identify_concurrency"] and len(self.identify_times) >= int(cfg["max_concurrency"]):
            # Reference: max_concurrency identifies per 5 s. Discord answers op 9 (not resumable).
            self._event("identify_rate_limited", conn)
            self.identify_log.append({"at": time.time(), "connection": conn.id, "accepted": False,
                                      "reason": "max_concurrency"})
            conn.enqueue({"op": 9, "d": False, "s": None, "t": None})
            return
        budget = self.state.session_start()
        if budget["remaining"] <= 0:
            # CHOICE: past the daily identify budget Discord resets the bot token; the simulator
            # revokes it (REST answers 401 from now on) and closes with 4004.
            self.state.token_revoked = True
            self._event("identify_budget_exhausted", conn)
            self.identify_log.append({"at": time.time(), "connection": conn.id, "accepted": False,
                                      "reason": "session_start_limit exhausted: token reset"})
            conn.close(4004)
            return
        cfg["session_start_remaining"] = budget["remaining"] - 1
        self.identify_times.append(now)
        self.identifies += 1
        sess = Session(secrets.token_hex(16), d["token"], intents, shard)
        self.sessions[sess.id] = sess
        sess.conn = conn
        conn.session = sess
        conn.identified = True
        self.identify_log.append({"at": time.time(), "connection": conn.id, "accepted": True,
                                  "session_id": sess.id, "intents": intents,
                                  "shard": list(shard) if shard else None,
                                  "properties": props})
        self._event("identify", conn, session_id=sess.id, intents=intents)
        self._send_ready(sess)

    def _guilds_for(self, sess: Session) -> list[dict]:
        out = []
        for g in self.state.config["guilds"]:
            if sess.shard and (int(g["id"]) >> 22) % sess.shard[1] != sess.shard[0]:
                continue
            out.append(g)
        return out

    def _send_ready(self, sess: Session):
        st = self.state
        _, resume_url = self.urls()
        guilds = self._guilds_for(sess)
        ready = {
            "v": 10, "user": st.bot_user_me(), "user_settings": {}, "relationships": [],
            "private_channels": [], "presences": [], "guild_join_requests": [],
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "session_id": sess.id, "session_type": "normal", "resume_gateway_url": resume_url,
            "application": {"id": st.app_id, "flags": st.app_flags()},
            "geo_ordered_rtc_regions": ["rotterdam", "madrid", "frankfurt"], "auth": {},
            "_trace": ["[\"discord-sim\",{\"micros\":0}]"],
        }
        if sess.shard:
            ready["shard"] = list(sess.shard)
        self._emit(sess, "READY", ready)
        for g in guilds:
            self._emit(sess, "GUILD_CREATE", self.guild_create(g))

    def guild_create(self, g: dict) -> dict:
        st = self.state
        everyone = {"id": g["id"], "name": "@everyone", "permissions": str(_everyone_perms()),
                    "position": 0, "color": 0, "colors": {"primary_color": 0, "secondary_color": None,
                                                           "tertiary_color": None},
                    "hoist": False, "managed": False, "mentionable": False, "icon": None,
                    "unicode_emoji": None, "flags": 0}
        channels = []
        for c in g["channels"]:
            ch = dict(st.ensure_channel(c["id"], g["id"], c.get("name")))
            ch.pop("guild_id", None)
            channels.append(ch)
        bot_member = st.member_object(st.bot_user(), g["id"])
        bot_member["joined_at"] = iso(st.started)
        return {
            "id": g["id"], "name": g["name"], "icon": None, "splash": None, "discovery_splash": None,
            "banner": None, "description": None, "owner_id": "1000000000000000042",
            "region": "deprecated", "afk_channel_id": None, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "roles": [everyone], "emojis": [], "stickers": [],
            "features": [], "mfa_level": 0, "application_id": None, "system_channel_id": None,
            "system_channel_flags": 0, "rules_channel_id": None, "max_members": 500000,
            "vanity_url_code": None, "premium_tier": 0, "premium_subscription_count": 0,
            "preferred_locale": "en-US", "public_updates_channel_id": None,
            "safety_alerts_channel_id": None, "nsfw_level": 0, "nsfw": False,
            "premium_progress_bar_enabled": False, "joined_at": iso(st.started), "large": False,
            "unavailable": False, "member_count": 2, "lazy": True, "voice_states": [],
            "members": [bot_member], "channels": channels, "threads": [], "presences": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "embedded_activities": [], "activity_instances": [], "version": 0, "incidents_data": None,
        }

    # ------------------------------------------------------------------ resume
    def _resume(self, conn: Connection, d):
        if conn.identified:
            conn.close(4005)
            return
        if not isinstance(d, dict) or not isinstance(d.get("token"), str) \
                or not isinstance(d.get("session_id"), str):
            conn.close(4002)
            return
        seq = d.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            # CHOICE: a RESUME needs the last sequence number the client saw (null included).
            conn.close(4002)
            return
        if not self.state.token_ok(d["token"]):
            conn.close(4004)
            return
        window = float(self.state.config["resume_window_s"])
        sess = self.sessions.get(d["session_id"])
        if sess is not None and sess.alive and sess.expired(window):
            sess.end("resume window elapsed")
        if sess is None or not sess.alive or sess.token != d["token"] or seq < sess.floor - 1:
            self.failed_resumes += 1
            self._event("resume_rejected", conn, session_id=d["session_id"], seq=seq)
            conn.enqueue({"op": 9, "d": False, "s": None, "t": None})
            return
        if seq > sess.seq:
            sess.end("resume with a future seq")
            conn.close(4007)
            return
        old = sess.conn
        if old is not None and old is not conn:
            old.session = None
            old.close(4000, "Session resumed on another connection.")
        sess.conn = conn
        sess.disconnected_mono = None
        conn.session = sess
        conn.identified = True
        sess.resumes += 1
        self.resumes += 1
        replayed = [p for (sq, p) in sess.buffer if sq > seq]
        self._event("resume", conn, session_id=sess.id, seq=seq, replayed=len(replayed))
        for p in replayed:
            conn.enqueue(p)
        self._emit(sess, "RESUMED", {"_trace": ["[\"discord-sim\",{\"micros\":0}]"]})

    # ------------------------------------------------------------------ dispatch
    def _emit(self, sess: Session, t: str, d) -> int:
        sess.seq += 1
        payload = {"op": 0, "d": d, "s": sess.seq, "t": t}
        sess.buffer.append((sess.seq, payload))
        limit = int(self.state.config["resume_buffer_max"])
        while len(sess.buffer) > limit:
            sess.buffer.popleft()
        if sess.buffer:
            sess.floor = sess.buffer[0][0]
        if sess.conn is not None:
            sess.conn.enqueue(payload)
        return sess.seq

    def dispatch(self, t: str, data, guild_id: str | None = None, intent: int | None = None) -> list[str]:
        """Send one event to every live session that should see it. `data` may be a function
        of the session (returning None to skip it). Returns the session ids it went to."""
        delivered = []
        for s in self.live_sessions():
            if s.shard:
                shard_of = (int(guild_id) >> 22) % s.shard[1] if guild_id else 0
                if shard_of != s.shard[0]:
                    continue
            if intent is not None and not (s.intents & intent):
                continue
            d = data(s) if callable(data) else data
            if d is None:
                continue
            self._emit(s, t, d)
            delivered.append(s.id)
        return delivered

    # ------------------------------------------------------------------ message events
    def _content_visible(self, s: Session, rec: dict) -> bool:
        if s.intents & INTENT_MESSAGE_CONTENT:
            return True
        if rec.get("_guild_id") is None:
            return True
        bot = self.state.bot_user_id
        if rec["author"]["id"] == bot:
            return True
        return any(m.get("id") == bot for m in rec.get("mentions", []))

    def _message_event(self, rec: dict, s: Session) -> dict:
        m = public_message(rec)
        gid = rec.get("_guild_id")
        if gid:
            m["guild_id"] = gid
            m["member"] = self.state.member_object(m["author"], gid, with_user=False)
        if not self._content_visible(s, rec):
            m["content"] = ""
            m["embeds"] = []
            m["attachments"] = []
            m["components"] = []
            m.pop("poll", None)
        return m

    def _message_intent(self, rec: dict, reactions: bool = False) -> int:
        if rec.get("_guild_id"):
            return INTENT_GUILD_MESSAGE_REACTIONS if reactions else INTENT_GUILD_MESSAGES
        return INTENT_DIRECT_MESSAGE_REACTIONS if reactions else INTENT_DIRECT_MESSAGES

    def message_create(self, rec: dict) -> list[str]:
        if rec.get("flags", 0) & 64:
            return []
        return self.dispatch("MESSAGE_CREATE", lambda s: self._message_event(rec, s),
                             guild_id=rec.get("_guild_id"), intent=self._message_intent(rec))

    def message_update(self, rec: dict) -> list[str]:
        if rec.get("flags", 0) & 64:
            return []
        return self.dispatch("MESSAGE_UPDATE", lambda s: self._message_event(rec, s),
                             guild_id=rec.get("_guild_id"), intent=self._message_intent(rec))

    def message_delete(self, rec: dict) -> list[str]:
        if rec.get("flags", 0) & 64:
            return []
        d = {"id": rec["id"], "channel_id": rec["channel_id"]}
        if rec.get("_guild_id"):
            d["guild_id"] = rec["_guild_id"]
        return self.dispatch("MESSAGE_DELETE", d, guild_id=rec.get("_guild_id"),
                             intent=self._message_intent(rec))

    def reaction_add(self, rec: dict, user: dict, emoji: dict) -> list[str]:
        if rec.get("flags", 0) & 64:
            return []
        d = {"user_id": user["id"], "channel_id": rec["channel_id"], "message_id": rec["id"],
             "emoji": emoji, "burst": False, "type": 0, "message_author_id": rec["author"]["id"]}
        if rec.get("_guild_id"):
            d["guild_id"] = rec["_guild_id"]
            d["member"] = self.state.member_object(user, rec["_guild_id"])
        return self.dispatch("MESSAGE_REACTION_ADD", d, guild_id=rec.get("_guild_id"),
                             intent=self._message_intent(rec, reactions=True))

    # ------------------------------------------------------------------ control
    def targets(self, session_id: str | None = None) -> list[Connection]:
        conns = [c for c in self.conns.values() if not c.closing]
        if session_id:
            conns = [c for c in conns if c.session and c.session.id == session_id]
        return conns

    def control(self, body: dict) -> dict:
        action = body.get("action")
        conns = self.targets(body.get("session_id"))
        affected = [c.id for c in conns]
        if action == "close":
            code = int(body.get("code", 4000))
            for c in conns:
                c.close(code, body.get("reason"))
        elif action == "reconnect":
            for c in conns:
                c.enqueue({"op": 7, "d": None, "s": None, "t": None})
                self._event("op7", c)
        elif action == "invalid_session":
            resumable = bool(body.get("resumable", False))
            for c in conns:
                c.enqueue({"op": 9, "d": resumable, "s": None, "t": None})
                self._event("op9", c, resumable=resumable)
                s = c.session
                c.session = None
                c.identified = False
                if s is not None:
                    s.conn = None
                    s.disconnected_mono = time.monotonic()
                    if not resumable:
                        s.end("invalid session (op 9 false)")
        elif action == "drop":
            for c in conns:
                c.abort()
        elif action == "stop_acks":
            for c in conns:
                c.acks = False
        elif action == "resume_acks":
            for c in conns:
                c.acks = True
        elif action == "heartbeat":
            for c in conns:
                self.heartbeat_requests += 1
                c.enqueue({"op": 1, "d": None, "s": None, "t": None})
        elif action == "dispatch":
            t = body.get("t")
            if not isinstance(t, str):
                raise ValueError("dispatch needs t")
            return {"action": action, "sessions": self.dispatch(t, body.get("d"),
                                                                guild_id=body.get("guild_id"))}
        elif action == "end_sessions":
            for s in self.live_sessions():
                s.end("ended by control")
            affected = []
        else:
            raise ValueError(f"unknown action {action!r}")
        return {"action": action, "connections": affected}

    def snapshot(self) -> dict:
        live = {s.id for s in self.live_sessions()}
        sessions = [s.describe() for s in self.sessions.values()
                    if s.id in live or time.time() - s.created_at < 600]
        return {
            "connections": self.total_connections,
            "open_connections": [c.describe() for c in self.conns.values()],
            "identifies": self.identifies, "resumes": self.resumes,
            "failed_resumes": self.failed_resumes, "sessions": sessions,
            "last_close_code": self.last_close_code,
            "last_client_close_code": self.last_client_close_code,
            "heartbeats": self.heartbeats, "heartbeat_acks": self.heartbeat_acks,
            "heartbeat_requests": self.heartbeat_requests, "closes": self.closes[-200:],
            "identify_log": self.identify_log[-200:], "session_start_limit": self.state.session_start(),
            "events": self.events[-300:],
        }


def _everyone_perms() -> int:
    from discord_state import MEMBER_PERMISSIONS
    return MEMBER_PERMISSIONS
