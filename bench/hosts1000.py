#!/usr/bin/env python3
"""1000 simulated WAGMIOS hosts watched for alerts: the bot's CPU and memory.

    .venv/bin/python bench/hosts1000.py [--hosts 1000] [--interval 10] [--warmup 30] \
        [--measure 60] [--sims 1] [--json out.json]

Set-up: the WAGMIOS simulator (tests/sim) serving every host from `--sims` processes (each host
on its own loopback port, seeded with a monitor key: containers:read + system:read, and the
simulator's default six containers); `wagbot run` with one `hosts:` entry per host, each with
its `monitor_key_file`, and `alerts.poll_interval` = `--interval`. No chat transport (the
watching is what is measured; alerts would be routed to nobody, and none happen: nothing
changes on the hosts). So per host the bot keeps the activity-feed WebSocket open and polls
GET /api/containers once per interval (1000 hosts at 10 s: 100 polls/s).

After every host has been polled successfully (`wagbot_host_reachable` = 1 for all) and
`--warmup` seconds more, it measures over `--measure` seconds: the bot's CPU (utime+stime from
/proc, as % of one core), its RSS (sampled every 5 s: max and last; Pss at the end), the polls
actually answered in the window (from the bot's own histogram counts), WAGMIOS errors, open
file descriptors, and the simulators' CPU (to show whether they kept up).
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402

MONITOR_SCOPES = ["containers:read", "system:read"]


def new_key() -> str:
    # The simulator's format: wag_live_ + base64url of 32 random bytes, padded (53 characters).
    return "wag_live_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def poll_counts(metrics: str) -> tuple[float, float]:
    """(answered alert polls, WAGMIOS errors) summed over every host."""
    polls = sum(float(v) for v in re.findall(
        r'^wagbot_wagmios_request_duration_seconds_count\{[^}]*purpose="alerts"[^}]*\}\s+(\S+)$', metrics, re.M))
    errors = sum(float(v) for v in re.findall(r'^wagbot_wagmios_errors_total\{[^}]*\}\s+(\S+)$', metrics, re.M))
    return polls, errors


def reachable(metrics: str) -> int:
    return len(re.findall(r'^wagbot_host_reachable\{[^}]*\}\s+1(?:\.0)?$', metrics, re.M))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--warmup", type=float, default=30.0)
    ap.add_argument("--measure", type=float, default=60.0)
    ap.add_argument("--sims", type=int, default=1, help="simulator processes to spread the hosts over")
    ap.add_argument("--json")
    args = ap.parse_args(argv)

    names = [f"h{i:04d}" for i in range(args.hosts)]
    keys = {n: new_key() for n in names}
    groups = [names[k::args.sims] for k in range(args.sims)]
    results: dict = {"hosts": args.hosts, "interval_s": args.interval, "sims": args.sims}
    sims = []
    with bl.Workdir("hosts") as tmp:
        try:
            t = time.monotonic()
            for group in groups:
                seed = {"hosts": {n: {"keys": [{"key": keys[n], "label": "wagbot-monitor", "scopes": MONITOR_SCOPES,
                                                "role": "agent"}]} for n in group}}
                proc, info = bl.wc.start_simulator(hosts=(), seed=seed, timeout=300)
                sims.append((proc, info))
            urls = {}
            for _, info in sims:
                urls.update(info["hosts"])
            print(f"{args.hosts} simulated hosts in {args.sims} process(es), up in {time.monotonic() - t:.1f} s",
                  flush=True)
            bot = bl.BenchBot(tmp, {n: urls[n] for n in names}, monitors=keys,
                              alerts={"poll_interval": args.interval}, log_level="info")
            t0 = bot.start()
            bot.wait_ready(deadline=120)
            up = bl.wait_for(lambda: poll_counts(bot.metrics())[0] >= args.hosts and time.monotonic(),
                             "every host polled", deadline=max(120, 3 * args.interval), interval=1.0)
            results["first_polls_after_s"] = up - t0
            print(f"bot pid {bot.pid}: {args.hosts} polls answered {up - t0:.1f} s after start; warming up {args.warmup:.0f} s",
                  flush=True)
            time.sleep(args.warmup)

            polls0, errors0 = poll_counts(bot.metrics())
            cpu0, sim_cpu0, w0 = bl.cpu_seconds(bot.pid), [bl.cpu_seconds(p.pid) for p, _ in sims], time.monotonic()
            rss = []
            end = w0 + args.measure
            while time.monotonic() < end:
                rss.append(bl.proc_status(bot.pid)["VmRSS"])
                time.sleep(min(5.0, max(0.0, end - time.monotonic())))
            cpu1, sim_cpu1, w1 = bl.cpu_seconds(bot.pid), [bl.cpu_seconds(p.pid) for p, _ in sims], time.monotonic()
            rss.append(bl.proc_status(bot.pid)["VmRSS"])
            st = bl.proc_status(bot.pid)
            sm = bl.smaps_rollup(bot.pid)
            fds = len(os.listdir(f"/proc/{bot.pid}/fd"))
            metrics = bot.metrics()
            polls1, errors1 = poll_counts(metrics)
            wall = w1 - w0
            results.update({
                "window_s": wall, "cpu_pct": 100 * (cpu1 - cpu0) / wall,
                "rss_max_kb": max(rss), "rss_last_kb": rss[-1], "hwm_kb": st.get("VmHWM"),
                "pss_kb": sm.get("Pss"), "anon_kb": st.get("RssAnon"), "fds": fds, "threads": st.get("Threads"),
                "polls": polls1 - polls0, "polls_per_s": (polls1 - polls0) / wall,
                "expected_polls_per_s": args.hosts / args.interval, "errors": errors1 - errors0,
                "reachable_at_end": reachable(metrics),
                "sim_cpu_pct": [100 * (b - a) / wall for a, b in zip(sim_cpu0, sim_cpu1)],
                "cpu_us_per_poll": 1e6 * (cpu1 - cpu0) / max(1.0, polls1 - polls0),
            })
            bot.stop()
        finally:
            for proc, _ in sims:
                bl.wc.stop_simulator(proc)
    r = results
    print(f"{r['hosts']} hosts every {r['interval_s']} s, over {r['window_s']:.0f} s: bot CPU {r['cpu_pct']:.2f} % of a core; "
          f"RSS max {r['rss_max_kb'] / 1024:.1f} MB (last {r['rss_last_kb'] / 1024:.1f}, Pss {r['pss_kb'] / 1024:.1f}, "
          f"anon {r['anon_kb'] / 1024:.1f}); {r['polls_per_s']:.1f} polls/s answered (expected "
          f"{r['expected_polls_per_s']:.0f}), {r['errors']:.0f} WAGMIOS errors, {r['reachable_at_end']} reachable; "
          f"{r['cpu_us_per_poll']:.0f} µs CPU per poll; {r['fds']} fds; simulator CPU "
          f"{', '.join(f'{c:.0f}%' for c in r['sim_cpu_pct'])}")
    bl.emit("hosts1000", results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
