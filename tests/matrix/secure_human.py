"""A Matrix human whose client encrypts: matrix-nio's e2e extra (vodozemac wheels, no libolm).

SecureHuman is a Human (same waiting, same predicates) that
- uploads its device keys, queries and claims keys, and sends its to-device messages after
  every sync, as a real client does;
- decrypts the m.room.encrypted events it receives: in the backlog they appear with their
  clear `type` and `content`, plus `_encrypted: True` (and `_wire_content`, what was sent);
- sends every event into an encrypted room encrypted, reactions included (nio alone sends
  reactions in the clear; Element does not), keeping `m.relates_to` readable as Element does;
- is cross-signed by its own user when cross_signed=True (nio cannot cross-sign: the keys are
  made and uploaded here, with the `cryptography` package, exactly as the spec says). Without
  it the device is "insecure" to MSC4153 clients, and to wagbot.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import nio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from human import Event, Human, q

__all__ = ["SecureHuman", "SigningKey", "cross_sign", "upload_identity"]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _canonical(obj: dict) -> bytes:
    body = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class SigningKey:
    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw)
        self.public = _b64(raw)
        self.key_id = f"ed25519:{self.public}"

    def sign(self, user_id: str, obj: dict) -> dict:
        signature = _b64(self.key.sign(_canonical(obj)))
        obj.setdefault("signatures", {}).setdefault(user_id, {})[self.key_id] = signature
        return obj


def upload_identity(post, user_id: str, localpart: str, password: str | None = None) -> SigningKey:
    """Makes a new master and self-signing key for `user_id` and uploads them with `post(path,
    body) -> answer` (a 200 or a 401 answer). The first upload needs no password on Synapse
    (MSC3967); replacing an identity does (user-interactive auth). Returns the self-signing key;
    a device is cross-signed only once it signs that device."""
    master, self_signing = SigningKey(), SigningKey()
    upload = {"master_key": {"user_id": user_id, "usage": ["master"],
                             "keys": {master.key_id: master.public}},
              "self_signing_key": master.sign(user_id, {"user_id": user_id, "usage": ["self_signing"],
                                                        "keys": {self_signing.key_id: self_signing.public}})}
    path = "/_matrix/client/v3/keys/device_signing/upload"
    out = post(path, upload)
    if "session" in out and password:
        upload["auth"] = {"type": "m.login.password", "session": out["session"],
                          "identifier": {"type": "m.id.user", "user": localpart}, "password": password}
        out = post(path, upload)
    assert "session" not in out, f"the identity upload was refused: {out}"
    return self_signing


def cross_sign(human: Human) -> None:
    """Gives the human's user a master and a self-signing key and signs its device with the
    latter: what Element does at first login ("verified by its owner")."""
    user = human.user_id
    self_signing = upload_identity(lambda path, body: human.api("POST", path, body), user,
                                   user[1:].split(":")[0])
    keys = human.api("POST", "/_matrix/client/v3/keys/query", {"device_keys": {user: [human.device_id]}})
    device = keys["device_keys"][user][human.device_id]
    device.pop("unsigned", None)
    signed = self_signing.sign(user, {k: v for k, v in device.items() if k != "signatures"})
    human.api("POST", "/_matrix/client/v3/keys/signatures/upload", {user: {human.device_id: signed}})


class SecureHuman(Human):
    def __init__(self, homeserver_url: str, user_id: str, *, store_dir, cross_signed: bool = True,
                 **kw):
        self.store_dir = str(store_dir)
        super().__init__(homeserver_url, user_id, **kw)
        self.run(self._chores())
        if cross_signed:
            cross_sign(self)

    def _config(self, retry_on_429: bool, request_timeout: float) -> nio.AsyncClientConfig:
        return nio.AsyncClientConfig(
            max_limit_exceeded=None if retry_on_429 else 0, max_timeouts=None,
            request_timeout=request_timeout, encryption_enabled=True, store_sync_tokens=False)

    async def _make_client(self, config: nio.AsyncClientConfig, device_id: str | None) -> nio.AsyncClient:
        return nio.AsyncClient(self.url, self.user_id, device_id=device_id or "",
                               store_path=self.store_dir, config=config)

    async def _chores(self) -> None:
        c = self.client
        if c.should_upload_keys:
            self._check(await c.keys_upload(), "keys_upload")
        if c.should_query_keys:
            self._check(await c.keys_query(), "keys_query")
        if c.should_claim_keys:
            self._check(await c.keys_claim(c.get_users_for_key_claiming()), "keys_claim")
        await c.send_to_device_messages()

    async def _sync(self, timeout_ms: int) -> list[Event]:
        events = await super()._sync(timeout_ms)
        await self._chores()
        # Keys may come after their events: everything still encrypted is tried again.
        for e in self.backlog:
            if e.get("type") == "m.room.encrypted" and not e.get("_encrypted"):
                self._decrypt(e)
        return events

    def _decrypt(self, e: Event) -> None:
        try:
            megolm = nio.MegolmEvent.from_dict({k: v for k, v in e.items() if not k.startswith("_")})
            clear = self.client.decrypt_event(megolm)
        except Exception:  # noqa: BLE001 - not (yet) decryptable: stays as it came
            return
        e["_wire_content"] = e.get("content")
        e["type"] = clear.source.get("type")
        e["content"] = clear.source.get("content")
        e["_encrypted"] = True

    async def _prepare(self, room_id: str) -> None:
        c = self.client
        if not c.rooms[room_id].members_synced:
            self._check(await c.joined_members(room_id), "joined_members")
        if c.should_query_keys:
            self._check(await c.keys_query(), "keys_query")
        if c.olm.should_share_group_session(room_id):
            await c.share_group_session(room_id, ignore_unverified_devices=True)

    def encrypted_room(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return bool(room and room.encrypted)

    def send_event(self, room_id: str, type: str, content: dict, txn_id: str | None = None) -> str:
        if room_id not in self.client.rooms:  # joined since the last sync
            self.sync()
        if not self.encrypted_room(room_id):
            return super().send_event(room_id, type, content, txn_id)
        self.run(self._prepare(room_id))
        _, wire = self.client.encrypt(room_id, type, content)
        if "m.relates_to" in content:  # relations stay readable to the server, as in Element
            wire["m.relates_to"] = content["m.relates_to"]
        path = f"/_matrix/client/v3/rooms/{q(room_id)}/send/m.room.encrypted/{q(txn_id or uuid.uuid4().hex)}"
        return self.api("PUT", path, wire)["event_id"]

    def share_key_later(self, room_id: str, type: str, content: dict) -> tuple[str, Any]:
        """Sends an encrypted event under a new session whose key goes out only when the
        returned function is called (a late key, as over a slow federation); returns the
        event id and that function."""
        c = self.client
        self.run(self._prepare(room_id))
        c.olm.create_outbound_group_session(room_id)
        missing = c.get_missing_sessions(room_id)
        if missing:
            self._check(self.run(c.keys_claim(missing)), "keys_claim")
        # The key messages are made now (from the session's first index) and held back.
        held = [payload for _, payload in c.olm.share_group_session_parallel(
            room_id, list(c.rooms[room_id].users), ignore_unverified_devices=True)]
        c.olm.outbound_group_sessions[room_id].shared = True
        _, wire = c.encrypt(room_id, type, content)
        path = f"/_matrix/client/v3/rooms/{q(room_id)}/send/m.room.encrypted/{q(uuid.uuid4().hex)}"
        event_id = self.api("PUT", path, wire)["event_id"]

        def share() -> None:
            for payload in held:
                self.api("PUT", f"/_matrix/client/v3/sendToDevice/m.room.encrypted/{uuid.uuid4().hex}",
                         payload)
        return event_id, share
