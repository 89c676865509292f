"""Interactions: building INTERACTION_CREATE payloads for the control API, and the bot's side
(initial callback, @original, follow-ups) for the REST API.

What a real Discord client would refuse to send is refused here too (the control API answers
4xx with `{"error": …}`): a command that is not registered where it is used, a missing required
option, a value outside the option's choices, a click on a disabled or absent button, a click by
someone else on an ephemeral message, a modal submit for a modal never shown to that user or with
a value breaking the text input's limits. `"force": true` in the control body skips those checks
(to simulate stale clients).
"""

from __future__ import annotations

import copy
import time

from discord_state import (ADMINISTRATOR, FLAG_COMPONENTS_V2, FLAG_EPHEMERAL, FLAG_LOADING, FLAG_SUPPRESS_EMBEDS,
                           FLAG_SUPPRESS_NOTIFICATIONS, MEMBER_PERMISSIONS, Interaction,
                           control_message, interaction_invoker, is_snowflake, new_token,
                           public_message)
from discord_validate import (FormErrors, message_is_empty, validate_autocomplete,
                              validate_message_body, validate_modal, walk_components)

KIND_TYPES = {"command": 2, "component": 3, "autocomplete": 4, "modal": 5}
# Interaction type -> callback types Discord accepts for it.
ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
APP_PERMISSIONS = MEMBER_PERMISSIONS

UNKNOWN_INTERACTION = {"message": "Unknown interaction", "code": 10062}
ALREADY_ACKED = {"message": "Interaction has already been acknowledged.", "code": 40060}
UNKNOWN_WEBHOOK = {"message": "Unknown Webhook", "code": 10015}
INVALID_WEBHOOK_TOKEN = {"message": "Invalid Webhook Token", "code": 50027}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}
EMPTY_MESSAGE = {"message": "Cannot send an empty message", "code": 50006}


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _truthy(v) -> bool:
    return str(v).lower() in ("1", "true", "yes")


class Interactions:
    def __init__(self, sim):
        self.sim = sim
        self.state = sim.state

    # ================================================================== creation (control)
    def create(self, body: dict) -> dict:
        st = self.state
        kind = body.get("kind")
        if kind not in KIND_TYPES:
            raise ControlError(400, "kind must be command, component, autocomplete or modal")
        force = bool(body.get("force"))
        user_id = str(body.get("user_id") or "2000000000000000001")
        user = st.remember_user(user_id, body.get("username"))
        permissions = int(body.get("permissions", MEMBER_PERMISSIONS))

        source_msg = None
        source_inter = None
        if kind == "component":
            mid = body.get("message_id")
            source_msg = st.messages.get(str(mid)) if mid is not None else None
            if source_msg is None and not force:
                raise ControlError(404, f"unknown message {mid!r}: a component lives on a message")
        if kind == "modal":
            source_inter = self._find_modal(body.get("custom_id"), user_id)
            if source_inter is None and not force:
                raise ControlError(409, f"no modal {body.get('custom_id')!r} was shown to user {user_id}")

        gid, cid = self._place(body, source_msg, source_inter, user)
        iid = st.snow.next()
        token = new_token()
        itype = KIND_TYPES[kind]
        payload = {
            "id": iid, "application_id": st.app_id, "type": itype, "token": token, "version": 1,
            "locale": body.get("locale") or st.config["locale"], "app_permissions": str(APP_PERMISSIONS),
            "entitlements": [], "entitlement_sku_ids": [], "attachment_size_limit": 10485760,
            "authorizing_integration_owners": {"0": gid or "0"}, "channel_id": cid,
            "channel": self._channel_payload(cid, user),
        }
        if gid:
            payload.update(guild_id=gid, guild={"id": gid, "locale": "en-US", "features": []},
                           guild_locale="en-US", context=0,
                           member=st.member_object(user, gid, permissions=permissions))
        else:
            payload.update(user=user, context=1)

        if kind in ("command", "autocomplete"):
            payload["data"] = self._command_data(body, gid, permissions, kind == "autocomplete", force)
        elif kind == "component":
            payload["data"] = self._component_data(body, source_msg, user, force)
            if source_msg is not None:
                payload["message"] = public_message(source_msg)
        else:
            payload["data"] = self._modal_data(body, source_inter, force)
            if source_inter is not None and source_inter.payload.get("message"):
                current = st.messages.get(source_inter.payload["message"]["id"])
                payload["message"] = public_message(current) if current else source_inter.payload["message"]

        inter = Interaction(iid, token, kind, itype, payload)
        st.interactions[iid] = inter
        inter.delivered_to = self.sim.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=gid)
        return {"id": iid, "token": token, "delivered": bool(inter.delivered_to),
                "sessions": inter.delivered_to, "interaction": payload}

    def _place(self, body, source_msg, source_inter, user) -> tuple:
        """Pick guild and channel. Explicit guild_id wins (null = a DM); then the channel's own
        guild; then the source message / modal; then the first configured guild."""
        st = self.state
        if source_msg is not None and "channel_id" not in body:
            return source_msg.get("_guild_id"), source_msg["channel_id"]
        if source_inter is not None and "channel_id" not in body:
            return source_inter.payload.get("guild_id"), source_inter.payload["channel_id"]
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
        if gid is not None:
            if st.guild(gid) is None and not body.get("force"):
                raise ControlError(409, f"the bot is not in guild {gid}")
            if cid is None:
                chans = [c for c in st.channels.values() if c.get("guild_id") == gid]
                if not chans:
                    raise ControlError(400, f"guild {gid} has no channel: give channel_id")
                cid = chans[0]["id"]
            st.ensure_channel(cid, gid)
        else:
            if cid is None:
                cid = st.dm_channel_for(user)["id"]
            else:
                st.ensure_channel(cid, None, dm_user=user)
                st.dm_channels.setdefault(user["id"], cid)
        return gid, cid

    def _channel_payload(self, cid: str, user: dict) -> dict:
        ch = copy.deepcopy(self.state.channels.get(cid) or {"id": cid, "type": 0})
        if ch.get("type") == 1 and not ch.get("recipients"):
            ch["recipients"] = [user]
        if ch.get("type") == 0:
            ch["permissions"] = str(MEMBER_PERMISSIONS)
        return ch

    # ------------------------------------------------------------------ commands
    def _command_data(self, body, gid, permissions, autocomplete: bool, force: bool) -> dict:
        st = self.state
        parts = str(body.get("name") or "").split()
        if not parts:
            raise ControlError(400, "name is required for a command")
        ctype = int(body.get("command_type", 1))
        cmd = st.find_command(parts[0], gid, ctype)
        if cmd is None and st.config["require_registered_commands"] and not force:
            where = f"guild {gid}" if gid else "DMs"
            raise ControlError(404, f"command {parts[0]!r} is not registered for {where} (nor globally)")
        if cmd is not None and not force:
            dmp = cmd.get("default_member_permissions")
            if dmp is not None and gid is not None and not permissions & ADMINISTRATOR:
                need = int(dmp)
                if need == 0 or permissions & need != need:
                    raise ControlError(403, f"user lacks default_member_permissions {dmp} for {parts[0]!r}")
            contexts = cmd.get("contexts")
            if contexts is not None and (0 if gid else 1) not in contexts:
                raise ControlError(403, f"command {parts[0]!r} is not available in this context")
        schema = cmd.get("options") if cmd else None
        known = cmd is not None and not force
        top: list = []
        cur_list, cur_schema = top, schema
        for i, sub in enumerate(parts[1:]):
            sch = _find_opt(cur_schema, sub)
            if known and (sch is None or sch.get("type") not in (1, 2)):
                raise ControlError(400, f"{parts[0]!r} has no sub-command {sub!r}")
            last = i == len(parts) - 2
            node = {"name": sub, "type": sch["type"] if sch else (1 if last else 2), "options": []}
            cur_list.append(node)
            cur_list, cur_schema = node["options"], (sch.get("options") if sch else None)
        if known and cur_schema and any(o.get("type") in (1, 2) for o in cur_schema):
            raise ControlError(400, f"{' '.join(parts)!r} needs a sub-command")
        focused = body.get("focused")
        if autocomplete and not focused:
            raise ControlError(400, "autocomplete needs focused (the option being typed)")
        resolved: dict = {}
        given = body.get("options") or {}
        if isinstance(given, list):
            cur_list.extend(copy.deepcopy(given))
        else:
            for name, value in given.items():
                sch = _find_opt(cur_schema, name)
                if known and sch is None:
                    raise ControlError(400, f"unknown option {name!r} for {' '.join(parts)!r}")
                otype = sch["type"] if sch else _infer_type(value)
                opt = {"name": name, "type": otype}
                if autocomplete and name == focused:
                    if known and not sch.get("autocomplete"):
                        raise ControlError(400, f"option {name!r} has no autocomplete")
                    opt["value"] = "" if value is None else str(value)
                    opt["focused"] = True
                else:
                    opt["value"] = self._coerce(otype, value, sch if known else None, name)
                    if otype in (6, 9) and gid is not None:
                        self._resolve_user(resolved, str(opt["value"]), gid)
                    elif otype == 6:
                        self._resolve_user(resolved, str(opt["value"]), None)
                cur_list.append(opt)
            if autocomplete and focused not in given:
                raise ControlError(400, f"focused option {focused!r} is not among the options")
        if known and not autocomplete:
            names = {o["name"] for o in cur_list}
            for o in cur_schema or []:
                if o.get("required") and o["name"] not in names:
                    raise ControlError(400, f"required option {o['name']!r} is missing")
        _strip_empty(top)
        data = {"id": cmd["id"] if cmd else st.snow.next(), "name": parts[0], "type": ctype}
        if top:
            data["options"] = top
        if cmd and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        if ctype in (2, 3) and body.get("target_id"):
            data["target_id"] = str(body["target_id"])
            if ctype == 3:
                # A message command carries the message it was used on (data.resolved.messages).
                target = st.messages.get(data["target_id"])
                if target is None or target.get("_deleted"):
                    raise ControlError(404, f"message {data['target_id']} is not known")
                data.setdefault("resolved", {})["messages"] = {data["target_id"]: public_message(target)}
        return data

    def _coerce(self, otype: int, value, sch: dict | None, name: str):
        try:
            if otype == 3:
                v = str(value)
            elif otype == 4:
                v = int(value)
            elif otype == 10:
                v = float(value) if not isinstance(value, int) else value
            elif otype == 5:
                v = value if isinstance(value, bool) else _truthy(value)
            elif otype in (6, 7, 8, 9, 11):
                v = str(value)
                if not is_snowflake(v):
                    raise ValueError
            else:
                v = value
        except (TypeError, ValueError):
            raise ControlError(400, f"option {name!r}: {value!r} is not valid for type {otype}") from None
        if sch is not None:
            choices = sch.get("choices")
            if choices and v not in [c.get("value") for c in choices]:
                raise ControlError(400, f"option {name!r}: {v!r} is not one of its choices")
            if otype == 3:
                if len(v) < sch.get("min_length", 0) or len(v) > sch.get("max_length", 6000):
                    raise ControlError(400, f"option {name!r}: length outside min_length/max_length")
            if otype in (4, 10):
                if ("min_value" in sch and v < sch["min_value"]) or ("max_value" in sch and v > sch["max_value"]):
                    raise ControlError(400, f"option {name!r}: {v} outside min_value/max_value")
        return v

    def _resolve_user(self, resolved: dict, uid: str, gid: str | None):
        st = self.state
        u = st.users.get(uid) or st.remember_user(uid, None)
        resolved.setdefault("users", {})[uid] = u
        if gid:
            resolved.setdefault("members", {})[uid] = st.member_object(u, gid, permissions=MEMBER_PERMISSIONS,
                                                                       with_user=False)

    # ------------------------------------------------------------------ components
    def _component_data(self, body, msg, user, force: bool) -> dict:
        cid = body.get("custom_id")
        if not isinstance(cid, str) or not cid:
            raise ControlError(400, "custom_id is required for a component interaction")
        comp = None
        if msg is not None:
            for c in walk_components(msg.get("components")):
                if c.get("custom_id") == cid:
                    comp = c
                    break
            if not force:
                if comp is None:
                    raise ControlError(409, f"message {msg['id']} has no component {cid!r}")
                if comp.get("disabled"):
                    raise ControlError(409, f"component {cid!r} is disabled")
                if msg.get("flags", 0) & FLAG_EPHEMERAL:
                    owner = self._ephemeral_owner(msg)
                    if owner is not None and owner != user["id"]:
                        raise ControlError(409, "an ephemeral message is only visible to its recipient")
        ctype = comp.get("type") if comp else int(body.get("component_type", 2))
        data = {"custom_id": cid, "component_type": ctype}
        if ctype in (3, 5, 6, 7, 8):
            values = [str(v) for v in body.get("values") or []]
            if comp is not None and not force:
                lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
                if not lo <= len(values) <= hi:
                    raise ControlError(400, f"select {cid!r} takes {lo}..{hi} values")
                if ctype == 3:
                    allowed = {o.get("value") for o in comp.get("options") or []}
                    bad = [v for v in values if v not in allowed]
                    if bad:
                        raise ControlError(400, f"select {cid!r} has no option(s) {bad}")
            data["values"] = values
            if ctype == 5 and values:
                resolved: dict = {}
                for v in values:
                    self._resolve_user(resolved, v, msg.get("_guild_id") if msg else None)
                data["resolved"] = resolved
        elif body.get("values"):
            raise ControlError(400, "values are for select menus only")
        if comp is not None and isinstance(comp.get("id"), int):
            data["id"] = comp["id"]
        return data

    def _ephemeral_owner(self, msg) -> str | None:
        iid = msg.get("_interaction_id")
        inter = self.state.interactions.get(iid) if iid else None
        return interaction_invoker(inter.payload).get("id") if inter else None

    # ------------------------------------------------------------------ modals
    def _find_modal(self, custom_id, user_id: str):
        for inter in reversed(list(self.state.interactions.values())):
            if inter.modal and inter.modal.get("custom_id") == custom_id \
                    and interaction_invoker(inter.payload).get("id") == user_id:
                return inter
        return None

    def _modal_data(self, body, source, force: bool) -> dict:
        cid = body.get("custom_id")
        if not isinstance(cid, str) or not cid:
            raise ControlError(400, "custom_id is required for a modal submit")
        if isinstance(body.get("components"), list):
            return {"custom_id": cid, "components": copy.deepcopy(body["components"])}
        values = body.get("values") or body.get("fields") or {}
        if not isinstance(values, dict):
            raise ControlError(400, "values must map text-input custom_id to the submitted text")
        out = []
        next_id = 1
        if source is not None:
            used = set()
            for c in source.modal.get("components") or []:
                if c.get("type") == 1:
                    ti = (c.get("components") or [{}])[0]
                    form = "row"
                elif c.get("type") == 18:
                    ti = c.get("component") or {}
                    form = "label"
                else:
                    next_id += 1
                    continue
                tid = ti.get("custom_id")
                used.add(tid)
                value = values.get(tid, ti.get("value", ""))
                value = "" if value is None else str(value)
                if not force:
                    if ti.get("required", True) and value == "":
                        raise ControlError(400, f"text input {tid!r} is required")
                    if value and (len(value) < ti.get("min_length", 0) or len(value) > ti.get("max_length", 4000)):
                        raise ControlError(400, f"text input {tid!r}: length outside min_length/max_length")
                sub = {"type": ti.get("type", 4), "id": next_id + 1, "custom_id": tid}
                if sub["type"] == 4:
                    sub["value"] = value
                else:
                    sub["values"] = values.get(tid) if isinstance(values.get(tid), list) else [value]
                if form == "row":
                    out.append({"type": 1, "id": next_id, "components": [sub]})
                else:
                    out.append({"type": 18, "id": next_id, "component": sub})
                next_id += 2
            extra = set(values) - used
            if extra and not force:
                raise ControlError(400, f"the modal has no text input(s) {sorted(extra)}")
        else:
            for tid, value in values.items():
                out.append({"type": 1, "id": next_id,
                            "components": [{"type": 4, "id": next_id + 1, "custom_id": tid,
                                            "value": str(value)}]})
                next_id += 2
        return {"custom_id": cid, "components": out}

    # ================================================================== the bot's side (REST)
    def _late(self, inter: Interaction) -> bool:
        return inter.rel_ms() >= int(self.state.config["interaction_timeout_ms"])

    def _reject(self, inter: Interaction | None, what: str, status: int, body: dict):
        if inter is not None:
            inter.errors.append({"what": what, "status": status, "code": body.get("code"),
                                 "at": inter.rel_ms(), "body": body})
        return status, body

    def callback(self, iid: str, token: str, body, query) -> tuple:
        st = self.state
        inter = st.interactions.get(iid)
        if inter is None or inter.token != token:
            return 404, UNKNOWN_INTERACTION
        if inter.acknowledged:
            return self._reject(inter, "callback", 400, ALREADY_ACKED)
        if self._late(inter):
            return self._reject(inter, "callback", 404, UNKNOWN_INTERACTION)
        errs = FormErrors()
        if not isinstance(body, dict):
            errs.add((), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            return self._reject(inter, "callback", 400, errs.body())
        ctype = body.get("type")
        allowed = set(ALLOWED_CALLBACKS[inter.type])
        if inter.type == 5 and not inter.payload.get("message"):
            allowed -= {6, 7}
        if ctype not in allowed:
            errs.add(("type",), "INTERACTION_CALLBACK_TYPE_INVALID",
                     f"Callback type {ctype!r} is not valid for interaction type {inter.type}"
                     f" (allowed: {sorted(allowed)})")
            return self._reject(inter, "callback", 400, errs.body())
        data = body.get("data")
        if ctype in (4, 7):
            validate_message_body(errs, data if data is not None else {}, ("data",))
        elif ctype == 5:
            if data is not None and not isinstance(data, dict):
                errs.add(("data",), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        elif ctype == 8:
            validate_autocomplete(errs, data)
        elif ctype == 9:
            validate_modal(errs, data)
        if errs:
            return self._reject(inter, "callback", 400, errs.body())
        if ctype == 4 and message_is_empty(data or {}):
            return self._reject(inter, "callback", 400, EMPTY_MESSAGE)

        data = copy.deepcopy(data) if data is not None else None
        inter.callback_type = ctype
        inter.responses.append({"type": ctype, "data": data, "at": inter.rel_ms()})
        rec = None
        cid = inter.payload["channel_id"]
        mtype = 20 if inter.type == 2 else 0
        if ctype == 4:
            flags = (data.get("flags") or 0) & (FLAG_EPHEMERAL | FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS
                                                | FLAG_COMPONENTS_V2)
            rec = st.new_message(cid, st.bot_user(), data, mtype=mtype, flags=flags,
                                 webhook_id=st.app_id, interaction=inter)
            inter.original_id = rec["id"]
            self.sim.gateway.message_create(rec)
        elif ctype == 5:
            flags = ((data or {}).get("flags") or 0) & FLAG_EPHEMERAL
            rec = st.new_message(cid, st.bot_user(), {"content": ""}, mtype=mtype,
                                 flags=flags | FLAG_LOADING, webhook_id=st.app_id, interaction=inter)
            inter.original_id = rec["id"]
            self.sim.gateway.message_create(rec)
        elif ctype in (6, 7):
            src = inter.payload.get("message") or {}
            rec = st.messages.get(src.get("id"))
            inter.original_id = rec["id"] if rec else None
            if ctype == 7 and rec is not None:
                apply_edit(st, rec, data or {})
                self.sim.gateway.message_update(rec)
            if ctype == 6:
                rec = None
        elif ctype == 8:
            inter.autocomplete_choices = (data or {}).get("choices")
        elif ctype == 9:
            inter.modal = data
        if _truthy(query.get("with_response", "false")):
            info = {"id": inter.id, "type": inter.type}
            if rec is not None:
                info["response_message_id"] = rec["id"]
                info["response_message_loading"] = bool(rec.get("flags", 0) & FLAG_LOADING)
                info["response_message_ephemeral"] = bool(rec.get("flags", 0) & FLAG_EPHEMERAL)
            resource = {"type": ctype}
            if rec is not None:
                resource["message"] = public_message(rec)
            return 200, {"interaction": info, "resource": resource}
        return 204, None

    # ------------------------------------------------------------------ webhooks
    def _by_token(self, app_id: str, token: str):
        st = self.state
        if app_id != st.app_id:
            return None, (404, UNKNOWN_WEBHOOK)
        inter = next((i for i in st.interactions.values() if i.token == token), None)
        if inter is None:
            return None, (401, INVALID_WEBHOOK_TOKEN)
        if time.monotonic() - inter.created_mono > float(st.config["interaction_token_ttl_s"]):
            return None, self._reject(inter, "webhook", 401, INVALID_WEBHOOK_TOKEN)
        if not inter.acknowledged or inter.callback_type == 8:
            return None, self._reject(inter, "webhook", 404, UNKNOWN_WEBHOOK)
        return inter, None

    def _owned_message(self, inter: Interaction, message_id: str):
        if message_id == "@original":
            mid = inter.original_id
        else:
            mid = message_id if message_id in ([inter.original_id] + inter.followup_ids) else None
        rec = self.state.messages.get(mid) if mid else None
        if rec is None or rec["_deleted"]:
            return None
        return rec

    def get_message(self, app_id, token, message_id):
        inter, err = self._by_token(app_id, token)
        if err:
            return err
        rec = self._owned_message(inter, message_id)
        if rec is None:
            return self._reject(inter, "get message", 404, UNKNOWN_MESSAGE)
        return 200, public_message(rec)

    def edit_message(self, app_id, token, message_id, body):
        inter, err = self._by_token(app_id, token)
        if err:
            return err
        rec = self._owned_message(inter, message_id)
        if rec is None:
            return self._reject(inter, "edit message", 404, UNKNOWN_MESSAGE)
        errs = FormErrors()
        validate_message_body(errs, body, (), edit=True)
        legacy_on_layout(errs, rec, body)
        if errs:
            return self._reject(inter, "edit message", 400, errs.body())
        was_loading = bool(rec.get("flags", 0) & FLAG_LOADING)
        merged = {k: body.get(k, rec.get(k)) for k in ("content", "embeds", "components")}
        if was_loading and message_is_empty(merged):
            return self._reject(inter, "edit message", 400, EMPTY_MESSAGE)
        apply_edit(self.state, rec, body)
        if rec["id"] == inter.original_id and inter.callback_type in (5, 6):
            inter.completed = True
        inter.edits.append({"message_id": rec["id"], "data": copy.deepcopy(body), "at": inter.rel_ms()})
        self.sim.gateway.message_update(rec)
        return 200, public_message(rec)

    def delete_message(self, app_id, token, message_id):
        inter, err = self._by_token(app_id, token)
        if err:
            return err
        rec = self._owned_message(inter, message_id)
        if rec is None:
            return self._reject(inter, "delete message", 404, UNKNOWN_MESSAGE)
        rec["_deleted"] = True
        self.sim.gateway.message_delete(rec)
        return 204, None

    def followup(self, app_id, token, body, query):
        st = self.state
        inter, err = self._by_token(app_id, token)
        if err:
            return err
        errs = FormErrors()
        validate_message_body(errs, body, ())
        if errs:
            return self._reject(inter, "followup", 400, errs.body())
        if message_is_empty(body):
            return self._reject(inter, "followup", 400, EMPTY_MESSAGE)
        original = st.messages.get(inter.original_id) if inter.original_id else None
        if (inter.callback_type == 5 and original is not None and not original["_deleted"]
                and original.get("flags", 0) & FLAG_LOADING):
            # Discord: the first follow-up after a deferred reply replaces the "thinking…"
            # message (its ephemeral-ness was fixed by the defer's flags).
            apply_edit(st, original, body)
            rec = original
            self.sim.gateway.message_update(rec)
        else:
            flags = (body.get("flags") or 0) & (FLAG_EPHEMERAL | FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS
                                                | FLAG_COMPONENTS_V2)
            rec = st.new_message(inter.payload["channel_id"], st.bot_user(), body, mtype=0, flags=flags,
                                 webhook_id=st.app_id, interaction=inter)
            self.sim.gateway.message_create(rec)
        inter.followup_ids.append(rec["id"])
        inter.completed = True
        inter.edits.append({"message_id": rec["id"], "followup": True, "data": copy.deepcopy(body),
                            "at": inter.rel_ms()})
        if _truthy(query.get("wait", "false")):
            return 200, public_message(rec)
        return 204, None

    # ================================================================== control view
    def describe(self, inter: Interaction) -> dict:
        st = self.state
        original = st.messages.get(inter.original_id) if inter.original_id else None
        return {
            "id": inter.id, "token": inter.token, "kind": inter.kind, "type": inter.type,
            "created_at": inter.created_at, "age_ms": inter.rel_ms(),
            "status": inter.status(int(st.config["interaction_timeout_ms"])),
            "acknowledged": inter.acknowledged, "callback_type": inter.callback_type,
            "responses": inter.responses, "errors": inter.errors, "edits": inter.edits,
            "original": control_message(original) if original else None,
            "followups": [control_message(st.messages[m]) for m in inter.followup_ids if m in st.messages],
            "modal": inter.modal, "autocomplete_choices": inter.autocomplete_choices,
            "delivered_to": inter.delivered_to, "payload": inter.payload,
        }


def legacy_on_layout(errs: FormErrors, rec: dict, body: dict):
    """A Components V2 message keeps its flag: an edit cannot give it content or embeds."""
    if rec.get("flags", 0) & FLAG_COMPONENTS_V2:
        for legacy in ("content", "embeds"):
            if body.get(legacy):
                errs.add((legacy,), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                         "The 'content' and 'embeds' fields cannot be used on a message with "
                         "MessageFlags.IS_COMPONENTS_V2")


def apply_edit(st, rec: dict, body: dict):
    """Apply an edit body to a stored message (content, embeds, components, flags)."""
    from discord_state import _mentioned_ids, iso
    changed = False
    for key in ("content", "embeds", "components"):
        if key in body:
            v = body[key]
            rec[key] = ("" if v is None else v) if key == "content" else copy.deepcopy(v or [])
            changed = True
    if "content" in body:
        rec["mentions"] = [st.users[u] if u in st.users else st.bot_user()
                           for u in _mentioned_ids(rec["content"])
                           if u in st.users or u == st.bot_user_id]
    flags = rec.get("flags", 0)
    if flags & FLAG_LOADING:
        flags &= ~FLAG_LOADING
        changed = True
    if isinstance(body.get("flags"), int):
        # IS_COMPONENTS_V2 can be set by an edit (a deferred answer's), never taken away.
        flags = (flags & ~FLAG_SUPPRESS_EMBEDS) | (body["flags"] & (FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2))
    rec["flags"] = flags
    if changed:
        rec["edited_timestamp"] = iso()


def _find_opt(schema, name):
    for o in schema or []:
        if o.get("name") == name:
            return o
    return None


def _infer_type(value) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def _strip_empty(opts: list):
    for o in opts:
        if o.get("type") in (1, 2):
            if o.get("options"):
                _strip_empty(o["options"])
            else:
                o.pop("options", None)
