"""A scripted OpenAI-compatible chat-completions endpoint for tests (aiohttp), standing in for
OpenAI, Ollama's /v1 or llama.cpp's server. Test code only, never part of the product.

    stub = ChatStub().start()               # serves http://127.0.0.1:PORT/v1
    stub.script(tool_calls(("restart", {"container": "nginx", "host": "nas"})))
    ...                                      # wagbot POSTs /v1/chat/completions
    stub.requests[0]["json"]["tools"]       # what wagbot sent, exactly
    stub.stop()

Each request takes the next scripted step; an unscripted request gets a 500 and is recorded
in `problems`, like every request that breaks the wire format. The format is OpenAI's:

- request:  POST /v1/chat/completions, Content-Type application/json, {"model", "messages":
  [{"role", "content"}], "tools": [{"type": "function", "function": {"name", "description",
  "parameters": <JSON Schema object>}}], "tool_choice", ...}; unknown parameters are refused
  as OpenAI does ("Unrecognized request argument supplied").
- answer:   {"id": "chatcmpl-…", "object": "chat.completion", "created", "model",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": null|text,
  "tool_calls": [{"id": "call_…", "type": "function", "function": {"name", "arguments":
  "<JSON text>"}}], "refusal": null}, "logprobs": null, "finish_reason": "tool_calls"|"stop"}],
  "usage": {...}}
- errors:   {"error": {"message", "type", "param", "code"}} with the HTTP status.

Steps (plain dicts, made by the helpers below): tool_calls(...), text(...), http_error(...),
garbage(...), slow(seconds, step), hang_up().
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import threading
import time

from aiohttp import web

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
ROLES = {"system", "developer", "user", "assistant", "tool"}
KNOWN_PARAMETERS = {
    "model", "messages", "tools", "tool_choice", "parallel_tool_calls", "temperature", "top_p", "n",
    "stream", "stream_options", "stop", "max_tokens", "max_completion_tokens", "presence_penalty",
    "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "seed", "response_format",
    "metadata", "store", "service_tier", "reasoning_effort", "modalities", "prediction", "audio",
}


# ---------------------------------------------------------------------------- steps

def tool_calls(*calls, content=None) -> dict:
    """An answer calling tools. Each call is (name, arguments): a dict (sent as JSON text, as
    the format requires) or a str (sent verbatim, e.g. broken JSON)."""
    return {"kind": "tool_calls", "calls": list(calls), "content": content}


def text(content: str) -> dict:
    """An answer in words, without a tool call (finish_reason "stop")."""
    return {"kind": "text", "content": content}


def http_error(status: int, message: str, type_: str = "server_error", code=None) -> dict:
    return {"kind": "error", "status": status, "message": message, "type": type_, "code": code}


def garbage(body: str, status: int = 200, content_type: str = "application/json") -> dict:
    """Any body at all (HTML from a proxy, truncated JSON, a wrong shape)."""
    return {"kind": "garbage", "body": body, "status": status, "content_type": content_type}


def slow(seconds: float, then: dict) -> dict:
    """Waits before answering with `then`."""
    return {"kind": "slow", "seconds": seconds, "then": then}


def hang_up() -> dict:
    """Closes the connection without an answer."""
    return {"kind": "hang_up"}


# ---------------------------------------------------------------------------- checks

def request_problems(body) -> list[str]:
    """What is wrong with a chat-completions request body, as OpenAI would see it."""
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    out = []
    for key in body:
        if key not in KNOWN_PARAMETERS:
            out.append(f"Unrecognized request argument supplied: {key}")
    if not isinstance(body.get("model"), str) or not body["model"]:
        out.append("`model` must be a non-empty string")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        out.append("`messages` must be a non-empty list")
    else:
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or m.get("role") not in ROLES:
                out.append(f"messages[{i}] needs a role in {sorted(ROLES)}")
            elif not isinstance(m.get("content"), str) and not (m["role"] == "assistant" and m.get("tool_calls")):
                out.append(f"messages[{i}].content must be a string")
    if body.get("stream"):
        out.append("this stub does not stream; send stream: false")
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            out.append("`tools` must be a list")
            tools = []
        names = set()
        for i, t in enumerate(tools):
            where = f"tools[{i}]"
            if not isinstance(t, dict) or t.get("type") != "function" or not isinstance(t.get("function"), dict):
                out.append(f'{where} must be {{"type": "function", "function": {{...}}}}')
                continue
            fn = t["function"]
            name = fn.get("name")
            if not isinstance(name, str) or not TOOL_NAME.match(name):
                out.append(f"{where}.function.name must match {TOOL_NAME.pattern}")
            elif name in names:
                out.append(f"{where}.function.name `{name}` is used twice")
            names.add(name)
            if "description" in fn and not isinstance(fn["description"], str):
                out.append(f"{where}.function.description must be a string")
            params = fn.get("parameters")
            if params is not None:
                if not isinstance(params, dict) or params.get("type") != "object":
                    out.append(f"{where}.function.parameters must be a JSON Schema of type object")
                else:
                    props = params.get("properties", {})
                    if not isinstance(props, dict):
                        out.append(f"{where}.function.parameters.properties must be an object")
                        props = {}
                    for p, schema in props.items():
                        if not isinstance(schema, dict) or "type" not in schema:
                            out.append(f"{where}: parameter `{p}` needs a type")
                    for r in params.get("required", []):
                        if r not in props:
                            out.append(f"{where}: required `{r}` is not a property")
    choice = body.get("tool_choice")
    if choice is not None and choice not in ("none", "auto", "required") and not isinstance(choice, dict):
        out.append("`tool_choice` must be none, auto, required or an object")
    if choice is not None and not tools:
        out.append("`tool_choice` is only allowed when `tools` are given")
    return out


def error_body(message: str, type_: str, code=None, param=None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


# ---------------------------------------------------------------------------- server

class ChatStub:
    """The endpoint. `api_key`, when set, must come as `Authorization: Bearer <key>`."""

    def __init__(self, api_key: str | None = None):
        self.api_key = api_key
        self.steps: list[dict] = []
        self.requests: list[dict] = []
        self.problems: list[str] = []
        self.port = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # -------------------------------------------------------------- test side
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *steps: dict) -> "ChatStub":
        with self._lock:
            self.steps.extend(steps)
        return self

    def clear(self):
        with self._lock:
            self.steps.clear()
            self.requests.clear()
            self.problems.clear()

    def pending(self) -> int:
        with self._lock:
            return len(self.steps)

    # -------------------------------------------------------------- lifecycle
    def start(self) -> "ChatStub":
        ready = threading.Event()

        def serve():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="openai-stub", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the OpenAI stub did not start")
        return self

    def stop(self):
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -------------------------------------------------------------- server side
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.text()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = {"method": request.method, "path": request.path, "headers": dict(request.headers),
                  "body": raw, "json": body, "at": time.time()}
        with self._lock:
            self.requests.append(record)
        if request.method != "POST" or request.path != "/v1/chat/completions":
            self._problem(f"unexpected {request.method} {request.path}")
            return web.json_response(error_body(f"Invalid URL ({request.method} {request.path})",
                                                "invalid_request_error"), status=404)
        if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            given = request.headers.get("Authorization", "")
            shown = given[7:11] + "*" * 4 + given[-4:] if given.startswith("Bearer ") and len(given) > 15 else ""
            return web.json_response(error_body(f"Incorrect API key provided: {shown}.",
                                                "invalid_request_error", "invalid_api_key"), status=401)
        if not request.content_type == "application/json":
            self._problem(f"Content-Type is {request.content_type!r}")
        problems = request_problems(body) if body is not None else ["the body is not JSON"]
        if problems:
            for p in problems:
                self._problem(p)
            return web.json_response(error_body(problems[0], "invalid_request_error"), status=400)
        with self._lock:
            step = self.steps.pop(0) if self.steps else None
        if step is None:
            self._problem("a request came that no step was scripted for")
            return web.json_response(error_body("stub: nothing scripted", "server_error"), status=500)
        return await self._answer(request, step, body)

    async def _answer(self, request: web.Request, step: dict, body: dict) -> web.StreamResponse:
        kind = step["kind"]
        if kind == "slow":
            await asyncio.sleep(step["seconds"])
            return await self._answer(request, step["then"], body)
        if kind == "hang_up":
            request.transport.close()
            return web.Response(status=500)  # never reaches the client
        if kind == "error":
            return web.json_response(error_body(step["message"], step["type"], step["code"]), status=step["status"])
        if kind == "garbage":
            return web.Response(status=step["status"], body=step["body"].encode(), content_type=None,
                                headers={"Content-Type": step["content_type"]})
        message = {"role": "assistant", "content": step.get("content"), "refusal": None}
        finish = "stop"
        if kind == "tool_calls":
            message["tool_calls"] = [
                {"id": "call_" + secrets.token_hex(12), "type": "function",
                 "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
                for name, args in step["calls"]]
            finish = "tool_calls"
        prompt = len(json.dumps(body)) // 4
        return web.json_response({
            "id": "chatcmpl-" + secrets.token_hex(12),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_stub",
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": 12, "total_tokens": prompt + 12},
        })

    def _problem(self, text: str):
        with self._lock:
            self.problems.append(text)
