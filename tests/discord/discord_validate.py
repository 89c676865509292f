"""Request-body validation with Discord's error shape.

Discord answers a bad body with 400 `{"code":50035,"message":"Invalid Form Body","errors":{…}}`
where `errors` mirrors the JSON path of each bad field and ends in
`{"_errors":[{"code":"…","message":"…"}]}`. `FormErrors` builds that tree.

CHOICE: the inner `_errors[].code` strings are Discord's where they are well known
(BASE_TYPE_MAX_LENGTH, BASE_TYPE_BAD_LENGTH, BASE_TYPE_REQUIRED, APPLICATION_COMMAND_INVALID_NAME,
MAX_EMBED_SIZE_EXCEEDED, …) and descriptive upper-case names otherwise. Clients should rely on
the top-level code 50035 and on the error path, never on these strings.
"""

from __future__ import annotations

import unicodedata

from discord_state import (FLAG_COMPONENTS_V2, FLAG_EPHEMERAL, FLAG_SUPPRESS_EMBEDS,
                           FLAG_SUPPRESS_NOTIFICATIONS)


class FormErrors:
    def __init__(self):
        self.tree: dict = {}

    def add(self, path, code: str, message: str):
        node = self.tree
        for p in path:
            node = node.setdefault(str(p), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def __bool__(self):
        return bool(self.tree)

    def body(self) -> dict:
        return {"code": 50035, "errors": self.tree, "message": "Invalid Form Body"}

    # helpers ---------------------------------------------------------------
    def length(self, path, value, lo: int, hi: int, required: bool = False) -> bool:
        """String length check. Returns False when an error was added."""
        if value is None:
            if required:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
                return False
            return True
        if not isinstance(value, str):
            self.add(path, "BASE_TYPE_STRING", "Must be a string.")
            return False
        n = len(value)
        if lo <= 0 and n > hi:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {hi} or fewer in length.")
            return False
        if n < lo or n > hi:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {lo} and {hi} in length.")
            return False
        return True

    def list_len(self, path, value, lo: int, hi: int, required: bool = False) -> bool:
        if value is None:
            if required:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
                return False
            return True
        if not isinstance(value, list):
            self.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
            return False
        if lo <= 0 and len(value) > hi:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {hi} or fewer in length.")
            return False
        if len(value) < lo or len(value) > hi:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {lo} and {hi} in length.")
            return False
        return True


# ---------------------------------------------------------------------- names

def valid_command_name(name, chat_input: bool = True) -> bool:
    """`^[-_'\\p{L}\\p{N}]{1,32}$`, lower-case where a lower-case variant exists (CHAT_INPUT);
    USER/MESSAGE commands allow spaces and mixed case."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    if not chat_input:
        return name.strip() == name and name != ""
    for ch in name:
        if ch in "-_'":
            continue
        cat = unicodedata.category(ch)
        if not (cat.startswith("L") or cat.startswith("N")):
            return False
        if ch.lower() != ch:
            return False
    return True


# ---------------------------------------------------------------------- components

BUTTON_STYLES = {1, 2, 3, 4, 5, 6}
SELECT_TYPES = {3, 5, 6, 7, 8}


def validate_components(errs: FormErrors, components, path=("components",), custom_ids=None):
    """Message components: ≤5 action rows; a row holds 1–5 buttons or exactly one select."""
    if components is None:
        return
    if not errs.list_len(path, components, 0, 5):
        return
    custom_ids = set() if custom_ids is None else custom_ids
    for i, row in enumerate(components):
        rp = path + (i,)
        if not isinstance(row, dict):
            errs.add(rp, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        if row.get("type") != 1:
            errs.add(rp + ("type",), "UNION_TYPE_CHOICES",
                     "Value of field \"type\" must be one of (1,) at the top level of a message.")
            continue
        children = row.get("components")
        if not errs.list_len(rp + ("components",), children, 1, 5, required=True):
            continue
        kinds = set()
        for j, comp in enumerate(children):
            cp = rp + ("components", j)
            if not isinstance(comp, dict):
                errs.add(cp, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
                continue
            ctype = comp.get("type")
            kinds.add("select" if ctype in SELECT_TYPES else "button" if ctype == 2 else "other")
            if ctype == 2:
                _validate_button(errs, comp, cp, custom_ids)
            elif ctype in SELECT_TYPES:
                _validate_select(errs, comp, cp, custom_ids)
            else:
                errs.add(cp + ("type",), "COMPONENT_TYPE_INVALID",
                         f"Component type {ctype!r} is not allowed in an action row of a message.")
        if "select" in kinds and len(children) > 1:
            errs.add(rp + ("components",), "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                     "The specified component exceeds the maximum width")


# Components V2 (message flag IS_COMPONENTS_V2, 1 << 15): layout components at the top level,
# at most 40 components in all (nested ones counted), at most 4000 characters of text.
LAYOUT_TOP = {1, 9, 10, 12, 13, 14, 17}
LAYOUT_IN_CONTAINER = {1, 9, 10, 12, 13, 14}
MAX_LAYOUT_COMPONENTS = 40
MAX_LAYOUT_TEXT = 4000


def validate_layout(errs: FormErrors, components, path=("components",)):
    """The components of a Components V2 message: containers (17), text displays (10),
    separators (14), sections (9) and action rows (1)."""
    if not errs.list_len(path, components, 1, MAX_LAYOUT_COMPONENTS, required=True):
        return
    count = [0]
    text = [0]
    custom_ids: set = set()
    for i, comp in enumerate(components):
        _layout_component(errs, comp, path + (i,), LAYOUT_TOP, count, text, custom_ids)
    if count[0] > MAX_LAYOUT_COMPONENTS:
        errs.add(path, "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED",
                 f"The message has {count[0]} components; the maximum is {MAX_LAYOUT_COMPONENTS}")
    if text[0] > MAX_LAYOUT_TEXT:
        errs.add(path, "COMPONENT_MAX_TOTAL_TEXT_EXCEEDED",
                 f"The message has {text[0]} characters of text; the maximum is {MAX_LAYOUT_TEXT}")


def _layout_component(errs, comp, cp, allowed: set, count: list, text: list, custom_ids: set):
    if not isinstance(comp, dict):
        errs.add(cp, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    count[0] += 1
    ctype = comp.get("type")
    if ctype not in allowed:
        errs.add(cp + ("type",), "UNION_TYPE_CHOICES",
                 f"Value of field \"type\" must be one of {tuple(sorted(allowed))}.")
        return
    if ctype == 17:
        if comp.get("accent_color") is not None and not (
                isinstance(comp["accent_color"], int) and 0 <= comp["accent_color"] <= 0xFFFFFF):
            errs.add(cp + ("accent_color",), "NUMBER_TYPE_MAX", "int value should be between 0 and 16777215.")
        children = comp.get("components")
        if errs.list_len(cp + ("components",), children, 1, MAX_LAYOUT_COMPONENTS, required=True):
            for j, child in enumerate(children):
                _layout_component(errs, child, cp + ("components", j), LAYOUT_IN_CONTAINER, count,
                                  text, custom_ids)
    elif ctype == 10:
        content = comp.get("content")
        if errs.length(cp + ("content",), content, 1, MAX_LAYOUT_TEXT, required=True):
            text[0] += len(content)
    elif ctype == 14:
        if comp.get("spacing", 1) not in (1, 2):
            errs.add(cp + ("spacing",), "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
        if not isinstance(comp.get("divider", True), bool):
            errs.add(cp + ("divider",), "BASE_TYPE_BOOLEAN", "Must be either true or false.")
    elif ctype == 9:
        children = comp.get("components")
        if errs.list_len(cp + ("components",), children, 1, 3, required=True):
            for j, child in enumerate(children):
                _layout_component(errs, child, cp + ("components", j), {10}, count, text, custom_ids)
        accessory = comp.get("accessory")
        if not isinstance(accessory, dict) or accessory.get("type") not in (2, 11):
            errs.add(cp + ("accessory",), "BASE_TYPE_REQUIRED", "A button or a thumbnail is required")
        else:
            count[0] += 1
            if accessory.get("type") == 2:
                _validate_button(errs, accessory, cp + ("accessory",), custom_ids)
    elif ctype == 1:
        # An action row is checked as in a classic message: validated as a list of one row,
        # its errors moved under this row's own path.
        sub = FormErrors()
        validate_components(sub, [comp], (), custom_ids)
        _merge(errs, cp, sub.tree.get("0", {}))
        count[0] += len(comp.get("components") or [])
    # media galleries and files (12, 13) are accepted as they are: wagbot sends none.


def _merge(errs: FormErrors, path, node: dict):
    """Adds the errors of a sub-tree (from a nested validation) under `path`."""
    for key, value in node.items():
        if key == "_errors":
            for e in value:
                errs.add(path, e["code"], e["message"])
        else:
            _merge(errs, path + (key,), value)


def _custom_id(errs: FormErrors, comp: dict, cp, custom_ids: set, required: bool = True):
    cid = comp.get("custom_id")
    if cid is None and not required:
        return
    if errs.length(cp + ("custom_id",), cid, 1, 100, required=True):
        if cid in custom_ids:
            errs.add(cp + ("custom_id",), "COMPONENT_CUSTOM_ID_DUPLICATED",
                     "Component custom id cannot be duplicated")
        custom_ids.add(cid)


def _validate_button(errs: FormErrors, comp: dict, cp, custom_ids: set):
    style = comp.get("style")
    if style not in BUTTON_STYLES:
        errs.add(cp + ("style",), "BASE_TYPE_CHOICES",
                 f"Value must be one of {sorted(BUTTON_STYLES)}.")
        return
    errs.length(cp + ("label",), comp.get("label"), 0, 80)
    if style == 5:
        if not comp.get("url"):
            errs.add(cp + ("url",), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        if "custom_id" in comp:
            errs.add(cp + ("custom_id",), "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                     "A custom id cannot be specified")
    elif style == 6:
        if not comp.get("sku_id"):
            errs.add(cp + ("sku_id",), "BASE_TYPE_REQUIRED", "This field is required")
    else:
        _custom_id(errs, comp, cp, custom_ids)
        if "url" in comp:
            errs.add(cp + ("url",), "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url cannot be specified")
    if style != 6 and not comp.get("label") and not comp.get("emoji"):
        errs.add(cp, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or emoji is required")


def _validate_select(errs: FormErrors, comp: dict, cp, custom_ids: set):
    _custom_id(errs, comp, cp, custom_ids)
    errs.length(cp + ("placeholder",), comp.get("placeholder"), 0, 150)
    lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
    if not isinstance(lo, int) or not 0 <= lo <= 25:
        errs.add(cp + ("min_values",), "NUMBER_TYPE_MAX", "int value should be between 0 and 25.")
    if not isinstance(hi, int) or not 1 <= hi <= 25:
        errs.add(cp + ("max_values",), "NUMBER_TYPE_MAX", "int value should be between 1 and 25.")
    if comp.get("type") == 3:
        opts = comp.get("options")
        if errs.list_len(cp + ("options",), opts, 1, 25, required=True):
            for k, o in enumerate(opts):
                op = cp + ("options", k)
                if not isinstance(o, dict):
                    errs.add(op, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
                    continue
                errs.length(op + ("label",), o.get("label"), 1, 100, required=True)
                errs.length(op + ("value",), o.get("value"), 1, 100, required=True)
                errs.length(op + ("description",), o.get("description"), 0, 100)
            if isinstance(hi, int) and hi > len(opts):
                errs.add(cp + ("max_values",), "SELECT_COMPONENT_TOO_MANY_VALUES",
                         "max_values must be less than or equal to the number of options")


def walk_components(components):
    """Yield every leaf component of a message or modal (rows, labels, containers and
    sections unwrapped)."""
    for c in components or []:
        if not isinstance(c, dict):
            continue
        if c.get("type") in (1, 17):
            yield from walk_components(c.get("components"))
        elif c.get("type") == 9:
            yield from walk_components(c.get("components"))
            if isinstance(c.get("accessory"), dict):
                yield c["accessory"]
        elif c.get("type") == 18 and isinstance(c.get("component"), dict):
            yield c["component"]
        else:
            yield c


# ---------------------------------------------------------------------- embeds

def embed_size(e: dict) -> int:
    n = 0
    for key in ("title", "description"):
        if isinstance(e.get(key), str):
            n += len(e[key])
    for f in e.get("fields") or []:
        if isinstance(f, dict):
            n += len(str(f.get("name") or "")) + len(str(f.get("value") or ""))
    if isinstance(e.get("footer"), dict):
        n += len(str(e["footer"].get("text") or ""))
    if isinstance(e.get("author"), dict):
        n += len(str(e["author"].get("name") or ""))
    return n


def validate_embeds(errs: FormErrors, embeds, path=("embeds",)):
    if embeds is None:
        return
    if not errs.list_len(path, embeds, 0, 10):
        return
    total = 0
    for i, e in enumerate(embeds):
        ep = path + (i,)
        if not isinstance(e, dict):
            errs.add(ep, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        errs.length(ep + ("title",), e.get("title"), 0, 256)
        errs.length(ep + ("description",), e.get("description"), 0, 4096)
        color = e.get("color")
        if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
            errs.add(ep + ("color",), "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
        fields = e.get("fields")
        if errs.list_len(ep + ("fields",), fields, 0, 25) and fields:
            for k, f in enumerate(fields):
                fp = ep + ("fields", k)
                if not isinstance(f, dict):
                    errs.add(fp, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
                    continue
                errs.length(fp + ("name",), f.get("name"), 1, 256, required=True)
                errs.length(fp + ("value",), f.get("value"), 1, 1024, required=True)
        if isinstance(e.get("footer"), dict):
            errs.length(ep + ("footer", "text"), e["footer"].get("text"), 1, 2048, required=True)
        if isinstance(e.get("author"), dict):
            errs.length(ep + ("author", "name"), e["author"].get("name"), 1, 256, required=True)
        total += embed_size(e)
    if total > 6000:
        errs.add(path, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


# ---------------------------------------------------------------------- message bodies

ALLOWED_MESSAGE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
ALLOWED_INTERACTION_FLAGS = ALLOWED_MESSAGE_FLAGS | FLAG_EPHEMERAL


def validate_message_body(errs: FormErrors, body, path=(), edit: bool = False):
    """Fields shared by channel messages, interaction responses, follow-ups and edits."""
    if not isinstance(body, dict):
        errs.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    errs.length(path + ("content",), body.get("content"), 0, 2000)
    validate_embeds(errs, body.get("embeds"), path + ("embeds",))
    flags = body.get("flags")
    if flags is not None and not isinstance(flags, int):
        errs.add(path + ("flags",), "NUMBER_TYPE_COERCE", "Value is not int.")
    elif isinstance(flags, int) and flags & FLAG_COMPONENTS_V2:
        for legacy in ("content", "embeds", "poll", "sticker_ids"):
            if body.get(legacy):
                errs.add(path + (legacy,), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                         "The 'content', 'embeds', 'stickers' and 'poll' fields cannot be used "
                         "when using MessageFlags.IS_COMPONENTS_V2")
        validate_layout(errs, body.get("components"), path + ("components",))
    else:
        validate_components(errs, body.get("components"), path + ("components",))
    am = body.get("allowed_mentions")
    if am is not None:
        if not isinstance(am, dict):
            errs.add(path + ("allowed_mentions",), "DICT_TYPE_CONVERT",
                     "Only dictionaries may be used in a DictType")
        else:
            parse = am.get("parse", [])
            if not isinstance(parse, list) or any(p not in ("roles", "users", "everyone") for p in parse):
                errs.add(path + ("allowed_mentions", "parse"), "BASE_TYPE_CHOICES",
                         "Value must be one of ('roles', 'users', 'everyone').")
            elif "users" in parse and am.get("users"):
                errs.add(path + ("allowed_mentions",), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                         "parse:[\"users\"] and users: [ids] are mutually exclusive.")
            elif "roles" in parse and am.get("roles"):
                errs.add(path + ("allowed_mentions",), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                         "parse:[\"roles\"] and roles: [ids] are mutually exclusive.")
    nonce = body.get("nonce")
    if nonce is not None:
        if isinstance(nonce, str):
            errs.length(path + ("nonce",), nonce, 0, 25)
        elif not isinstance(nonce, int):
            errs.add(path + ("nonce",), "BASE_TYPE_NONCE", "Nonce must be a string or an integer.")


def message_is_empty(body: dict) -> bool:
    return not (body.get("content") or body.get("embeds") or body.get("components")
                or body.get("sticker_ids") or body.get("attachments") or body.get("poll"))


# ---------------------------------------------------------------------- modals and autocomplete

def validate_modal(errs: FormErrors, data, path=("data",)):
    if not isinstance(data, dict):
        errs.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return
    errs.length(path + ("custom_id",), data.get("custom_id"), 1, 100, required=True)
    errs.length(path + ("title",), data.get("title"), 1, 45, required=True)
    comps = data.get("components")
    if not errs.list_len(path + ("components",), comps, 1, 5, required=True):
        return
    seen: set = set()
    for i, c in enumerate(comps):
        cp = path + ("components", i)
        if not isinstance(c, dict):
            errs.add(cp, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        if c.get("type") == 1:
            kids = c.get("components")
            if not errs.list_len(cp + ("components",), kids, 1, 1, required=True):
                continue
            ti = kids[0]
            if not isinstance(ti, dict) or ti.get("type") != 4:
                errs.add(cp + ("components", 0, "type"), "COMPONENT_TYPE_INVALID",
                         "An action row in a modal may only hold a text input (type 4).")
                continue
            _validate_text_input(errs, ti, cp + ("components", 0), seen, label_required=True)
        elif c.get("type") == 18:
            errs.length(cp + ("label",), c.get("label"), 1, 45, required=True)
            errs.length(cp + ("description",), c.get("description"), 0, 100)
            inner = c.get("component")
            if not isinstance(inner, dict):
                errs.add(cp + ("component",), "BASE_TYPE_REQUIRED", "This field is required")
            elif inner.get("type") == 4:
                _validate_text_input(errs, inner, cp + ("component",), seen, label_required=False)
            elif inner.get("type") in SELECT_TYPES:
                _validate_select(errs, inner, cp + ("component",), seen)
            else:
                errs.add(cp + ("component", "type"), "COMPONENT_TYPE_INVALID",
                         "A label in a modal holds a text input or a select menu.")
        elif c.get("type") == 10:
            errs.length(cp + ("content",), c.get("content"), 1, 4000, required=True)
        else:
            errs.add(cp + ("type",), "COMPONENT_TYPE_INVALID",
                     "A modal holds action rows (type 1), labels (type 18) or text displays (type 10).")


def _validate_text_input(errs: FormErrors, ti: dict, p, seen: set, label_required: bool):
    _custom_id(errs, ti, p, seen)
    if ti.get("style") not in (1, 2):
        errs.add(p + ("style",), "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
    if label_required:
        errs.length(p + ("label",), ti.get("label"), 1, 45, required=True)
    lo, hi = ti.get("min_length"), ti.get("max_length")
    if lo is not None and (not isinstance(lo, int) or not 0 <= lo <= 4000):
        errs.add(p + ("min_length",), "NUMBER_TYPE_MAX", "int value should be between 0 and 4000.")
    if hi is not None and (not isinstance(hi, int) or not 1 <= hi <= 4000):
        errs.add(p + ("max_length",), "NUMBER_TYPE_MAX", "int value should be between 1 and 4000.")
    errs.length(p + ("value",), ti.get("value"), 0, 4000)
    errs.length(p + ("placeholder",), ti.get("placeholder"), 0, 100)


def validate_autocomplete(errs: FormErrors, data, path=("data",)):
    if not isinstance(data, dict):
        errs.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return
    choices = data.get("choices")
    if not errs.list_len(path + ("choices",), choices, 0, 25, required=True):
        return
    for i, ch in enumerate(choices):
        cp = path + ("choices", i)
        if not isinstance(ch, dict):
            errs.add(cp, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        errs.length(cp + ("name",), ch.get("name"), 1, 100, required=True)
        v = ch.get("value")
        if v is None:
            errs.add(cp + ("value",), "BASE_TYPE_REQUIRED", "This field is required")
        elif isinstance(v, str):
            errs.length(cp + ("value",), v, 1, 100)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            errs.add(cp + ("value",), "BASE_TYPE_CHOICES", "Value must be a string, an integer or a number.")


# ---------------------------------------------------------------------- application commands

OPTION_TYPES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
CHOICE_TYPES = {3, 4, 10}


def validate_commands(body) -> FormErrors:
    errs = FormErrors()
    if not isinstance(body, list):
        errs.add((), "BASE_TYPE_ARRAY", "Must be an array.")
        return errs
    if len(body) > 200:
        errs.add((), "BASE_TYPE_MAX_LENGTH", "Must be 200 or fewer in length.")
        return errs
    seen: dict = {}
    counts = {1: 0, 2: 0, 3: 0}
    for i, cmd in enumerate(body):
        p = (i,)
        if not isinstance(cmd, dict):
            errs.add(p, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        ctype = cmd.get("type", 1)
        if ctype not in (1, 2, 3, 4):
            errs.add(p + ("type",), "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4).")
            continue
        counts[ctype] = counts.get(ctype, 0) + 1
        name = cmd.get("name")
        if name is None:
            errs.add(p + ("name",), "BASE_TYPE_REQUIRED", "This field is required")
        elif not valid_command_name(name, chat_input=(ctype == 1)):
            errs.add(p + ("name",), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        elif (ctype, name) in seen:
            errs.add(p + ("name",), "APPLICATION_COMMANDS_DUPLICATE_NAME",
                     "Application command names must be unique")
        else:
            seen[(ctype, name)] = i
        desc = cmd.get("description")
        if ctype == 1:
            errs.length(p + ("description",), desc, 1, 100, required=True)
        elif desc:
            errs.add(p + ("description",), "APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED",
                     "Description must be empty for user and message commands")
        dmp = cmd.get("default_member_permissions")
        if dmp is not None and not (isinstance(dmp, str) and dmp.isdigit()):
            errs.add(p + ("default_member_permissions",), "BASE_TYPE_PERMISSIONS",
                     "Must be a string bitset of permissions.")
        contexts = cmd.get("contexts")
        if contexts is not None and (not isinstance(contexts, list)
                                      or any(c not in (0, 1, 2) for c in contexts)):
            errs.add(p + ("contexts",), "BASE_TYPE_CHOICES", "Value must be one of (0, 1, 2).")
        opts = cmd.get("options")
        if opts is not None:
            if ctype != 1:
                errs.add(p + ("options",), "APPLICATION_COMMAND_OPTIONS_NOT_ALLOWED",
                         "Options are only allowed on chat input commands")
            else:
                _validate_options(errs, opts, p + ("options",), depth=0)
    if counts.get(1, 0) > 100:
        errs.add((), "APPLICATION_COMMANDS_TOO_MANY", "Maximum number of chat input commands reached (100)")
    if counts.get(2, 0) > 15 or counts.get(3, 0) > 15:
        errs.add((), "APPLICATION_COMMANDS_TOO_MANY", "Maximum number of user or message commands reached (15)")
    return errs


def _validate_options(errs: FormErrors, opts, p, depth: int):
    if not errs.list_len(p, opts, 0, 25):
        return
    names = set()
    seen_optional = False
    kinds = set()
    for j, o in enumerate(opts):
        op = p + (j,)
        if not isinstance(o, dict):
            errs.add(op, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        otype = o.get("type")
        if otype not in OPTION_TYPES:
            errs.add(op + ("type",), "BASE_TYPE_CHOICES", f"Value must be one of {sorted(OPTION_TYPES)}.")
            continue
        is_sub = otype in (1, 2)
        kinds.add("sub" if is_sub else "value")
        name = o.get("name")
        if name is None:
            errs.add(op + ("name",), "BASE_TYPE_REQUIRED", "This field is required")
        elif not valid_command_name(name):
            errs.add(op + ("name",), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        elif name in names:
            errs.add(op + ("name",), "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                     "Option names must be unique")
        else:
            names.add(name)
        errs.length(op + ("description",), o.get("description"), 1, 100, required=True)
        required = o.get("required", False)
        if is_sub:
            if required:
                errs.add(op + ("required",), "APPLICATION_COMMAND_OPTION_REQUIRED_NOT_ALLOWED",
                         "Sub-commands and groups cannot be required")
            if otype == 2 and depth > 0:
                errs.add(op + ("type",), "APPLICATION_COMMAND_INVALID_NESTING",
                         "Sub-command groups can only be nested at the top level")
            elif otype == 1 and depth > 1:
                errs.add(op + ("type",), "APPLICATION_COMMAND_INVALID_NESTING",
                         "Sub-commands cannot be nested this deep")
            sub = o.get("options")
            if otype == 2:
                if not isinstance(sub, list) or not sub or any(
                        not isinstance(s, dict) or s.get("type") != 1 for s in sub):
                    errs.add(op + ("options",), "APPLICATION_COMMAND_INVALID_NESTING",
                             "A sub-command group holds 1-25 sub-commands only")
                    continue
            if sub is not None:
                _validate_options(errs, sub, op + ("options",), depth + 1)
            continue
        if required and seen_optional:
            errs.add(op + ("required",), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                     "Required options must be placed before non-required options")
        if not required:
            seen_optional = True
        choices = o.get("choices")
        if choices is not None:
            if otype not in CHOICE_TYPES:
                errs.add(op + ("choices",), "APPLICATION_COMMAND_OPTION_CHOICES_NOT_ALLOWED",
                         "Choices are only allowed on STRING, INTEGER and NUMBER options")
            elif errs.list_len(op + ("choices",), choices, 0, 25):
                for k, ch in enumerate(choices):
                    chp = op + ("choices", k)
                    if not isinstance(ch, dict):
                        errs.add(chp, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
                        continue
                    errs.length(chp + ("name",), ch.get("name"), 1, 100, required=True)
                    v = ch.get("value")
                    if otype == 3:
                        errs.length(chp + ("value",), v, 1, 100, required=True)
                    elif isinstance(v, bool) or not isinstance(v, (int, float)) or (
                            otype == 4 and not isinstance(v, int)):
                        errs.add(chp + ("value",), "NUMBER_TYPE_COERCE", "Value is not a valid number.")
        if o.get("autocomplete"):
            if otype not in CHOICE_TYPES:
                errs.add(op + ("autocomplete",), "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID_TYPE",
                         "Autocomplete is only allowed on STRING, INTEGER and NUMBER options")
            if choices:
                errs.add(op + ("autocomplete",), "APPLICATION_COMMAND_AUTOCOMPLETE_WITH_CHOICES",
                         "Autocomplete cannot be set together with choices")
        for key, lo, hi in (("min_length", 0, 6000), ("max_length", 1, 6000)):
            v = o.get(key)
            if v is not None and (otype != 3 or not isinstance(v, int) or not lo <= v <= hi):
                errs.add(op + (key,), "NUMBER_TYPE_MAX", f"{key} must be between {lo} and {hi} on STRING options.")
        for key in ("min_value", "max_value"):
            v = o.get(key)
            if v is not None and (otype not in (4, 10) or isinstance(v, bool) or not isinstance(v, (int, float))):
                errs.add(op + (key,), "NUMBER_TYPE_COERCE", f"{key} is only allowed on INTEGER and NUMBER options.")
    if kinds == {"sub", "value"}:
        errs.add(p, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                 "Sub-commands and groups cannot be mixed with other options")
