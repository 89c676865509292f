"""REST API under /api/v10: routing, the request pipeline (Cloudflare checks, auth, global and
per-route rate limits, storms), and the handlers that are not about interactions.

Pipeline for every request under /api/:
  1. Cloudflare ban in force            -> 429 text "error code: 1015" (no Via header)
  2. User-Agent                          -> 403 {"message":"internal network error","code":40333}
     bot routes need `DiscordBot (url, version)`; token routes (interaction callbacks, webhooks,
     which discord.py itself calls with aiohttp's default agent) need a non-empty one.
  3. route match                          -> 404 {"message":"404: Not Found","code":0} / 405
  4. auth: bot routes need `Authorization: Bot <token>` -> 401 {"message":"401: Unauthorized","code":0}
     token routes accept no Authorization header, or a valid one.
  5. global limit (bot routes only)       -> 429 global
  6. storm on the route (control knob)    -> 429
  7. per-route bucket                     -> 429 scope user
  8. JSON body                            -> 400 {"code":50109,"message":"The request body contains invalid JSON."}
  9. handler
Every API response has Content-Type application/json (except 204) and `Via: 1.1 google` (as
behind Discord's load balancer; discord.py uses its absence to recognise a Cloudflare ban).
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse

from aiohttp import web

from discord_ratelimit import normalise_route
from discord_state import (FLAG_COMPONENTS_V2, FLAG_EPHEMERAL, FLAG_SUPPRESS_EMBEDS,
                           FLAG_SUPPRESS_NOTIFICATIONS, public_message)
from discord_validate import FormErrors, message_is_empty, validate_commands, validate_message_body

UA_RE = re.compile(r"^DiscordBot \((\S+?),? +([^)]+)\)")

NOT_FOUND = {"message": "404: Not Found", "code": 0}
UNAUTHORIZED = {"message": "401: Unauthorized", "code": 0}
CLOUDFLARE_BLOCK = {"message": "internal network error", "code": 40333}
UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}
UNKNOWN_EMOJI = {"message": "Unknown Emoji", "code": 10014}
MISSING_ACCESS = {"message": "Missing Access", "code": 50001}
NOT_AUTHOR = {"message": "Cannot edit a message authored by another user", "code": 50005}
NOT_THIS_APP = {"message": "You are not authorized to perform this action on this application", "code": 20012}
BAD_JSON = {"message": "The request body contains invalid JSON.", "code": 50109}
EMPTY_MESSAGE = {"message": "Cannot send an empty message", "code": 50006}


class Route:
    def __init__(self, method, template, handler, bucket, major=None, auth="bot"):
        self.method = method
        self.template = template
        self.segments = template.strip("/").split("/")
        self.handler = handler
        self.bucket = bucket
        self.major = major            # param name(s) forming the major parameter
        self.auth = auth              # "bot" | "token" | "none"
        self.key = normalise_route(f"{method} {template}")

    def match(self, segs):
        if len(segs) != len(self.segments):
            return None
        params = {}
        for want, got in zip(self.segments, segs):
            if want.startswith("{"):
                if got == "":
                    return None
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params


def _routes():
    R = Route
    return [
        R("GET", "/gateway", "gateway", "gateway", auth="none"),
        R("GET", "/gateway/bot", "gateway_bot", "gateway_bot"),
        R("GET", "/users/@me", "users_me", "users_me"),
        R("GET", "/oauth2/applications/@me", "application", "application"),
        R("GET", "/applications/@me", "application", "application"),
        R("GET", "/applications/{application_id}/commands", "commands_get", "commands_get"),
        R("PUT", "/applications/{application_id}/commands", "commands_put", "commands_put"),
        R("GET", "/applications/{application_id}/guilds/{guild_id}/commands", "commands_get",
          "commands_get", major=("guild_id",)),
        R("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", "commands_put",
          "commands_put", major=("guild_id",)),
        R("POST", "/interactions/{interaction_id}/{interaction_token}/callback", "callback",
          "interaction_callback", major=("interaction_id", "interaction_token"), auth="token"),
        R("GET", "/webhooks/{application_id}/{webhook_token}/messages/{message_id}", "webhook_get",
          "webhook_message", major=("application_id", "webhook_token"), auth="token"),
        R("PATCH", "/webhooks/{application_id}/{webhook_token}/messages/{message_id}", "webhook_edit",
          "webhook_message", major=("application_id", "webhook_token"), auth="token"),
        R("DELETE", "/webhooks/{application_id}/{webhook_token}/messages/{message_id}", "webhook_delete",
          "webhook_message", major=("application_id", "webhook_token"), auth="token"),
        R("POST", "/webhooks/{application_id}/{webhook_token}", "webhook_execute",
          "webhook_message", major=("application_id", "webhook_token"), auth="token"),
        R("GET", "/channels/{channel_id}", "channel_get", "channel_get", major=("channel_id",)),
        R("POST", "/channels/{channel_id}/messages", "message_create", "message_create",
          major=("channel_id",)),
        R("GET", "/channels/{channel_id}/messages/{message_id}", "message_get", "message_get",
          major=("channel_id",)),
        R("PATCH", "/channels/{channel_id}/messages/{message_id}", "message_edit", "message_edit",
          major=("channel_id",)),
        R("DELETE", "/channels/{channel_id}/messages/{message_id}", "message_delete", "message_delete",
          major=("channel_id",)),
        R("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "reaction_put",
          "reaction", major=("channel_id",)),
    ]


class Rest:
    def __init__(self, sim):
        self.sim = sim
        self.state = sim.state
        self.record_file: str | None = None  # --record: the bot's writes, for the secrets scan
        self.rl = sim.ratelimit
        self.routes = _routes()

    # ------------------------------------------------------------------ responses
    @staticmethod
    def _respond(status: int, body, headers: dict | None = None, via: bool = True) -> web.Response:
        h = dict(headers or {})
        if via:
            h["Via"] = "1.1 google"
        if status == 204 or body is None:
            return web.Response(status=status if status != 200 else 204, headers=h)
        if isinstance(body, str):
            return web.Response(status=status, text=body, content_type="text/plain", headers=h)
        # Exactly "application/json", as Discord sends it (discord.py compares it verbatim).
        h["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(body).encode(), headers=h)

    def _log(self, request, path, query, body, status, resp_body, route, t0, auth_ok):
        auth = request.headers.get("Authorization")
        headers = {"user-agent": request.headers.get("User-Agent")}
        if auth is not None:
            headers["authorization"] = "Bot ***" if auth_ok else auth
        for h in ("Content-Type", "X-Audit-Log-Reason"):
            if h in request.headers:
                headers[h.lower()] = request.headers[h]
        self.state.requests.append({
            "method": request.method, "path": path, "query": query, "headers": headers,
            "body": body, "status": status, "response": resp_body,
            "route": route.key if route else None, "at": t0, "duration_ms": int((time.time() - t0) * 1000),
        })
        if len(self.state.requests) > 20000:
            del self.state.requests[:5000]
        if self.record_file and request.method in ("POST", "PATCH", "PUT") and body:
            with open(self.record_file, "a") as f:
                f.write(json.dumps({"method": request.method, "path": path, "body": body}) + "\n")

    # ------------------------------------------------------------------ pipeline
    async def handle(self, request: web.Request) -> web.Response:
        t0 = time.time()
        raw = request.rel_url.raw_path
        query = dict(request.rel_url.query)
        raw_body = await request.read()
        body = None
        body_ok = True
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                body_ok = False
                body = raw_body.decode(errors="replace")
        route = None
        auth_ok = False

        def done(status, resp_body=None, headers=None, via=True, scope=None):
            if status in (401, 403, 429):
                self.rl.note_status(status, scope)
            self._log(request, raw, query, body, status, resp_body, route, t0, auth_ok)
            return self._respond(status, resp_body, headers, via)

        banned = self.rl.banned()
        if banned:
            return done(429, "error code: 1015",
                        {"Retry-After": self.rl.retry_after_header(banned)}, via=False, scope="ban")

        if not raw.startswith("/api/v10/"):
            return done(404, NOT_FOUND)
        segs = [urllib.parse.unquote(s) for s in raw[len("/api/v10/"):].rstrip("/").split("/")]
        params = None
        path_matched = False
        for r in self.routes:
            p = r.match(segs)
            if p is None:
                continue
            path_matched = True
            if r.method == request.method:
                route, params = r, p
                break
        ua = request.headers.get("User-Agent", "")
        strict_ua = route is None or route.auth != "token"
        if not ua.strip() or (strict_ua and not UA_RE.match(ua)):
            return done(403, CLOUDFLARE_BLOCK, via=False)
        if route is None:
            if path_matched:
                return done(405, {"message": "405: Method Not Allowed", "code": 0})
            return done(404, NOT_FOUND)

        auth = request.headers.get("Authorization")
        token_ok = auth is not None and auth.startswith("Bot ") and self.state.token_ok(auth[4:])
        if route.auth == "bot":
            if not token_ok:
                return done(401, UNAUTHORIZED)
            auth_ok = True
        elif route.auth == "token":
            if auth is not None and not token_ok:
                return done(401, UNAUTHORIZED)
            auth_ok = token_ok

        if route.auth == "bot":
            retry = self.rl.check_global()
            if retry is not None:
                self.rl.count_global_429 += 1
                return done(429, {"message": "You are being rate limited.", "retry_after": round(retry, 3),
                                  "global": True},
                            {"Retry-After": self.rl.retry_after_header(retry), "X-RateLimit-Global": "true",
                             "X-RateLimit-Scope": "global"}, scope="global")

        major = ":".join(params.get(k, "") for k in route.major) if route.major else ""
        storm = self.rl.take_storm(route.key)
        if storm is not None:
            ra = storm["retry_after"]
            limit, _ = self.rl.limits_for(route.bucket, route.key)
            h = self.rl.storm_headers(route.bucket, limit, ra)
            h["Retry-After"] = self.rl.retry_after_header(ra)
            h["X-RateLimit-Scope"] = storm["scope"]
            is_global = storm["scope"] == "global"
            if is_global:
                h["X-RateLimit-Global"] = "true"
            return done(429, {"message": "You are being rate limited.", "retry_after": ra, "global": is_global},
                        h, scope=storm["scope"])

        allowed, rl_headers, retry = self.rl.take(route.bucket, major, route.key)
        if not allowed:
            h = dict(rl_headers)
            h["Retry-After"] = self.rl.retry_after_header(retry)
            h["X-RateLimit-Scope"] = "user"
            return done(429, {"message": "You are being rate limited.", "retry_after": round(retry, 3),
                              "global": False}, h, scope="user")

        if not body_ok:
            return done(400, BAD_JSON, rl_headers)
        handler = getattr(self, "h_" + route.handler)
        status, resp = handler(params, body, query)
        return done(status, resp, rl_headers)

    # ------------------------------------------------------------------ gateway, identity
    def h_gateway(self, p, body, q):
        return 200, {"url": self.sim.gateway.urls()[0]}

    def h_gateway_bot(self, p, body, q):
        return 200, {"url": self.sim.gateway.urls()[0], "shards": int(self.state.config["shards"]),
                     "session_start_limit": self.state.session_start()}

    def h_users_me(self, p, body, q):
        return 200, self.state.bot_user_me()

    def h_application(self, p, body, q):
        return 200, self.state.application()

    # ------------------------------------------------------------------ commands
    def _command_scope(self, p):
        st = self.state
        if p["application_id"] != st.app_id:
            return None, (403, NOT_THIS_APP)
        gid = p.get("guild_id")
        if gid is not None and st.guild(gid) is None:
            return None, (403, MISSING_ACCESS)
        return gid, None

    def h_commands_get(self, p, body, q):
        gid, err = self._command_scope(p)
        if err:
            return err
        return 200, self.state.commands_for(gid)

    def h_commands_put(self, p, body, q):
        st = self.state
        gid, err = self._command_scope(p)
        if err:
            return err
        errs = validate_commands(body)
        if errs:
            return 400, errs.body()
        old = {(c.get("type", 1), c["name"]): c for c in st.commands_for(gid)}
        out = []
        for c in body:
            ctype = c.get("type", 1)
            prev = old.get((ctype, c["name"]))
            cmd = {
                "id": prev["id"] if prev else st.snow.next(), "application_id": st.app_id,
                "version": st.snow.next(), "default_member_permissions": c.get("default_member_permissions"),
                "type": ctype, "name": c["name"], "name_localizations": c.get("name_localizations"),
                "description": c.get("description", ""),
                "description_localizations": c.get("description_localizations"),
                "dm_permission": c.get("dm_permission", True) if gid is None else None,
                "contexts": c.get("contexts"), "integration_types": c.get("integration_types", [0]),
                "nsfw": bool(c.get("nsfw", False)),
            }
            if gid is not None:
                cmd["guild_id"] = gid
                cmd.pop("dm_permission")
            if c.get("options"):
                cmd["options"] = c["options"]
            out.append(cmd)
        if gid is None:
            st.global_commands = out
        else:
            st.guild_commands[gid] = out
        return 200, out

    # ------------------------------------------------------------------ interactions and webhooks
    def h_callback(self, p, body, q):
        return self.sim.interactions.callback(p["interaction_id"], p["interaction_token"], body, q)

    def h_webhook_get(self, p, body, q):
        return self.sim.interactions.get_message(p["application_id"], p["webhook_token"], p["message_id"])

    def h_webhook_edit(self, p, body, q):
        return self.sim.interactions.edit_message(p["application_id"], p["webhook_token"],
                                                  p["message_id"], body if body is not None else {})

    def h_webhook_delete(self, p, body, q):
        return self.sim.interactions.delete_message(p["application_id"], p["webhook_token"], p["message_id"])

    def h_webhook_execute(self, p, body, q):
        return self.sim.interactions.followup(p["application_id"], p["webhook_token"],
                                              body if body is not None else {}, q)

    # ------------------------------------------------------------------ channels and messages
    def _channel(self, cid):
        st = self.state
        if not st.channel_known(cid):
            return None
        if cid not in st.channels:
            st.ensure_channel(cid, st.config["guilds"][0]["id"] if st.config["guilds"] else None)
        return st.channels[cid]

    def _message(self, cid, mid):
        rec = self.state.messages.get(mid)
        if rec is None or rec["channel_id"] != cid or rec["_deleted"] or rec.get("flags", 0) & FLAG_EPHEMERAL:
            return None
        return rec

    def h_channel_get(self, p, body, q):
        ch = self._channel(p["channel_id"])
        if ch is None:
            return 404, UNKNOWN_CHANNEL
        return 200, ch

    def h_message_create(self, p, body, q):
        st = self.state
        cid = p["channel_id"]
        if self._channel(cid) is None:
            return 404, UNKNOWN_CHANNEL
        errs = FormErrors()
        validate_message_body(errs, body if body is not None else {})
        if errs:
            return 400, errs.body()
        if message_is_empty(body or {}):
            return 400, EMPTY_MESSAGE
        ref = body.get("message_reference")
        if ref is not None:
            target = st.messages.get(str(ref.get("message_id"))) if isinstance(ref, dict) else None
            if target is None or target["_deleted"]:
                if not isinstance(ref, dict) or ref.get("fail_if_not_exists", True):
                    e = FormErrors()
                    e.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                    return 400, e.body()
                body = dict(body)
                body.pop("message_reference")
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            prev = st.nonces.get((cid, str(nonce)))
            if prev and time.time() - prev[1] < 300 and prev[0] in st.messages:
                return 200, public_message(st.messages[prev[0]])
        # CHOICE: flags other than SUPPRESS_EMBEDS / SUPPRESS_NOTIFICATIONS / IS_COMPONENTS_V2
        # (e.g. 64) are dropped.
        flags = (body.get("flags") or 0) & (FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2)
        mtype = 19 if body.get("message_reference") else 0
        rec = st.new_message(cid, st.bot_user(), body, mtype=mtype, flags=flags)
        if nonce is not None and body.get("enforce_nonce"):
            st.nonces[(cid, str(nonce))] = (rec["id"], time.time())
        self.sim.gateway.message_create(rec)
        return 200, public_message(rec)

    def h_message_get(self, p, body, q):
        if self._channel(p["channel_id"]) is None:
            return 404, UNKNOWN_CHANNEL
        rec = self._message(p["channel_id"], p["message_id"])
        if rec is None:
            return 404, UNKNOWN_MESSAGE
        return 200, public_message(rec)

    def h_message_edit(self, p, body, q):
        from discord_interactions import apply_edit, legacy_on_layout
        if self._channel(p["channel_id"]) is None:
            return 404, UNKNOWN_CHANNEL
        rec = self._message(p["channel_id"], p["message_id"])
        if rec is None:
            return 404, UNKNOWN_MESSAGE
        if rec["author"]["id"] != self.state.bot_user_id:
            return 403, NOT_AUTHOR
        errs = FormErrors()
        validate_message_body(errs, body if body is not None else {}, edit=True)
        legacy_on_layout(errs, rec, body or {})
        if errs:
            return 400, errs.body()
        merged = {k: (body or {}).get(k, rec.get(k)) for k in ("content", "embeds", "components")}
        if message_is_empty(merged):
            return 400, EMPTY_MESSAGE
        apply_edit(self.state, rec, body or {})
        self.sim.gateway.message_update(rec)
        return 200, public_message(rec)

    def h_message_delete(self, p, body, q):
        if self._channel(p["channel_id"]) is None:
            return 404, UNKNOWN_CHANNEL
        rec = self._message(p["channel_id"], p["message_id"])
        if rec is None:
            return 404, UNKNOWN_MESSAGE
        if rec["author"]["id"] != self.state.bot_user_id:
            return 403, {"message": "Missing Permissions", "code": 50013}
        rec["_deleted"] = True
        self.sim.gateway.message_delete(rec)
        return 204, None

    def h_reaction_put(self, p, body, q):
        st = self.state
        if self._channel(p["channel_id"]) is None:
            return 404, UNKNOWN_CHANNEL
        rec = self._message(p["channel_id"], p["message_id"])
        if rec is None:
            return 404, UNKNOWN_MESSAGE
        emoji = parse_emoji(p["emoji"])
        if emoji is None:
            return 400, UNKNOWN_EMOJI
        reactions = rec.setdefault("reactions", [])
        key = emoji["id"] or emoji["name"]
        for r in reactions:
            if (r["emoji"]["id"] or r["emoji"]["name"]) == key:
                if not r["me"]:
                    r["me"] = True
                    r["count"] += 1
                    r["count_details"]["normal"] += 1
                    self.sim.gateway.reaction_add(rec, st.bot_user(), emoji)
                return 204, None
        reactions.append({"emoji": emoji, "count": 1, "count_details": {"burst": 0, "normal": 1},
                          "me": True, "me_burst": False, "burst_colors": [], "burst_count": 0})
        self.sim.gateway.reaction_add(rec, st.bot_user(), emoji)
        return 204, None


def parse_emoji(s: str) -> dict | None:
    """Unicode emoji (any text with a non-ASCII character) or `name:id` custom emoji."""
    if not s:
        return None
    m = re.fullmatch(r"a?:?([A-Za-z0-9_]{2,32}):(\d{1,20})", s)
    if m:
        return {"id": m.group(2), "name": m.group(1)}
    if any(ord(ch) > 127 for ch in s) and len(s) <= 16:
        return {"id": None, "name": s}
    return None
