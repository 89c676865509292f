#!/usr/bin/env python3
"""Start-to-ready: `wagbot run` started → /readyz first answers 200.

    .venv/bin/python bench/start_ready.py [--runs 10] [--json out.json]

Set-up: a real Synapse (tests/matrix; the bot logs in with an access token), the Discord
simulator (tests/discord; identify concurrency not enforced, so back-to-back restarts identify
at once) and the WAGMIOS simulator (tests/sim) playing `nas` (alice has a key). Three
configurations: Discord only, Matrix only, both. /readyz is 200 once every configured transport
is connected: Discord READY received on the gateway; Matrix a first /sync answered.

For each configuration: one first start on an empty data directory (SQLite schema, master key,
key import), then `--runs` restarts on the same data directory (SIGTERM, wait for exit, start).
The clock starts just before the fork and stops when /readyz answers 200 (polled every 5 ms;
the listener's port is read from the bot's log as soon as it is written).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    synapse = bl.matrix_modules()

    results: dict = {}
    with bl.Workdir("ready") as tmp:
        hs = synapse.start_synapse(tmp / "synapse")
        try:
            account = hs.register("wagbot", "wagbot-bench-pw")
            with bl.dc.DiscordSim(config={"enforce_identify_concurrency": False}) as dsim, \
                    bl.wc.Simulator(hosts=["nas"]) as wsim:
                key = wsim.control.add_key("nas", label="alice", scopes=["*"], role="admin")["key"]
                for mode in ("discord", "matrix", "both"):
                    bot = bl.BenchBot(tmp / mode, {"nas": wsim.hosts["nas"]},
                                      users={"alice": {"admin": True, "discord": [bl.ALICE],
                                                       "matrix": ["@alice:localhost"], "keys": {"nas": key}}},
                                      matrix={"homeserver": hs.url, "user_id": account["user_id"],
                                              "allowed_inviters": [":localhost"]} if mode != "discord" else None,
                                      discord={"api_base": dsim.api, "guilds": [bl.GUILD]} if mode != "matrix" else None)
                    if bot.matrix:
                        bot.matrix["access_token_file"] = bot.secret("matrix-token", account["access_token"])
                    if bot.discord:
                        bot.discord["token_file"] = bot.secret("discord.token", bl.TOKEN)
                    times = []
                    for run in range(args.runs + 1):
                        # As if restarts were minutes apart: GET /gateway/bot's bucket (5 per 5 s)
                        # would otherwise make every third quick restart wait.
                        dsim.control.ratelimit(clear_buckets=True)
                        t0 = bot.start()
                        t1 = bot.wait_ready()
                        times.append((t1 - t0) * 1000)
                        time.sleep(0.5)
                        bot.stop()
                    first, rest = times[0], times[1:]
                    s = bl.summary(rest)
                    results[mode] = {"first_ms": first, "restart_ms": s}
                    print(f"{mode:>8}: first start (empty data dir) {first:6.0f} ms; restarts p50 {s['p50']:6.0f} "
                          f"min {s['min']:6.0f} max {s['max']:6.0f} ms (n={s['n']})", flush=True)
        finally:
            hs.stop()
    bl.emit("start_ready", results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
