#!/usr/bin/env python3
"""Discord API v10 simulator (gateway + REST + interactions) for wagbot's tests.

One aiohttp server on one loopback port serves
  /api/v10/...           REST (discord_rest.py, rate limits in discord_ratelimit.py)
  /gateway, /resume-gateway   the gateway WebSocket (discord_gateway.py)
  /_control/...          the control API used by pytest (discord_control_api.py, control.py)
following shared/reference/discord.md. Every choice made where the reference is silent is in
README.md (and marked CHOICE in the code).

    .venv/bin/python tests/discord/discord_sim.py --port 0 --ready-file PATH [--config JSON-FILE]

When listening it prints one line and writes the same JSON atomically to --ready-file:
    {"url":"http://127.0.0.1:P","api":"http://127.0.0.1:P/api/v10","gateway":"ws://127.0.0.1:P/gateway"}
SIGTERM / SIGINT stop it cleanly (exit code 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aiohttp import web  # noqa: E402

from discord_control_api import ControlAPI  # noqa: E402
from discord_gateway import Gateway  # noqa: E402
from discord_interactions import Interactions  # noqa: E402
from discord_ratelimit import RateLimiter  # noqa: E402
from discord_rest import Rest  # noqa: E402
from discord_state import SimState  # noqa: E402


class DiscordSim:
    def __init__(self):
        self.state = SimState()
        self.ratelimit = RateLimiter(self.state)
        self.gateway = Gateway(self)
        self.interactions = Interactions(self)
        self.rest = Rest(self)
        self.control = ControlAPI(self)
        self.initial_config: dict = {}

    def reset(self):
        self.gateway.reset()
        self.state.reset()
        self.ratelimit.reset()
        if self.initial_config:
            self.state.update_config(self.initial_config)

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/api/"):
            return await self.rest.handle(request)
        if path == "/_control" or path.startswith("/_control/"):
            return await self.control.handle(request)
        if path.rstrip("/") in ("/gateway", "/resume-gateway"):
            return await self.gateway.handle(request)
        return web.json_response({"message": "404: Not Found", "code": 0}, status=404)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app


def write_ready(path: str, info: dict):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(info, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Discord API v10 simulator")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--ready-file")
    p.add_argument("--config", help="JSON file with a /_control/config body applied at start "
                                     "(and again after every /_control/reset)")
    p.add_argument("--record", help="append every message body the bot writes (POST/PATCH/PUT) "
                                     "to this JSON-lines file (scripts/suites scans it for keys)")
    p.add_argument("--verbose", action="store_true")
    return p.parse_args(argv)


async def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="discord_sim: %(levelname)s %(name)s %(message)s")
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    logging.getLogger("aiohttp.access").setLevel(logging.INFO if args.verbose else logging.WARNING)

    sim = DiscordSim()
    sim.rest.record_file = args.record
    if args.config:
        with open(args.config) as f:
            sim.initial_config = json.load(f)
        sim.state.update_config(sim.initial_config)

    runner = web.AppRunner(sim.app(), shutdown_timeout=2.0, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.bind, args.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    host = "127.0.0.1" if args.bind in ("0.0.0.0", "127.0.0.1") else args.bind
    base = f"http://{host}:{port}"
    sim.state.base_url = base
    info = {"url": base, "api": base + "/api/v10", "gateway": base.replace("http://", "ws://") + "/gateway"}

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    if args.ready_file:
        write_ready(args.ready_file, info)
    print(json.dumps(info), flush=True)

    await stop.wait()
    for conn in list(sim.gateway.conns.values()):
        conn.close(1001, "Discord simulator going away.")
    await asyncio.sleep(0.1)
    await runner.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
