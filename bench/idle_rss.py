#!/usr/bin/env python3
"""Idle memory of `wagbot run` with both transports connected.

    .venv/bin/python bench/idle_rss.py [--idle 30] [--json out.json] [--breakdown]

Set-up: a real Synapse (tests/matrix, the bot logs in with an access token and long-polls
/sync with the default 30 s timeout), the Discord simulator (tests/discord, gateway connected,
slash commands registered), and the WAGMIOS simulator (tests/sim) playing `nas`, for which
alice has a key. Three configurations, each a fresh bot on its own Matrix account (an E2EE bot
sets up a cross-signing identity, which a second device of the same account must not redo):

  * `plain`: the transports and the host, `matrix.e2ee: false`, no alert watching;
  * `e2ee`: the same with end-to-end encryption on (the Rust crypto machine and its store);
  * `watching`: `plain` plus a monitor key for @nas (activity-feed WebSocket + a poll every
    10 s), as a homelab would run it.

Each is left idle for `--idle` seconds after /readyz first answers 200; then, from /proc:
VmRSS and VmHWM (status), RssAnon/RssFile, and from smaps_rollup Pss (shared pages divided
among the processes that map them: fairer for libc/libstdc++/OpenSSL) and Private (pages only
this process has). `--breakdown` prints the biggest mappings.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402


def measure(pid: int) -> dict:
    st = bl.proc_status(pid)
    sm = bl.smaps_rollup(pid)
    return {"rss_kb": st.get("VmRSS"), "hwm_kb": st.get("VmHWM"), "anon_kb": st.get("RssAnon"),
            "file_kb": st.get("RssFile"), "pss_kb": sm.get("Pss"), "pss_anon_kb": sm.get("Pss_Anon"),
            "pss_file_kb": sm.get("Pss_File"),
            "private_kb": sm.get("Private_Clean", 0) + sm.get("Private_Dirty", 0),
            "private_dirty_kb": sm.get("Private_Dirty"), "threads": st.get("Threads")}


def breakdown(pid: int, top: int = 14) -> list[dict]:
    rows = bl.smaps_by_mapping(pid)
    out = []
    for r in rows[:top]:
        out.append({"mapping": os.path.basename(r["mapping"]) or r["mapping"], "rss_kb": r["Rss"],
                    "pss_kb": r["Pss"], "private_kb": r["Private"]})
    return out


def run_one(name: str, tmp, hs, account, dsim, wsim, key: str, monitor: str | None, e2ee: bool,
            idle: float, env: dict | None, show_breakdown: bool) -> dict:
    users = {"alice": {"admin": True, "discord": [bl.ALICE], "matrix": ["@alice:localhost"],
                       "keys": {"nas": key}}}
    bot = bl.matrix_bot(tmp / name, hs, account, {"nas": wsim.hosts["nas"]}, users, e2ee=e2ee,
                        monitors={"nas": monitor} if monitor else None,
                        alerts={"poll_interval": 10} if monitor else None,
                        discord={"api_base": dsim.api, "guilds": [bl.GUILD]}, env=env)
    bot.discord["token_file"] = bot.secret("discord.token", bl.TOKEN)
    bot.start()
    try:
        bot.wait_ready()
        bl.wait_for(lambda: "registered" in bot.log(), "slash commands registered")
        ready_rss = bl.proc_status(bot.pid)["VmRSS"]
        time.sleep(idle)
        m = measure(bot.pid)
        m["at_ready_rss_kb"] = ready_rss
        m["cpu_s_idle"] = bl.cpu_seconds(bot.pid)
        if show_breakdown:
            m["breakdown"] = breakdown(bot.pid)
        m["ready"] = bot.ready()
        if monitor:
            m["watching"] = bl.metric_value(bot.metrics(), "wagbot_host_reachable", '{host="nas"}') == 1
    finally:
        bot.stop()
    return m


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--idle", type=float, default=30.0)
    ap.add_argument("--json")
    ap.add_argument("--breakdown", action="store_true")
    ap.add_argument("--only", choices=["plain", "e2ee", "watching"])
    args = ap.parse_args(argv)
    synapse = bl.matrix_modules()

    results: dict = {}
    with bl.Workdir("idle") as tmp:
        hs = synapse.start_synapse(tmp / "synapse")
        try:
            with bl.dc.DiscordSim(config={"enforce_identify_concurrency": False}) as dsim, \
                    bl.wc.Simulator(hosts=["nas"]) as wsim:
                key = wsim.control.add_key("nas", label="alice", scopes=["*"], role="admin")["key"]
                monitor = wsim.control.add_key("nas", label="wagbot-monitor", scopes=["containers:read", "system:read"],
                                               role="agent")["key"]
                variants = [("plain", None, False), ("e2ee", None, True), ("watching", monitor, False)]
                for name, mon, e2ee in variants:
                    if args.only and name != args.only:
                        continue
                    account = hs.register(f"wagbot-{name}", "wagbot-bench-pw")
                    r = run_one(name, tmp, hs, account, dsim, wsim, key, mon, e2ee, args.idle, None,
                                args.breakdown)
                    results[name] = r
                    print(f"{name:>9}: VmRSS {r['rss_kb'] / 1024:5.1f} MB (anon {r['anon_kb'] / 1024:4.1f}, "
                          f"file {r['file_kb'] / 1024:4.1f})  Pss {r['pss_kb'] / 1024:5.1f} MB  "
                          f"Private {r['private_kb'] / 1024:5.1f} MB  peak {r['hwm_kb'] / 1024:5.1f} MB  "
                          f"at ready {r['at_ready_rss_kb'] / 1024:5.1f} MB  threads {r['threads']}  "
                          f"ready {r['ready']}", flush=True)
                    for row in r.get("breakdown", []):
                        print(f"             {row['rss_kb']:6d} kB rss {row['pss_kb']:6d} pss "
                              f"{row['private_kb']:6d} private  {row['mapping']}")
        finally:
            hs.stop()
    bl.emit("idle_rss", results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
