#!/usr/bin/env python3
"""WAGMIOS host simulator for wagbot's tests and demo.

One process serves several simulated WAGMIOS hosts, each on its own loopback port, plus
a control port. It reproduces the HTTP API as the real server's code behaves (see
shared/reference/wagmios-api.md): envelope and its exceptions, auth order, scopes, rate
limits, validation codes, docker-like errors, activity feed over HTTP and WebSocket.

    .venv/bin/python tests/sim/wagmios_sim.py --control-port 0 --host nas --host media \\
        [--ready-file PATH] [--seed PATH.json]

When everything listens, the JSON
    {"control":"http://127.0.0.1:P","hosts":{"nas":"http://127.0.0.1:P1",...}}
is written atomically to --ready-file and printed as one line on stdout.

Modules: wagmios_state (Docker objects, keys, feed, limits), wagmios_api (route handlers),
wagmios_host (per-host server and request pipeline, faults), wagmios_control_api
(/_control), wagmios_catalogue (marketplace data), wagmios_http (JSON helpers);
control.py is the synchronous client used by pytest fixtures. README.md lists the control
API and every choice made where the reference is silent (also marked CHOICE in the code).
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

from wagmios_control_api import ControlAPI  # noqa: E402
from wagmios_host import HostServer  # noqa: E402
from wagmios_state import HostState  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    p.add_argument("--control-port", type=int, default=0)
    p.add_argument("--host", action="append", default=[], metavar="NAME[:PORT]",
                   help="a simulated host (repeatable); PORT 0 or absent = ephemeral")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--ready-file")
    p.add_argument("--seed", help='JSON: {"hosts":{"nas":{"keys":[...],"containers":[...],"images":[...]}}}')
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--tls-cert", help="serve every host over HTTPS with this PEM certificate")
    p.add_argument("--tls-key", help="the certificate's PEM private key")
    return p.parse_args(argv)


def write_ready(path: str, info: dict):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(info, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


async def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        stream=sys.stderr, format="wagmios_sim: %(levelname)s %(message)s")
    # A dropped connection is a feature here, not something to log.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)

    seed = {}
    if args.seed:
        with open(args.seed) as f:
            seed = json.load(f).get("hosts", {})

    specs: list[tuple[str, int]] = []
    for h in args.host:
        name, _, port = h.partition(":")
        specs.append((name, int(port or 0)))
    for name in seed:
        if name not in [n for n, _ in specs]:
            specs.append((name, 0))
    if not specs:
        print("wagmios_sim: at least one --host is required", file=sys.stderr)
        return 2

    ssl_context = None
    if args.tls_cert:
        import ssl
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(args.tls_cert, args.tls_key)

    hosts: dict[str, HostServer] = {}
    for name, port in specs:
        if name in hosts:
            print(f"wagmios_sim: duplicate host {name}", file=sys.stderr)
            return 2
        hosts[name] = HostServer(HostState(name, seed.get(name)), port, args.bind, ssl_context)
    for h in hosts.values():
        await h.up()

    control_runner = web.AppRunner(ControlAPI(hosts).app(), access_log=None,
                                   handle_signals=False, shutdown_timeout=0.2)
    await control_runner.setup()
    site = web.TCPSite(control_runner, args.bind, args.control_port, reuse_address=True)
    await site.start()
    control_port = site._server.sockets[0].getsockname()[1]   # noqa: SLF001

    info = {"control": f"http://{args.bind}:{control_port}",
            "hosts": {n: h.url for n, h in hosts.items()}}
    if args.ready_file:
        write_ready(args.ready_file, info)
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()

    for h in hosts.values():
        await h.down()
    await control_runner.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
