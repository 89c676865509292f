#!/usr/bin/env python3
"""Where a Discord command's CPU goes: wagbot answering `/ps host:nas` one at a time, optionally
under a profiler, with the cost per command counted over the measured commands only.

    .venv/bin/python bench/discord_profile.py [--commands 50] [--warmup 5]
    .venv/bin/python bench/discord_profile.py --callgrind OUT    # instructions per command
    .venv/bin/python bench/discord_profile.py --perf OUT         # where the CPU time goes
    .venv/bin/python bench/discord_profile.py --wrap "strace -f -tt -o /tmp/s.txt"
    .venv/bin/python bench/discord_profile.py --compress         # gateway zlib-stream on

Set-up as in bench/peers/compare.py's Discord path: the Discord simulator (tests/discord), the
WAGMIOS simulator (tests/sim) as `nas` with its rate limit lifted, wagbot with Discord only
(guild commands, `discord.compress` off unless --compress). Each command is an interaction
injected through the simulator's control API (INTERACTION_CREATE on the gateway); the bot
defers, asks WAGMIOS for the containers and edits `@original`; the next command goes once the
simulator has the edit. `--warmup` commands first (connections opened, caches warm), then
`--commands` measured ones.

With `--callgrind OUT`, wagbot runs under `valgrind --tool=callgrind --instr-atstart=no` and
instrumentation is switched on (callgrind_control -i on) only around the measured commands, so
OUT's totals ÷ commands is the bot's instructions per command: the gateway frame, the
interaction, the journal, the WAGMIOS call, rendering, the callback and the edit, everything
(heartbeats too, one per 41 s). Open OUT with callgrind_annotate (`--inclusive=yes`) or
kcachegrind. The simulator's 3 s limit on answering is raised under a wrapper (valgrind makes
the bot ~50× slower); the bot's work is the same.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402


def request_kinds(requests: list[dict]) -> Counter:
    """The simulator's request log as "METHOD what" counts (ids folded away)."""
    out: Counter = Counter()
    for q in requests:
        path = q.get("path", "")
        if "/callback" in path:
            what = "interaction callback"
        elif "/messages/@original" in path:
            what = "@original"
        elif "/webhooks/" in path:
            what = "webhook"
        else:
            what = path
        out[f"{q.get('method', '?')} {what}"] += 1
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bl.add_profile_args(ap)
    ap.add_argument("--host", default="nas", help="the /ps command's host option ('' for none)")
    ap.add_argument("--compress", action="store_true", help="gateway zlib-stream compression on")
    args = ap.parse_args(argv)
    prefix = bl.profile_prefix(args)
    options = {"host": args.host} if args.host else {}
    print(f"wagbot {bl.wagbot_bin()} ({bl.build_type(bl.wagbot_bin())}); load {bl.loadavg()}",
          flush=True)

    sim_config = {"interaction_timeout_ms": 120_000} if prefix else {}
    with bl.Workdir("dcprof") as tmp, bl.wc.Simulator(hosts=["nas"]) as wsim, \
            bl.dc.DiscordSim(config=sim_config or None) as dsim:
        key = bl.unlimited_key(wsim)
        ctl = dsim.control
        bot = bl.BenchBot(tmp / "bot", {"nas": wsim.hosts["nas"]},
                          users={"alice": {"admin": True, "discord": [bl.ALICE],
                                           "keys": {"nas": key}}},
                          discord={"api_base": dsim.api, "guilds": [bl.GUILD],
                                   "compress": bool(args.compress)})
        bot.discord["token_file"] = bot.secret("discord.token", bl.TOKEN)
        if prefix:
            bot.binary = bl.wrapper(tmp, prefix, bot.binary)
        bot.start()
        try:
            bot.wait_ready(deadline=180)

            def registered() -> bool:
                try:
                    cmds = ctl.commands(bl.GUILD) + ctl.commands()
                except bl.dc.ControlError:
                    return False
                return any(c.get("name") == "ps" for c in cmds)

            def connected() -> bool:
                return any(s.get("connected") for s in ctl.gateway_state().get("sessions", []))

            bl.wait_for(lambda: connected() and registered(), "the gateway session and /ps", 180)

            def one() -> float:
                """One /ps; ms from the interaction's creation to the bot's edit (simulator's clock)."""
                i = ctl.command("ps", options, user_id=bl.ALICE, username="alice")
                end = time.monotonic() + 120
                while True:
                    d = ctl.get_interaction(i["id"])
                    if d["status"] == "completed" and d["edits"]:
                        return float(d["edits"][-1]["at"])
                    if d["status"] in ("expired", "responded") or time.monotonic() > end:
                        raise SystemExit(f"bench: /ps not answered with an edit: {d['status']}\n"
                                         f"{bot.log()[-3000:]}")
                    time.sleep(0.003)

            for _ in range(args.warmup):
                one()
            time.sleep(1.0)
            ctl.clear_requests()
            wsim.control.clear_requests("nas")
            with bl.Measured(bot.pid, args) as m:
                rtts = [one() for _ in range(args.commands)]
            discord_requests = request_kinds(ctl.requests())
            wagmios_requests = Counter(f"{q['method']} {q['path']}"
                                       for q in wsim.control.requests("nas"))
        finally:
            bl.stop_wrapped(bot)
    bl.profile_report(args, "/ps" + (f" host:{args.host}" if args.host else ""), m, rtts,
                      bool(prefix))
    n = args.commands
    print("per command: Discord " + ", ".join(f"{k} {v / n:.2f}" for k, v in
                                              sorted(discord_requests.items()))
          + "; WAGMIOS " + ", ".join(f"{k} {v / n:.2f}" for k, v in
                                     sorted(wagmios_requests.items())))
    print(f"load {bl.loadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
