"""HTTP helpers shared by the WAGMIOS simulator: Go-like JSON bodies and JSON decoding."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from aiohttp import web

MAX_BODY = 1 << 20   # http.MaxBytesReader(1 MiB) in the real server


def go_json(obj) -> str:
    """json.NewEncoder(w).Encode(v): compact, HTML characters escaped, trailing newline."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return text + "\n"


def raw_json(obj, status: int = 200) -> web.Response:
    return web.Response(status=status, body=go_json(obj).encode(), content_type="application/json")


def ok(data, status: int = 200) -> web.Response:
    return raw_json({"success": True, "data": data, "error": None}, status)


def err(status: int, code: str, message: str) -> web.Response:
    return raw_json({"success": False, "data": None, "error": {"code": code, "message": message}},
                    status)


def not_found_text() -> web.Response:
    """http.NotFound: what Go's mux answers for an unknown path or a wrong method."""
    resp = web.Response(status=404, body=b"404 page not found\n")
    resp.headers["Content-Type"] = "text/plain; charset=utf-8"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


class BadRequest(Exception):
    """The body could not be decoded into the handler's Go struct."""


# Schema language for go_decode: str, int, bool, float, "any",
# ("list", sub), ("map", sub) (string keys), or a dict {field: sub} for a struct.

def go_decode(body: bytes, schema):
    """json.NewDecoder(r.Body).Decode(&v) into a struct described by `schema`.

    Like Go: the first JSON value is decoded and anything after it ignored; an empty
    body is an error; `null` gives the zero value; unknown fields are ignored; a value of
    the wrong JSON type is an error (e.g. a number where a string is expected).
    """
    if len(body) > MAX_BODY:
        raise BadRequest("http: request body too large")
    text = body.decode("utf-8", errors="replace").lstrip(" \t\r\n")
    if not text:
        raise BadRequest("EOF")
    try:
        value, _end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as e:
        raise BadRequest(f"invalid character: {e.msg}") from None
    return _check(value, schema, "")


def _zero(schema):
    if schema is str:
        return ""
    if schema is int or schema is float:
        return 0
    if schema is bool:
        return False
    if isinstance(schema, dict):
        return {}
    return None   # nil slice / map / interface


def _check(value, schema, where):
    if value is None:
        return _zero(schema)
    if schema == "any":
        return value
    if schema is str:
        if not isinstance(value, str):
            raise BadRequest(f"json: cannot unmarshal {_kind(value)} into Go value of type string{where}")
        return value
    if schema is bool:
        if not isinstance(value, bool):
            raise BadRequest(f"json: cannot unmarshal {_kind(value)} into Go value of type bool{where}")
        return value
    if schema is int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not value.is_integer()):
            raise BadRequest(f"json: cannot unmarshal {_kind(value)} into Go value of type int{where}")
        return int(value)
    if schema is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadRequest(f"json: cannot unmarshal {_kind(value)} into Go value of type float64{where}")
        return value
    if isinstance(schema, tuple) and schema[0] == "list":
        if not isinstance(value, list):
            raise BadRequest(f"json: cannot unmarshal {_kind(value)} into Go value of type []{where}")
        return [_check(v, schema[1], where) for v in value]
    if isinstance(schema, tuple) and schema[0] == "map":
        if not isinstance(value, dict):
            raise BadRequest(f"json: cannot unmarshal {_kind(value)} into Go value of type map{where}")
        return {k: _check(v, schema[1], where) for k, v in value.items()}
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise BadRequest(f"json: cannot unmarshal {_kind(value)} into Go struct{where}")
        out = {}
        for k, sub in schema.items():
            if k in value:
                out[k] = _check(value[k], sub, f" (field {k})")
        return out
    raise AssertionError(f"bad schema {schema!r}")


def _kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null"


def parse_json_or_none(body: bytes):
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Ctx:
    request: web.Request
    body: bytes
    state: "HostState"  # noqa: F821
    params: dict
    key: "Key | None" = None  # noqa: F821
    agent: str = "unauthenticated"
    extra: dict = field(default_factory=dict)

    def decode(self, schema):
        return go_decode(self.body, schema)


def log_container(ctx: Ctx, action: str, target: str, cid: str, success: bool, details: str):
    ctx.state.feed.log("container_action", action, target, "success" if success else "error",
                       ctx.agent, {"container_id": cid, "details": details})
