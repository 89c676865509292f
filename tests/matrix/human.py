"""A human Matrix user for tests, driven by a real client library (matrix-nio, no E2EE).

Every method is synchronous: each Human owns a private asyncio event loop and runs one nio
coroutine on it per call, so plain (non-async) pytest tests can use several Humans side by
side. The nio AsyncClient is `human.client`; run any other nio coroutine with
`human.run(human.client.some_method(...))`.

Events are plain dicts exactly as Synapse sent them in /sync, plus two keys:
`room_id` (the room they came from, None for global account data / to-device) and
`_section` ("timeline", "state", "invite", "ephemeral", "account_data", "leave",
"to_device", "global_account_data").

`wait_for(pred)` first looks in the *backlog* (events received by earlier syncs that no
`wait_for` has returned yet, including the initial sync done at construction), then long-polls
/sync until a matching event arrives. A returned event leaves the backlog, so the same event is
never returned twice; `drain()` empties the backlog. `history` keeps every event seen.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import uuid
from typing import Any, Callable, Iterable

import nio

__all__ = ["Human", "MatrixError", "message", "reaction", "invite", "member", "state_event", "q"]

Event = dict
Predicate = Callable[[Event], Any]

# Timeline limit large enough that a test never sees `limited: true` for its own traffic.
SYNC_FILTER = {
    "room": {"timeline": {"limit": 100}},
    "presence": {"not_types": ["*"]},
}


def q(segment: str) -> str:
    """Percent-encodes one URL path segment."""
    return urllib.parse.quote(segment, safe="")


class MatrixError(RuntimeError):
    """A Matrix API call failed: `.status` (HTTP), `.errcode` (M_…), `.retry_after_ms`."""

    def __init__(self, what: str, status: int | None, errcode: str | None, error: str | None,
                 retry_after_ms: int | None = None, body: Any = None):
        super().__init__(f"{what}: HTTP {status} {errcode}: {error}")
        self.status, self.errcode, self.error = status, errcode, error
        self.retry_after_ms, self.body = retry_after_ms, body


# ---------------------------------------------------------------------------- predicates
# Small predicate builders for wait_for(); every argument left None matches anything.

def message(room_id: str | None = None, sender: str | None = None, contains: str | None = None,
            msgtype: str | None = None, body: str | None = None) -> Predicate:
    """An m.room.message timeline event."""
    def pred(e: Event) -> bool:
        c = e.get("content") or {}
        return (e.get("_section") == "timeline" and e.get("type") == "m.room.message"
                and (room_id is None or e.get("room_id") == room_id)
                and (sender is None or e.get("sender") == sender)
                and (msgtype is None or c.get("msgtype") == msgtype)
                and (body is None or c.get("body") == body)
                and (contains is None or contains in str(c.get("body", ""))))
    return pred


def reaction(room_id: str | None = None, target: str | None = None, key: str | None = None,
             sender: str | None = None) -> Predicate:
    """An m.reaction (m.annotation) timeline event."""
    def pred(e: Event) -> bool:
        rel = (e.get("content") or {}).get("m.relates_to") or {}
        return (e.get("_section") == "timeline" and e.get("type") == "m.reaction"
                and rel.get("rel_type") == "m.annotation"
                and (room_id is None or e.get("room_id") == room_id)
                and (target is None or rel.get("event_id") == target)
                and (key is None or rel.get("key") == key)
                and (sender is None or e.get("sender") == sender))
    return pred


def invite(room_id: str | None = None, sender: str | None = None) -> Predicate:
    """The invitee's own m.room.member invite, in the `rooms.invite` section of /sync."""
    def pred(e: Event) -> bool:
        return (e.get("_section") == "invite" and e.get("type") == "m.room.member"
                and (e.get("content") or {}).get("membership") == "invite"
                and (room_id is None or e.get("room_id") == room_id)
                and (sender is None or e.get("sender") == sender))
    return pred


def state_event(type: str, room_id: str | None = None, state_key: str | None = None,
                sender: str | None = None) -> Predicate:
    """A state event of `type` in the timeline or state section of a joined room."""
    def pred(e: Event) -> bool:
        return (e.get("_section") in ("timeline", "state") and e.get("type") == type
                and "state_key" in e
                and (room_id is None or e.get("room_id") == room_id)
                and (state_key is None or e.get("state_key") == state_key)
                and (sender is None or e.get("sender") == sender))
    return pred


def member(room_id: str | None = None, user_id: str | None = None,
           membership: str | None = "join") -> Predicate:
    """An m.room.member event for `user_id` with that membership (timeline/state/invite)."""
    def pred(e: Event) -> bool:
        return (e.get("type") == "m.room.member" and e.get("_section") in ("timeline", "state", "invite")
                and (room_id is None or e.get("room_id") == room_id)
                and (user_id is None or e.get("state_key") == user_id)
                and (membership is None or (e.get("content") or {}).get("membership") == membership))
    return pred


def _describe(e: Event) -> str:
    c = e.get("content") or {}
    extra = c.get("body") or c.get("membership") or (c.get("m.relates_to") or {}).get("key") or ""
    return f"[{e.get('_section')}] {e.get('room_id')} {e.get('type')} {e.get('sender')} {str(extra)[:80]!r}"


def _flatten(raw: dict) -> list[Event]:
    out: list[Event] = []

    def add(events: Iterable[dict] | None, room_id: str | None, section: str) -> None:
        for ev in events or ():
            d = dict(ev)
            if room_id is not None:
                d.setdefault("room_id", room_id)
            else:
                d.setdefault("room_id", None)
            d["_section"] = section
            out.append(d)

    rooms = raw.get("rooms") or {}
    for rid, r in (rooms.get("invite") or {}).items():
        add((r.get("invite_state") or {}).get("events"), rid, "invite")
    for rid, r in (rooms.get("join") or {}).items():
        add((r.get("state") or {}).get("events"), rid, "state")
        add((r.get("timeline") or {}).get("events"), rid, "timeline")
        add((r.get("ephemeral") or {}).get("events"), rid, "ephemeral")
        add((r.get("account_data") or {}).get("events"), rid, "account_data")
    for rid, r in (rooms.get("leave") or {}).items():
        add((r.get("state") or {}).get("events"), rid, "leave")
        add((r.get("timeline") or {}).get("events"), rid, "leave")
    add((raw.get("account_data") or {}).get("events"), None, "global_account_data")
    add((raw.get("to_device") or {}).get("events"), None, "to_device")
    return out


class Human:
    """One Matrix user (one device) driven through matrix-nio. See the module docstring.

    Human(url, user_id, access_token=..., device_id=...)   reuse a token (e.g. from register)
    Human(url, user_id, password=...)                      log in with a password (new device)
    retry_on_429=True lets nio wait out 429s; False surfaces them as MatrixError(M_LIMIT_EXCEEDED).
    """

    def __init__(self, homeserver_url: str, user_id: str, access_token: str | None = None,
                 device_id: str | None = None, password: str | None = None, *,
                 retry_on_429: bool = True, initial_sync: bool = True,
                 request_timeout: float = 30.0):
        self.url = homeserver_url
        self.user_id = user_id
        self.loop = asyncio.new_event_loop()
        self.backlog: list[Event] = []
        self.history: list[Event] = []
        self.next_batch: str | None = None
        self._filter_id: str | None = None
        config = self._config(retry_on_429, request_timeout)
        self.client: nio.AsyncClient = self.run(self._make_client(config, device_id))
        try:
            if access_token:
                self.client.restore_login(user_id, device_id or "", access_token)
            elif password is not None:
                resp = self.run(self.client.login(password, device_name="wagbot-test-human"))
                self._check(resp, "login")
            else:
                raise ValueError("Human needs an access_token or a password")
            self.access_token = self.client.access_token
            self.device_id = self.client.device_id
            if initial_sync:
                self.sync()
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_registration(cls, homeserver_url: str, reg: dict, **kw) -> "Human":
        """From the dict returned by Homeserver.register()."""
        return cls(homeserver_url, reg["user_id"], access_token=reg["access_token"],
                   device_id=reg.get("device_id"), **kw)

    def _config(self, retry_on_429: bool, request_timeout: float) -> nio.AsyncClientConfig:
        return nio.AsyncClientConfig(
            max_limit_exceeded=None if retry_on_429 else 0,
            max_timeouts=None,
            request_timeout=request_timeout,
            encryption_enabled=False,
            store_sync_tokens=False,
        )

    async def _make_client(self, config: nio.AsyncClientConfig, device_id: str | None) -> nio.AsyncClient:
        return nio.AsyncClient(self.url, self.user_id, device_id=device_id or "", config=config)

    # ------------------------------------------------------------------ plumbing

    def run(self, coro, timeout: float | None = 60.0):
        """Runs one coroutine on this Human's loop (with a deadline) and returns its result."""
        if timeout is not None:
            coro = asyncio.wait_for(coro, timeout)
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        try:
            self.loop.run_until_complete(self.client.close())
        except Exception:
            pass
        finally:
            self.loop.close()

    def __enter__(self) -> "Human":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Human({self.user_id})"

    @staticmethod
    def _check(resp, what: str):
        if isinstance(resp, nio.ErrorResponse):
            tr = getattr(resp, "transport_response", None)
            raise MatrixError(what, getattr(tr, "status", None), resp.status_code, resp.message,
                              getattr(resp, "retry_after_ms", None))
        return resp

    def api(self, method: str, path: str, body: Any = None, ok: Iterable[int] = (200,),
            timeout: float = 30.0) -> Any:
        """A raw Client-Server API call with this user's token (Authorization header).

        `path` starts with /_matrix/...; percent-encode identifiers with q(). Returns the
        parsed JSON body; raises MatrixError when the status is not in `ok`.
        """
        async def go():
            import json as _json
            headers = {"Authorization": f"Bearer {self.client.access_token}"}
            data = None
            if body is not None:
                data = _json.dumps(body)
                headers["Content-Type"] = "application/json"
            resp = await self.client.send(method, path, data, headers, timeout=timeout)
            try:
                status = resp.status
                try:
                    parsed = await resp.json(content_type=None)
                except ValueError:
                    parsed = await resp.text()
                return status, parsed
            finally:
                resp.release()

        status, parsed = self.run(go(), timeout + 5)
        if status not in tuple(ok):
            p = parsed if isinstance(parsed, dict) else {}
            raise MatrixError(f"{method} {path}", status, p.get("errcode"), p.get("error", parsed),
                              p.get("retry_after_ms"), parsed)
        return parsed

    # ------------------------------------------------------------------ sync / waiting

    def sync(self, timeout_ms: int = 0) -> list[Event]:
        """One /sync from the last position; returns its events (also added to the backlog)."""
        return self.run(self._sync(timeout_ms), timeout_ms / 1000 + 30)

    async def _sync(self, timeout_ms: int) -> list[Event]:
        resp = await self.client.sync(timeout=timeout_ms, sync_filter=SYNC_FILTER,
                                      since=self.next_batch, set_presence="offline")
        self._check(resp, "sync")
        raw = await resp.transport_response.json()
        self.next_batch = raw.get("next_batch", self.next_batch)
        events = _flatten(raw)
        self.backlog.extend(events)
        self.history.extend(events)
        return events

    def drain(self) -> list[Event]:
        """Syncs once (no wait) and empties the backlog; returns what was in it."""
        self.sync()
        out, self.backlog = self.backlog, []
        return out

    @staticmethod
    def _matches(pred: Predicate, e: Event) -> bool:
        try:
            return bool(pred(e))
        except (KeyError, TypeError, IndexError, AttributeError):
            return False

    def _take(self, pred: Predicate) -> Event | None:
        for i, e in enumerate(self.backlog):
            if self._matches(pred, e):
                del self.backlog[i]
                return e
        return None

    def wait_for(self, pred: Predicate, timeout: float = 10.0) -> Event:
        """The first event (backlog first, then new /sync results) for which pred(e) is true.

        A predicate that raises KeyError/TypeError/IndexError/AttributeError counts as false.
        Raises TimeoutError listing the last events seen.
        """
        deadline = time.monotonic() + timeout
        while True:
            hit = self._take(pred)
            if hit is not None:
                return hit
            left = deadline - time.monotonic()
            if left <= 0:
                seen = "\n  ".join(_describe(e) for e in self.history[-15:])
                raise TimeoutError(f"{self.user_id}: no matching event within {timeout}s; "
                                   f"last events seen:\n  {seen}")
            try:
                self.run(self._sync(int(min(left, 5.0) * 1000)), left + 1)
            except asyncio.TimeoutError:
                pass  # e.g. the homeserver is restarting; the deadline decides

    def expect_nothing(self, pred: Predicate, within: float = 2.0) -> None:
        """Asserts that no event matching pred is in the backlog or arrives within `within` s."""
        try:
            e = self.wait_for(pred, within)
        except TimeoutError:
            return
        raise AssertionError(f"{self.user_id}: unexpected event {_describe(e)}: {e}")

    def wait_for_message(self, room_id: str | None = None, sender: str | None = None,
                         contains: str | None = None, msgtype: str | None = None,
                         timeout: float = 10.0) -> Event:
        return self.wait_for(message(room_id, sender, contains, msgtype), timeout)

    def wait_for_invite(self, room_id: str | None = None, timeout: float = 10.0) -> Event:
        return self.wait_for(invite(room_id), timeout)

    # ------------------------------------------------------------------ rooms

    def create_room(self, invite: Iterable[str] = (), is_direct: bool = False,
                    encrypted: bool = False, name: str | None = None, topic: str | None = None,
                    preset: str | None = None, power_level_override: dict | None = None,
                    initial_state: Iterable[dict] = (), room_version: str | None = None) -> str:
        """Creates a room and returns its id.

        encrypted=True adds the m.room.encryption (m.megolm.v1.aes-sha2) initial state.
        is_direct=True does what Element does for a DM: preset trusted_private_chat,
        is_direct on the invite, and the room recorded in this user's m.direct account data.
        preset: "private_chat" (default for a room), "trusted_private_chat", "public_chat".
        """
        invite = list(invite)
        state = list(initial_state)
        if encrypted:
            state.append({"type": "m.room.encryption", "state_key": "",
                          "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
        if preset is None:
            preset = "trusted_private_chat" if is_direct else "private_chat"
        resp = self.run(self.client.room_create(
            name=name, topic=topic, is_direct=is_direct, preset=nio.RoomPreset(preset),
            invite=invite, initial_state=state, power_level_override=power_level_override,
            room_version=room_version))
        room_id = self._check(resp, "createRoom").room_id
        if is_direct and invite:
            path = f"/_matrix/client/v3/user/{q(self.user_id)}/account_data/m.direct"
            try:
                direct = self.api("GET", path)
            except MatrixError as e:
                if e.status != 404:
                    raise
                direct = {}
            for u in invite:
                direct.setdefault(u, []).append(room_id)
            self.api("PUT", path, direct)
        return room_id

    def join(self, room: str) -> str:
        """Joins a room by id (or alias); returns the room id."""
        return self._check(self.run(self.client.join(room)), f"join {room}").room_id

    def leave(self, room_id: str) -> None:
        self._check(self.run(self.client.room_leave(room_id)), f"leave {room_id}")

    def invite(self, room_id: str, user_id: str) -> None:
        self._check(self.run(self.client.room_invite(room_id, user_id)), f"invite {user_id}")

    def kick(self, room_id: str, user_id: str, reason: str | None = None) -> None:
        self._check(self.run(self.client.room_kick(room_id, user_id, reason)), f"kick {user_id}")

    def joined_members(self, room_id: str) -> list[str]:
        resp = self._check(self.run(self.client.joined_members(room_id)), "joined_members")
        return sorted(m.user_id for m in resp.members)

    def joined_rooms(self) -> list[str]:
        return list(self._check(self.run(self.client.joined_rooms()), "joined_rooms").rooms)

    def get_state(self, room_id: str, type: str, state_key: str = "") -> dict | None:
        """The content of one state event, or None if the room has no such state."""
        try:
            return self.api("GET", f"/_matrix/client/v3/rooms/{q(room_id)}/state/{q(type)}/{q(state_key)}")
        except MatrixError as e:
            if e.status == 404:
                return None
            raise

    def state(self, room_id: str) -> list[dict]:
        """All current state events of a room (raw)."""
        return self.api("GET", f"/_matrix/client/v3/rooms/{q(room_id)}/state")

    def set_state(self, room_id: str, type: str, content: dict, state_key: str = "") -> str:
        resp = self.run(self.client.room_put_state(room_id, type, content, state_key))
        return self._check(resp, f"state {type}").event_id

    def set_power_level(self, room_id: str, user_id: str, level: int) -> str:
        pl = self.get_state(room_id, "m.room.power_levels") or {}
        pl.setdefault("users", {})[user_id] = level
        return self.set_state(room_id, "m.room.power_levels", pl)

    def messages(self, room_id: str, limit: int = 50) -> list[dict]:
        """The latest `limit` timeline events of a room, oldest first (GET /messages)."""
        out = self.api("GET", f"/_matrix/client/v3/rooms/{q(room_id)}/messages?dir=b&limit={int(limit)}")
        return list(reversed(out.get("chunk", [])))

    # ------------------------------------------------------------------ sending

    def send_event(self, room_id: str, type: str, content: dict, txn_id: str | None = None) -> str:
        """Sends any room event (sent as-is: no encryption, see README); returns its event id."""
        resp = self.run(self.client.room_send(room_id, type, content, tx_id=txn_id or uuid.uuid4().hex,
                                              ignore_unverified_devices=True))
        return self._check(resp, f"send {type}").event_id

    def send_text(self, room_id: str, body: str, thread_root: str | None = None,
                  reply_to: str | None = None, notice: bool = False, html: str | None = None,
                  mentions: Iterable[str] | None = None, extra: dict | None = None) -> str:
        """Sends m.text (or m.notice) and returns the event id.

        thread_root: post in that thread (rel_type m.thread; falls back to a reply to the root,
        or to `reply_to` as a real in-thread reply). reply_to alone: a plain rich reply.
        mentions: user ids for m.mentions (always present, empty by default).
        """
        content: dict[str, Any] = {"msgtype": "m.notice" if notice else "m.text", "body": body,
                                   "m.mentions": {"user_ids": list(mentions)} if mentions else {}}
        if html is not None:
            content["format"] = "org.matrix.custom.html"
            content["formatted_body"] = html
        if thread_root:
            content["m.relates_to"] = {
                "rel_type": "m.thread", "event_id": thread_root,
                "is_falling_back": reply_to is None,
                "m.in_reply_to": {"event_id": reply_to or thread_root},
            }
        elif reply_to:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        if extra:
            content.update(extra)
        return self.send_event(room_id, "m.room.message", content)

    def react(self, room_id: str, event_id: str, key: str) -> str:
        return self.send_event(room_id, "m.reaction", {
            "m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}})

    def edit(self, room_id: str, event_id: str, new_body: str) -> str:
        return self.send_event(room_id, "m.room.message", {
            "msgtype": "m.text", "body": f"* {new_body}", "m.mentions": {},
            "m.new_content": {"msgtype": "m.text", "body": new_body, "m.mentions": {}},
            "m.relates_to": {"rel_type": "m.replace", "event_id": event_id}})

    def redact(self, room_id: str, event_id: str, reason: str | None = None) -> str:
        resp = self.run(self.client.room_redact(room_id, event_id, reason))
        return self._check(resp, f"redact {event_id}").event_id

    def typing(self, room_id: str, on: bool = True, timeout_ms: int = 30000) -> None:
        self._check(self.run(self.client.room_typing(room_id, on, timeout_ms)), "typing")

    def read_receipt(self, room_id: str, event_id: str) -> None:
        self._check(self.run(self.client.room_read_markers(room_id, event_id, event_id)), "receipt")
