"""Simulator state: configuration, snowflakes, users, guilds, channels, messages,
interactions, registered commands and the REST request log.

Everything here is plain data plus small helpers; the REST, gateway and control modules
act on one `SimState` instance. Times: `time.time()` for what Discord shows (timestamps,
X-RateLimit-Reset), `time.monotonic()` for deadlines.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import os
import secrets
import threading
import time
from collections import OrderedDict

DISCORD_EPOCH_MS = 1420070400000

# Intents (gateway.md / reference "Intents").
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15
# Every documented intent bit: 0..16, 20, 21, 24, 25. Any other bit closes with 4013.
KNOWN_INTENTS = sum(1 << b for b in list(range(0, 17)) + [20, 21, 24, 25])
PRIVILEGED = {INTENT_GUILD_MEMBERS: "members_allowed", INTENT_GUILD_PRESENCES: "presences_allowed",
              INTENT_MESSAGE_CONTENT: "message_content_allowed"}

# Application flags shown in READY.application.flags and /oauth2/applications/@me.
APP_FLAG_PRESENCE_LIMITED = 1 << 13
APP_FLAG_GUILD_MEMBERS_LIMITED = 1 << 15
APP_FLAG_MESSAGE_CONTENT_LIMITED = 1 << 19
APP_FLAG_COMMAND_BADGE = 1 << 23

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15

# Permissions an ordinary member has (what @everyone gets on a new server).
_MEMBER_PERMISSION_BITS = [0, 6, 9, 10, 11, 14, 15, 16, 18, 19, 20, 21, 25, 26, 31, 35, 36, 38, 39, 40, 46]
MEMBER_PERMISSIONS = sum(1 << b for b in _MEMBER_PERMISSION_BITS)
ADMINISTRATOR = 1 << 3

DEFAULT_CONFIG = {
    "token": "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GsimTk.discord-simulator-token-for-wagbot-tests",
    "application_id": "1100000000000000001",
    "bot_user_id": None,              # None: same as application_id (as for every modern app)
    "bot_username": "wagbot",
    "bot_discriminator": "4821",
    # Servers the bot is in. An entry is an id or {"id","name","channels":[id|{"id","name"}]}.
    "guilds": [{"id": "1200000000000000001", "name": "Wag Lab",
                "channels": [{"id": "1300000000000000001", "name": "general"}]}],
    "shards": 1,                      # recommended shard count in GET /gateway/bot
    "sharding_required": False,       # True: IDENTIFY without a shard count >= shards closes 4011
    "heartbeat_interval": 41250,      # ms, sent in Hello
    "heartbeat_timeout_factor": 1.5,  # no heartbeat for interval*factor + 0.2 s -> close 4009
    "message_content_allowed": False,  # privileged intents enabled "in the portal"
    "members_allowed": False,
    "presences_allowed": False,
    "session_start_total": 1000,
    "session_start_remaining": 1000,
    "session_start_reset_after": 86400000,  # ms until the identify budget refills
    "max_concurrency": 1,             # IDENTIFYs per 5 s (more: op 9 false)
    "enforce_identify_concurrency": True,
    "resume_window_s": 180.0,         # how long a disconnected session stays resumable
    "resume_buffer_max": 1000,        # dispatches kept per session for replay
    "gateway_send_limit": 120,        # client payloads per connection per window (then 4008)
    "gateway_send_window_s": 60.0,
    "gateway_max_payload": 4096,      # bytes per client payload (then 4002)
    "zlib_split_frames": False,       # send each zlib-stream message as two binary frames
    "global_limit": 50,               # REST requests per second per bot (callbacks/webhooks exempt)
    "bucket_limits": {},              # overrides: {"POST /channels/{id}/messages": {"limit":5,"per":2}}
    "invalid_request_limit": 10000,   # 401/403/429 per 10 min before the Cloudflare ban
    "invalid_request_window_s": 600.0,
    "ban_seconds": 3600.0,
    "interaction_timeout_ms": 3000,   # initial callback deadline (then 10062)
    "interaction_token_ttl_s": 900.0,  # follow-up token lifetime (then 50027)
    "require_registered_commands": True,  # /_control/interaction only for registered commands
    "strict_channels": True,          # unknown channel ids -> 404 10003
    "locale": "en-US",
}


def now_ms() -> int:
    return int(time.time() * 1000)


def iso(ts: float | None = None) -> str:
    ts = time.time() if ts is None else ts
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).isoformat(timespec="microseconds")


class Snowflakes:
    """Discord snowflakes: ms since 2015 << 22 | worker << 17 | process << 12 | increment."""

    def __init__(self):
        self._inc = itertools.count()
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> str:
        with self._lock:
            ms = max(now_ms() - DISCORD_EPOCH_MS, self._last)
            inc = next(self._inc) & 0xFFF
            if inc == 0xFFF:
                ms += 1
            self._last = ms
            return str((ms << 22) | (1 << 17) | ((os.getpid() & 0x1F) << 12) | inc)


def is_snowflake(s) -> bool:
    return isinstance(s, str) and s.isdigit() and 0 < len(s) <= 20 and int(s) < 2 ** 64


def user_object(user_id: str, username: str, bot: bool = False, discriminator: str = "0",
                global_name: str | None = None) -> dict:
    u = {"id": str(user_id), "username": username, "discriminator": discriminator,
         "global_name": global_name if global_name is not None else (None if bot else username),
         "avatar": None, "avatar_decoration_data": None, "public_flags": 0,
         "flags": 0, "banner": None, "accent_color": None, "clan": None,
         "primary_guild": None, "collectibles": None}
    if bot:
        u["bot"] = True
    return u


def normalise_guilds(guilds) -> list[dict]:
    out = []
    for i, g in enumerate(guilds or []):
        if isinstance(g, (str, int)):
            g = {"id": str(g)}
        g = dict(g)
        g["id"] = str(g["id"])
        g.setdefault("name", f"Guild {i + 1}")
        chans = []
        for j, c in enumerate(g.get("channels", [])):
            if isinstance(c, (str, int)):
                c = {"id": str(c)}
            c = dict(c)
            c["id"] = str(c["id"])
            c.setdefault("name", f"channel-{j + 1}")
            chans.append(c)
        g["channels"] = chans
        out.append(g)
    return out


class Interaction:
    """One interaction the simulator created, and everything the bot did with it."""

    def __init__(self, iid: str, token: str, kind: str, itype: int, payload: dict):
        self.id = iid
        self.token = token
        self.kind = kind
        self.type = itype
        self.payload = payload
        self.created_mono = time.monotonic()
        self.created_at = time.time()
        self.responses: list[dict] = []       # accepted callbacks
        self.errors: list[dict] = []          # rejected callbacks / webhook calls
        self.edits: list[dict] = []           # PATCH @original bodies
        self.original_id: str | None = None   # message the token's @original points to
        self.followup_ids: list[str] = []
        self.callback_type: int | None = None
        self.modal: dict | None = None        # type 9 data
        self.autocomplete_choices: list | None = None
        self.completed = False                # deferred answer edited / followed up
        self.delivered_to: list[str] = []     # session ids

    def rel_ms(self) -> int:
        return int((time.monotonic() - self.created_mono) * 1000)

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None

    def status(self, timeout_ms: int) -> str:
        if self.callback_type is None:
            return "expired" if self.rel_ms() >= timeout_ms else "pending"
        if self.callback_type in (5, 6):
            return "completed" if self.completed else "deferred"
        return "responded"


class SimState:
    def __init__(self):
        self.snow = Snowflakes()
        self.base_url = "http://127.0.0.1:0"
        self.started = time.time()
        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def reset(self):
        self.config = copy.deepcopy(DEFAULT_CONFIG)
        self.token_revoked = False
        self._apply_derived()
        self.session_start_reset_at = now_ms() + self.config["session_start_reset_after"]
        self.channels: dict[str, dict] = {}
        self.dm_channels: dict[str, str] = {}     # user id -> channel id
        self.users: dict[str, dict] = {}
        self.messages: "OrderedDict[str, dict]" = OrderedDict()   # id -> message record
        self.interactions: dict[str, Interaction] = {}
        self.global_commands: list[dict] = []
        self.guild_commands: dict[str, list[dict]] = {}
        self.requests: list[dict] = []
        self.nonces: dict[tuple, tuple] = {}      # (channel, nonce) -> (message id, time)
        self._register_config_channels()

    def _apply_derived(self):
        c = self.config
        c["guilds"] = normalise_guilds(c["guilds"])
        c["application_id"] = str(c["application_id"])
        if c.get("bot_user_id") in (None, ""):
            self.bot_user_id = c["application_id"]
        else:
            self.bot_user_id = str(c["bot_user_id"])

    def _register_config_channels(self):
        for g in self.config["guilds"]:
            for c in g["channels"]:
                self.ensure_channel(c["id"], g["id"], c.get("name"))

    def update_config(self, patch: dict) -> dict:
        unknown = [k for k in patch if k not in DEFAULT_CONFIG]
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        for k, v in patch.items():
            if k == "bucket_limits":
                self.config["bucket_limits"].update(v or {})
            else:
                self.config[k] = v
        if "token" in patch:
            self.token_revoked = False
        if "session_start_remaining" in patch or "session_start_reset_after" in patch:
            self.session_start_reset_at = now_ms() + self.config["session_start_reset_after"]
        self._apply_derived()
        self._register_config_channels()
        return self.public_config()

    def public_config(self) -> dict:
        c = copy.deepcopy(self.config)
        c["bot_user_id"] = self.bot_user_id
        c["session_start_remaining"] = self.session_start()["remaining"]
        return c

    # ------------------------------------------------------------------ identify budget
    def session_start(self) -> dict:
        c = self.config
        now = now_ms()
        if now >= self.session_start_reset_at:
            c["session_start_remaining"] = c["session_start_total"]
            self.session_start_reset_at = now + c["session_start_reset_after"]
        return {"total": c["session_start_total"], "remaining": c["session_start_remaining"],
                "reset_after": max(0, self.session_start_reset_at - now),
                "max_concurrency": c["max_concurrency"]}

    # ------------------------------------------------------------------ identity
    @property
    def app_id(self) -> str:
        return self.config["application_id"]

    def token_ok(self, token) -> bool:
        return (isinstance(token, str) and not self.token_revoked
                and secrets.compare_digest(token.encode(), self.config["token"].encode()))

    def bot_user(self) -> dict:
        u = user_object(self.bot_user_id, self.config["bot_username"], bot=True,
                        discriminator=self.config["bot_discriminator"])
        u["global_name"] = None
        return u

    def bot_user_me(self) -> dict:
        u = self.bot_user()
        u.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "premium_type": 0,
                  "email": None})
        return u

    def app_flags(self) -> int:
        c = self.config
        f = APP_FLAG_COMMAND_BADGE
        if c["message_content_allowed"]:
            f |= APP_FLAG_MESSAGE_CONTENT_LIMITED
        if c["members_allowed"]:
            f |= APP_FLAG_GUILD_MEMBERS_LIMITED
        if c["presences_allowed"]:
            f |= APP_FLAG_PRESENCE_LIMITED
        return f

    def application(self) -> dict:
        owner = user_object("1000000000000000042", "homelab-owner")
        return {
            "id": self.app_id, "name": self.config["bot_username"], "icon": None,
            "description": "", "summary": "", "type": None, "hook": True,
            "bot_public": False, "bot_require_code_grant": False,
            "verify_key": "9f2b1c7a4e5d6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8",
            "owner": owner, "team": None, "flags": self.app_flags(),
            "guild_id": None, "rpc_origins": [], "tags": [], "redirect_uris": [],
            "interactions_endpoint_url": None, "role_connections_verification_url": None,
            "event_webhooks_url": None, "event_webhooks_status": 1, "event_webhooks_types": [],
            "approximate_guild_count": len(self.config["guilds"]),
            "approximate_user_install_count": 0,
            "integration_types_config": {"0": {}},
            "install_params": None, "bot": self.bot_user(),
        }

    def remember_user(self, user_id: str, username: str | None, bot: bool = False) -> dict:
        user_id = str(user_id)
        u = self.users.get(user_id)
        if u is None or (username and u["username"] != username):
            u = user_object(user_id, username or f"user{user_id[-4:]}", bot=bot)
            self.users[user_id] = u
        return u

    # ------------------------------------------------------------------ guilds and channels
    def guild(self, guild_id) -> dict | None:
        for g in self.config["guilds"]:
            if g["id"] == str(guild_id):
                return g
        return None

    def ensure_channel(self, channel_id: str, guild_id: str | None, name: str | None = None,
                       dm_user: dict | None = None) -> dict:
        channel_id = str(channel_id)
        ch = self.channels.get(channel_id)
        if ch is None:
            if guild_id:
                ch = {"id": channel_id, "type": 0, "guild_id": str(guild_id),
                      "name": name or f"channel-{channel_id[-4:]}", "position": len(self.channels),
                      "permission_overwrites": [], "parent_id": None, "nsfw": False,
                      "topic": None, "last_message_id": None, "rate_limit_per_user": 0,
                      "flags": 0}
            else:
                ch = {"id": channel_id, "type": 1, "last_message_id": None, "flags": 0,
                      "recipients": [dm_user] if dm_user else []}
            self.channels[channel_id] = ch
        return ch

    def dm_channel_for(self, user: dict) -> dict:
        cid = self.dm_channels.get(user["id"])
        if cid is None:
            cid = self.snow.next()
            self.dm_channels[user["id"]] = cid
        return self.ensure_channel(cid, None, dm_user=user)

    def channel_known(self, channel_id: str) -> bool:
        return channel_id in self.channels or not self.config["strict_channels"]

    def channel_guild(self, channel_id: str) -> str | None:
        ch = self.channels.get(channel_id)
        return ch.get("guild_id") if ch else None

    # ------------------------------------------------------------------ members
    def member_object(self, user: dict, guild_id: str, permissions: int | None = None,
                      with_user: bool = True) -> dict:
        m = {"avatar": None, "banner": None, "communication_disabled_until": None,
             "deaf": False, "mute": False, "flags": 0, "joined_at": iso(self.started - 86400 * 30),
             "nick": None, "pending": False, "premium_since": None, "roles": [],
             "unusual_dm_activity_until": None}
        if permissions is not None:
            m["permissions"] = str(permissions)
        if with_user:
            m["user"] = user
        return m

    # ------------------------------------------------------------------ messages
    def new_message(self, channel_id: str, author: dict, body: dict, *, mtype: int = 0,
                    flags: int = 0, webhook_id: str | None = None,
                    interaction: Interaction | None = None) -> dict:
        mid = self.snow.next()
        content = body.get("content") or ""
        mentions = []
        # A Components V2 message mentions in its text displays.
        for uid in _mentioned_ids(content + "\n" + layout_text(body.get("components"))):
            u = self.users.get(uid) or (self.bot_user() if uid == self.bot_user_id else None)
            if u is not None:
                mentions.append(u)
        msg = {
            "id": mid, "type": mtype, "channel_id": channel_id, "author": author,
            "content": content, "timestamp": iso(), "edited_timestamp": None, "tts": bool(body.get("tts")),
            "mention_everyone": False, "mentions": mentions, "mention_roles": [],
            "attachments": [], "embeds": copy.deepcopy(body.get("embeds") or []),
            "pinned": False, "flags": flags, "components": copy.deepcopy(body.get("components") or []),
        }
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        if webhook_id:
            msg["webhook_id"] = webhook_id
            msg["application_id"] = self.app_id
        if interaction is not None:
            inv = interaction_invoker(interaction.payload)
            meta = {"id": interaction.id, "type": interaction.type, "user": inv,
                    "authorizing_integration_owners": interaction.payload.get(
                        "authorizing_integration_owners", {})}
            if interaction.type == 2:
                meta["name"] = interaction.payload["data"]["name"]
                meta["command_type"] = interaction.payload["data"].get("type", 1)
                msg["interaction"] = {"id": interaction.id, "type": interaction.type,
                                      "name": interaction.payload["data"]["name"], "user": inv}
            msg["interaction_metadata"] = meta
        if body.get("message_reference"):
            ref = dict(body["message_reference"])
            ref.setdefault("channel_id", channel_id)
            ref["type"] = 0
            msg["message_reference"] = ref
            ref_msg = self.messages.get(str(ref.get("message_id")))
            if ref_msg is not None:
                msg["referenced_message"] = public_message(ref_msg)
        guild_id = self.channel_guild(channel_id)
        record = dict(msg)
        record["_guild_id"] = guild_id
        record["_deleted"] = False
        record["_interaction_id"] = interaction.id if interaction else None
        self.messages[mid] = record
        ch = self.channels.get(channel_id)
        if ch is not None:
            ch["last_message_id"] = mid
        return record

    def channel_messages(self, channel_id: str, include_deleted: bool = False) -> list[dict]:
        return [m for m in self.messages.values()
                if m["channel_id"] == channel_id and (include_deleted or not m["_deleted"])]

    # ------------------------------------------------------------------ commands
    def commands_for(self, guild_id: str | None) -> list[dict]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.get(str(guild_id), [])

    def find_command(self, name: str, guild_id: str | None, ctype: int = 1) -> dict | None:
        pools = ([self.guild_commands.get(str(guild_id), [])] if guild_id else []) + [self.global_commands]
        for pool in pools:
            for cmd in pool:
                if cmd["name"] == name and cmd.get("type", 1) == ctype:
                    return cmd
        return None


def layout_text(components) -> str:
    """The text displays (type 10) of a Components V2 layout, however deep."""
    out = []
    for c in components or []:
        if isinstance(c, dict):
            if c.get("type") == 10:
                out.append(str(c.get("content") or ""))
            out.append(layout_text(c.get("components")))
    return "\n".join(t for t in out if t)


def _mentioned_ids(content: str) -> list[str]:
    import re
    return list(dict.fromkeys(re.findall(r"<@!?(\d{1,20})>", content or "")))


def interaction_invoker(payload: dict) -> dict:
    if payload.get("member"):
        return payload["member"]["user"]
    return payload.get("user") or {}


def public_message(record: dict) -> dict:
    """A stored message as the REST API shows it (no simulator bookkeeping)."""
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}


def control_message(record: dict) -> dict:
    """A stored message for /_control: the API shape plus guild_id, ephemeral, interaction_id."""
    m = public_message(record)
    m["guild_id"] = record.get("_guild_id")
    m["ephemeral"] = bool(record.get("flags", 0) & FLAG_EPHEMERAL)
    m["interaction_id"] = record.get("_interaction_id")
    m["deleted"] = record.get("_deleted", False)
    return m


def new_token() -> str:
    # Interaction tokens are long opaque url-safe strings starting with "aW50ZXJhY3Rpb246" ("interaction:").
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
