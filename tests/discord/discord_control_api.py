"""The /_control API (JSON in and out; errors `{"error": "..."}`), used by pytest through
control.py. Nothing done here is logged as a REST request or counted by any rate limit.
README.md documents every call."""

from __future__ import annotations

import json
import urllib.parse

from aiohttp import web

from discord_interactions import ControlError
from discord_state import control_message, is_snowflake


class ControlAPI:
    def __init__(self, sim):
        self.sim = sim
        self.state = sim.state

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path[len("/_control"):].rstrip("/") or "/"
        segs = [urllib.parse.unquote(s) for s in path.strip("/").split("/")] if path != "/" else []
        body = None
        if request.can_read_body:
            raw = await request.read()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._err(400, "body is not JSON")
        if body is None:
            body = {}
        try:
            status, out = self._route(request.method, segs, body, request.query)
        except ControlError as e:
            return self._err(e.status, e.message)
        except (ValueError, TypeError, KeyError) as e:
            return self._err(400, f"{type(e).__name__}: {e}")
        return web.json_response(out, status=status)

    @staticmethod
    def _err(status: int, msg: str) -> web.Response:
        return web.json_response({"error": msg}, status=status)

    def _route(self, method: str, segs: list, body, query):
        sim, st = self.sim, self.state
        head = segs[0] if segs else ""
        if method == "GET" and head == "health":
            return 200, {"status": "ok", "url": st.base_url}
        if head == "config":
            if method == "GET":
                return 200, st.public_config()
            if method == "POST":
                if not isinstance(body, dict):
                    raise ControlError(400, "config body must be an object")
                return 200, st.update_config(body)
        if head == "reset" and method == "POST":
            sim.reset()
            if isinstance(body, dict) and body.get("config"):
                st.update_config(body["config"])
            return 200, {"status": "reset", "config": st.public_config()}
        if head == "interaction" and method == "POST":
            return 200, sim.interactions.create(body)
        if head == "interactions":
            if len(segs) == 1 and method == "GET":
                return 200, {"interactions": [
                    {"id": i.id, "kind": i.kind, "status": i.status(int(st.config["interaction_timeout_ms"])),
                     "callback_type": i.callback_type, "created_at": i.created_at}
                    for i in st.interactions.values()]}
            if len(segs) == 2 and method == "GET":
                inter = st.interactions.get(segs[1])
                if inter is None:
                    raise ControlError(404, f"no interaction {segs[1]}")
                return 200, sim.interactions.describe(inter)
        if head == "message" and method == "POST":
            return 200, self._message(body)
        if head == "messages" and len(segs) == 2 and method == "GET":
            rec = st.messages.get(segs[1])
            if rec is None:
                raise ControlError(404, f"no message {segs[1]}")
            return 200, control_message(rec)
        if head == "channels":
            if len(segs) == 1 and method == "GET":
                return 200, {"channels": list(st.channels.values())}
            if len(segs) == 1 and method == "POST":
                cid = str(body.get("id") or st.snow.next())
                gid = body.get("guild_id", st.config["guilds"][0]["id"] if st.config["guilds"] else None)
                return 200, st.ensure_channel(cid, str(gid) if gid else None, body.get("name"))
            if len(segs) == 3 and segs[2] == "messages" and method == "GET":
                include_deleted = query.get("include_deleted") in ("1", "true")
                return 200, {"messages": [control_message(m) for m in
                                          st.channel_messages(segs[1], include_deleted)]}
        if head == "gateway":
            if method == "GET":
                return 200, sim.gateway.snapshot()
            if method == "POST":
                return 200, sim.gateway.control(body)
        if head == "ratelimit":
            if method == "GET":
                return 200, sim.ratelimit.snapshot()
            if method == "POST":
                return 200, self._ratelimit(body)
        if head == "requests":
            if method == "GET":
                reqs = st.requests
                if query.get("path_contains"):
                    reqs = [r for r in reqs if query["path_contains"] in r["path"]]
                if query.get("method"):
                    reqs = [r for r in reqs if r["method"] == query["method"].upper()]
                return 200, {"requests": reqs}
            if method == "DELETE":
                n = len(st.requests)
                st.requests.clear()
                return 200, {"cleared": n}
        if head == "commands" and method == "GET":
            gid = query.get("guild_id") or None
            return 200, {"guild_id": gid, "commands": st.commands_for(gid)}
        raise ControlError(404, f"no control call {method} /_control/{'/'.join(segs)}")

    # ------------------------------------------------------------------ helpers
    def _message(self, body: dict) -> dict:
        st = self.state
        user_id = str(body.get("user_id") or "2000000000000000001")
        if not is_snowflake(user_id):
            raise ControlError(400, "user_id must be a snowflake")
        author = st.remember_user(user_id, body.get("username"), bot=bool(body.get("bot")))
        if body.get("bot"):
            author["bot"] = True
        cid = body.get("channel_id")
        cid = str(cid) if cid is not None else None
        if "guild_id" in body:
            gid = str(body["guild_id"]) if body["guild_id"] is not None else None
        elif body.get("dm"):
            gid = None
        elif cid is not None and cid in st.channels:
            gid = st.channels[cid].get("guild_id")
        else:
            gid = st.config["guilds"][0]["id"] if st.config["guilds"] else None
        if gid is None:
            if cid is None:
                cid = st.dm_channel_for(author)["id"]
            else:
                st.ensure_channel(cid, None, dm_user=author)
        else:
            if cid is None:
                chans = [c for c in st.channels.values() if c.get("guild_id") == gid]
                if not chans:
                    raise ControlError(400, f"guild {gid} has no channel: give channel_id")
                cid = chans[0]["id"]
            st.ensure_channel(cid, gid)
        msg_body = {"content": body.get("content", "")}
        for k in ("embeds", "components", "message_reference"):
            if body.get(k):
                msg_body[k] = body[k]
        rec = st.new_message(cid, author, msg_body, mtype=19 if body.get("message_reference") else 0)
        sessions = self.sim.gateway.message_create(rec)
        return {"message": control_message(rec), "sessions": sessions}

    def _ratelimit(self, body: dict) -> dict:
        rl = self.sim.ratelimit
        out: dict = {}
        if body.get("route") is not None:
            key = rl.set_storm(body["route"], int(body.get("storm", 0)),
                               float(body.get("retry_after", 0.5)), body.get("scope", "user"))
            if not any(r.key == key for r in self.sim.rest.routes):
                rl.storms.pop(key, None)
                raise ControlError(400, f"no such route {key!r}; routes: "
                                   + ", ".join(r.key for r in self.sim.rest.routes))
            out["storm"] = {"route": key, **rl.storms.get(key, {"remaining": 0})}
        if body.get("bucket_limits") is not None:
            self.state.update_config({"bucket_limits": body["bucket_limits"]})
        if body.get("global_limit") is not None:
            self.state.update_config({"global_limit": int(body["global_limit"])})
        if body.get("clear_buckets"):
            rl.buckets.clear()
        if body.get("clear_ban"):
            rl.banned_until = 0.0
            rl.invalid.clear()
        out.update(rl.snapshot())
        return out
