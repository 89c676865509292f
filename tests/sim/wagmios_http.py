"""HTTP helpers shared by the WAGMIOS simulator: Go-like JSON bodies and JSON decoding."""

from __future__ import annotations

import asyncio
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


def ok(data, status: int = 200, sorted_envelope: bool = False) -> web.Response:
    """The envelope. Handlers that build it from a Go struct send `success,data,error`;
    those that build a map[string]interface{} send the keys sorted (`data,error,success`)."""
    if sorted_envelope:
        return raw_json({"data": data, "error": None, "success": True}, status)
    return raw_json({"success": True, "data": data, "error": None}, status)


def err(status: int, code: str, message: str, sorted_envelope: bool = False) -> web.Response:
    error = {"code": code, "message": message}
    if sorted_envelope:
        return raw_json({"data": None, "error": error, "success": False}, status)
    return raw_json({"success": False, "data": None, "error": error}, status)


def pretty_json(obj) -> web.Response:
    """json.MarshalIndent(v, "", "  ") of a map: keys sorted, two-space indent, no newline."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return web.Response(status=200, body=text.encode(), content_type="application/json")


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
        # Like encoding/json: a JSON key names a field exactly or, failing that, without
        # regard to case ("Image" and "IMAGE" fill `image`); a later duplicate wins.
        out = {}
        folded = {k.casefold(): k for k in schema}
        for jk, jv in value.items():
            k = jk if jk in schema else folded.get(jk.casefold())
            if k is not None:
                out[k] = _check(jv, schema[k], f" (field {k})")
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


    def scope_failure(self):
        """For the routes that check the scope in the handler, after reading the body
        (container create, template save, pull)."""
        scope = self.extra.get("deferred_scope")
        if scope and not self.key.has_scope(scope):
            return err(403, "SCOPE_REQUIRED", f"{scope} scope required")
        return None


def log_container(ctx: Ctx, action: str, target: str, cid: str, success: bool, details: str,
                  agent: str | None = None):
    """container_action: details {"container_id": the reference as given (the new id for
    create), "details": "" on success or docker's own output on failure}."""
    ctx.state.feed.log("container_action", action, target, "success" if success else "error",
                       agent or ctx.agent, {"container_id": cid, "details": details})


def docker_failure(exit_code: int = 1) -> web.Response:
    """What the API says when a docker CLI call fails: only the exit status. Docker's own
    text goes to the activity feed."""
    return err(500, "DOCKER_ERROR", f"exit status {exit_code}")


def after_start(ctx: Ctx, c):
    """A container whose process exits at once (control API rule): the start succeeded as
    far as docker is concerned; the container is `exited` when anyone looks next."""
    rule = ctx.state.exit_rule(c)
    if rule is None:
        return

    def die():
        if c.status == "running":
            c.logs.extend(rule.get("logs") or [])
            c.status, c.exit_code = "exited", int(rule.get("exit_code", 1))

    delay = int(rule.get("after_ms") or 0)
    if delay:
        asyncio.get_running_loop().call_later(delay / 1000, die)
    else:
        die()
