#!/usr/bin/env python3
"""Command throughput and bot-side latency through Discord, at rising rates up to saturation.

    .venv/bin/python bench/throughput.py [--rates 100,250,...] [--duration 8] [--json out.json]

Set-up: `wagbot run` (Discord transport only) against bench/discord_lite.py (a lean gateway +
REST stand-in: the full simulator cannot inject more than a few hundred interactions a second),
and the WAGMIOS simulator (tests/sim) playing `nas` with its rate limit (100 requests a minute per
key) lifted, so that every `/ps` is a real `GET /api/containers`; the requests the simulator logged
per answered command, and any 429, are reported for each step. alice is a known user with a key
for @nas.

Two commands:
  * `/hosts`: the pure bot path. No WAGMIOS call: gateway frame in → parse → identify → grammar →
    dispatcher → render → one type-4 interaction callback out.
  * `/ps host:nas`: the full path. Deferred (type-5 callback), journalled in SQLite, GET
    /api/containers on the simulator with alice's key, rendered, PATCH @original.

Each step offers one rate (open loop: frames are written when due, whatever the bot has answered)
for `--duration` seconds, then waits for stragglers. Per step it reports:
  * achieved commands/s (answers complete ÷ time from first frame to last answer);
  * bot-side latency (when run as root): from kernel timestamps on `lo` (bench/wirecap.py),
    INTERACTION_CREATE frame delivered to the bot's socket → the bot's callback request handed to
    the device. No Python process is in that interval. For `/ps` in the sequential run, the time
    the bot spent waiting for the Discord stand-in's answer to the defer and for the WAGMIOS
    simulator's answers is subtracted, so what is left is the bot's own work on the full path;
  * generator-observed latency: frame written → answer request parsed, as seen by the stand-in
    (includes its own event-loop delays);
  * the bot's CPU seconds over the step (/proc), hence CPU µs per command and the implied
    commands/s one core could sustain (1 / CPU per command) — the honest figure when the load
    generator or the simulator saturates first; and the generator's own CPU %.
Saturation: the first step whose achieved rate is under 90 % of the offered one, or with
answers later than Discord's 3 s, or p99 over 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402
from discord_lite import DiscordLite  # noqa: E402

CAPTURE = Path(__file__).resolve().parent / "wirecap.py"


class Capture:
    """bench/wirecap.py as a subprocess (root only)."""

    def __init__(self, ports: list[int], out: Path):
        self.out = out
        self.proc = None
        self.events: list = []
        self.stats: dict = {}
        if os.geteuid() != 0:
            return
        self.proc = subprocess.Popen([sys.executable, str(CAPTURE), "--out", str(out)] +
                                     [a for p in ports for a in ("--port", str(p))],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "READY":
            err = self.proc.stderr.read()
            self.proc.kill()
            self.proc = None
            print(f"(wire capture unavailable: {err.strip()[-300:]})", file=sys.stderr)

    @property
    def on(self) -> bool:
        return self.proc is not None

    def cpu(self) -> float:
        return bl.cpu_seconds(self.proc.pid) if self.proc else 0.0

    def finish(self) -> None:
        if not self.proc:
            return
        self.proc.terminate()
        self.proc.wait(30)
        doc = json.loads(self.out.read_text())
        self.events, self.stats = doc["events"], doc["stats"]
        self.proc = None


def first_in_segment(events: list, ids: set[str]) -> set[str]:
    """The interactions that came first in their TCP segment (nothing queued ahead of them in
    the same read): the frames a segment carries share its timestamp."""
    seen_ts: set[int] = set()
    out = set()
    for ts, kind, _c, _s, key in sorted(e for e in events if e[1] == "frame"):
        if key in ids and ts not in seen_ts:
            out.add(key)
        seen_ts.add(ts)
    return out


def bot_side_pure(events: list, ids: set[str]) -> dict[str, float]:
    """Per interaction: its callback request out − its frame in, in ms."""
    frames, cbs = {}, {}
    for ts, kind, _c, _s, key in events:
        if kind == "frame" and key in ids and key not in frames:
            frames[key] = ts
        elif kind == "req" and "/interactions/" in key:
            iid = key.split("/interactions/", 1)[1].split("/", 1)[0]
            if iid in ids and iid not in cbs:
                cbs[iid] = ts
    return {i: (cbs[i] - frames[i]) / 1e6 for i in ids if i in frames and i in cbs}


def bot_side_full(events: list, recs: list, app_id: str, lite_port: int, sim_port: int) -> list[dict]:
    """Sequential /ps only: total (frame in → PATCH out) minus the time spent waiting for the
    stand-in's answer to the defer and for every WAGMIOS answer in between."""
    ev = sorted(events)
    at = {}
    for k, e in enumerate(ev):
        if e[1] == "frame" and e[4] not in at:
            at[e[4]] = k
    out = []
    for r in recs:
        k0 = at.get(r.id)
        if k0 is None:
            continue
        t0 = ev[k0][0]
        hook = f"/webhooks/{app_id}/{r.token}/messages/@original"
        window = []
        t5 = None
        for e in ev[k0 + 1:k0 + 400]:
            if e[1] == "req" and e[4].startswith("PATCH") and hook in e[4]:
                t5 = e[0]
                break
            window.append(e)
        cb = next((e for e in window if e[1] == "req" and f"/interactions/{r.id}/" in e[4]), None)
        if t5 is None or cb is None:
            continue
        cb_resp = next((e[0] for e in window if e[0] > cb[0] and e[1] == "resp" and e[2] == cb[2]
                        and e[3] == lite_port), None)
        if cb_resp is None:
            continue
        wagmios = 0
        calls = 0
        for i, e in enumerate(window):
            if e[0] > cb_resp and e[1] == "req" and e[3] == sim_port:
                resp = next((x[0] for x in window[i + 1:] if x[1] == "resp" and x[2] == e[2] and x[3] == sim_port), None)
                if resp is not None:
                    wagmios += resp - e[0]
                    calls += 1
        waiting = cb_resp - cb[0]
        out.append({"total_ms": (t5 - t0) / 1e6, "discord_wait_ms": waiting / 1e6, "wagmios_wait_ms": wagmios / 1e6,
                    "wagmios_calls": calls, "bot_ms": (t5 - t0 - waiting - wagmios) / 1e6,
                    "to_defer_ms": (cb[0] - t0) / 1e6})
    return out


async def offer(lite: DiscordLite, rate: float, duration: float, data: str, name: str) -> list:
    """Open loop: writes due frames every ~1 ms for `duration` s."""
    recs = []
    start = time.perf_counter()
    sent = 0
    total = int(rate * duration)
    while sent < total:
        due = min(total, int((time.perf_counter() - start) * rate) + 1)
        if due > sent:
            recs += lite.inject_frames([(name, data)] * (due - sent), bl.ALICE, "alice")
            sent = due
        await asyncio.sleep(0.001)
    return recs


async def drain(recs: list, deadline: float) -> None:
    end = time.perf_counter() + deadline
    while time.perf_counter() < end and not all(r.final or r.late for r in recs):
        await asyncio.sleep(0.01)


def step(lite: DiscordLite, bot: bl.BenchBot, cap: Capture, name: str, data: str, rate: float,
         duration: float) -> tuple[dict, list]:
    cpu0, gen0, cap0, t0 = bl.cpu_seconds(bot.pid), bl.self_cpu_seconds(), cap.cpu(), time.perf_counter()
    wait0 = bl.run_delay_seconds(bot.pid)
    recs = lite.run(offer(lite, rate, duration, data, name))
    lite.run(drain(recs, 5.0))
    t1 = time.perf_counter()
    cpu1, gen1, cap1 = bl.cpu_seconds(bot.pid), bl.self_cpu_seconds(), cap.cpu()
    wait1 = bl.run_delay_seconds(bot.pid)
    done = [r for r in recs if r.final]
    first = min(r.sent for r in recs)
    last = max((r.final for r in done), default=first)
    span = max((last - first) / 1e9, 1e-9)
    lat = [(r.final - r.sent) / 1e6 for r in done]
    cpu = cpu1 - cpu0
    row = {"command": name, "offered": rate, "sent": len(recs), "answered": len(done),
           "late": sum(1 for r in recs if r.late), "achieved": len(done) / span,
           "gen_ms": bl.summary(lat), "bot_cpu_s": cpu, "wall_s": t1 - t0,
           "bot_cpu_pct": 100 * cpu / (t1 - t0),
           "cpu_us_per_cmd": 1e6 * cpu / max(1, len(done)),
           "per_core": len(done) / cpu if cpu > 0 else float("inf"),
           "gen_cpu_pct": 100 * (gen1 - gen0) / (t1 - t0),
           "bot_runqueue_ms_per_s": 1000 * (wait1 - wait0) / (t1 - t0),
           "cap_cpu_pct": 100 * (cap1 - cap0) / (t1 - t0)}
    return row, recs


def wagmios_calls(sim, answered: int) -> dict:
    """What the WAGMIOS simulator logged since its last clear: requests per answered command
    (a /ps is one GET /api/containers; /hosts none) and how many were answered 429."""
    reqs = sim.control.requests("nas")
    return {"requests": len(reqs), "per_command": len(reqs) / max(1, answered),
            "rate_limited": sum(1 for q in reqs if q.get("status") == 429)}


def saturated(row: dict) -> bool:
    return row["achieved"] < 0.9 * row["offered"] or row["late"] > 0 or row["gen_ms"]["p99"] > 1000


def show(row: dict) -> None:
    b = row.get("bot_ms")
    d = row.get("bot_to_first_callback_ms")
    f = row.get("first_in_segment_ms")
    bot = (f"bot p50 {bl.fmt_ms(b['p50'])} p99 {bl.fmt_ms(b['p99'])} ms" if b else
           f"to defer p50 {bl.fmt_ms(d['p50'])} p99 {bl.fmt_ms(d['p99'])} ms" if d else "bot n/a")
    if f:
        bot += f" (first of its segment p99 {bl.fmt_ms(f['p99'])}, {row['frames_per_segment']:.1f} frames/segment)"
    print(f"  {row['command']:>4} offered {row['offered']:6.0f}/s  achieved {row['achieved']:7.1f}/s  "
          f"{bot}  | gen-seen p50 {bl.fmt_ms(row['gen_ms']['p50'])} p99 {bl.fmt_ms(row['gen_ms']['p99'])} ms  "
          f"| bot CPU {row['bot_cpu_pct']:5.1f}%  {row['cpu_us_per_cmd']:6.0f} µs/cmd → {row['per_core']:6.0f}/s/core  "
          f"| bot waited for a CPU {row['bot_runqueue_ms_per_s']:5.1f} ms/s | gen CPU {row['gen_cpu_pct']:4.0f}%  "
          f"cap {row['cap_cpu_pct']:3.0f}%  late {row['late']}"
          + (f"  | WAGMIOS {row['wagmios']['per_command']:.2f} req/cmd, {row['wagmios']['rate_limited']} × 429"
             if "wagmios" in row else ""), flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--rates", default="100,250,500,1000,1500,2000,3000,4000,6000,8000")
    ap.add_argument("--ps-rates", default="50,100,200,400,800,1200")
    ap.add_argument("--duration", type=float, default=8.0)
    ap.add_argument("--sequential", type=int, default=300, help="sequential commands per kind for the latency run")
    ap.add_argument("--no-pin", action="store_true",
                    help="do not pin the bot to the last CPU and the generator/capture/simulator to the others")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    cpus = sorted(os.sched_getaffinity(0))
    pin = not args.no_pin and len(cpus) >= 2
    bot_cpu, others = (str(cpus[-1]), set(cpus[:-1])) if pin else (None, None)
    if pin:
        os.sched_setaffinity(0, others)  # this process, and what it starts from now on
    rates = [float(x) for x in args.rates.split(",") if x]
    ps_rates = [float(x) for x in args.ps_rates.split(",") if x]

    results: dict = {"steps": [], "sequential": {}, "load_start": bl.loadavg()}
    with bl.Workdir("throughput") as tmp, bl.wc.Simulator(hosts=["nas"]) as sim:
        lite = DiscordLite(bl.TOKEN, bl.APP_ID, bl.GUILD, bl.CHANNEL).start()
        # The simulator's default (100 requests a minute per key, as WAGMIOS) would turn most
        # /ps commands into the rate-limit reply: lift it, and count what the bot asked below.
        key = bl.unlimited_key(sim)
        bot = bl.BenchBot(tmp, {"nas": sim.hosts["nas"]},
                          users={"alice": {"admin": True, "discord": [bl.ALICE], "keys": {"nas": key}}},
                          discord={"api_base": lite.api, "guilds": [bl.GUILD]}, log_level="info", cpus=bot_cpu)
        if pin:
            os.sched_setaffinity(sim.process.pid, others)
        bot.discord["token_file"] = bot.secret("discord.token", bl.TOKEN)
        sim_port = int(sim.hosts["nas"].rsplit(":", 1)[1])
        cap = Capture([lite.port, sim_port], tmp / "wire.json")
        try:
            bot.start()
            bot.wait_ready()
            bl.wait_for(lite.ready, "slash commands registered")
            hosts_data = lite.command_data("hosts", None)
            ps_data = lite.command_data("ps", {"host": "nas"})
            print(f"wagbot {bot.binary} ({bl.build_type(bot.binary)}), pid {bot.pid}; "
                  f"bot-side timing from the wire: {'yes' if cap.on else 'no (not root)'}; "
                  f"{f'bot pinned to CPU {bot_cpu}, load generator, capture and simulator to {sorted(others)}' if pin else 'not pinned'}",
                  flush=True)
            results["pinned"] = pin

            # Warm-up: connections, scope cache, SQLite pages.
            step(lite, bot, cap, "hosts", hosts_data, 200, 1.0)
            step(lite, bot, cap, "ps", ps_data, 50, 1.0)

            # Sequential: one command at a time, 5 ms apart (latency without queueing).
            seq: dict = {}
            seq_wait: dict = {}
            wagmios: dict = {}
            for name, data in (("hosts", hosts_data), ("ps", ps_data)):
                sim.control.clear_requests("nas")
                recs = []
                w0, t0 = bl.run_delay_seconds(bot.pid), time.monotonic()
                for _ in range(args.sequential):
                    r = lite.call(lite.inject_frames, [(name, data)], bl.ALICE, "alice")
                    lite.run(drain(r, 5.0))
                    recs += r
                    time.sleep(0.005)
                seq[name] = recs
                seq_wait[name] = 1000 * (bl.run_delay_seconds(bot.pid) - w0) / (time.monotonic() - t0)
                wagmios[name] = wagmios_calls(sim, len(recs))
            steps = []
            for name, data, rs in (("hosts", hosts_data, rates), ("ps", ps_data, ps_rates)):
                for rate in rs:
                    sim.control.clear_requests("nas")
                    row, recs = step(lite, bot, cap, name, data, rate, args.duration)
                    row["wagmios"] = wagmios_calls(sim, row["answered"])
                    steps.append((row, recs))
                    print(f"  … {name} at {rate:.0f}/s: achieved {row['achieved']:.0f}/s", file=sys.stderr, flush=True)
                    if saturated(row):
                        break
                    time.sleep(1.0)
            rss = bl.proc_status(bot.pid)
        finally:
            cap.finish()
            bot.stop()
            lite.stop()

        print("\nSequential (one command at a time):")
        for name, recs in seq.items():
            gen = bl.summary([(r.final - r.sent) / 1e6 for r in recs if r.final])
            entry = {"gen_ms": gen, "bot_runqueue_ms_per_s": seq_wait[name], "wagmios": wagmios[name]}
            if cap.events and name == "hosts":
                entry["bot_ms"] = bl.summary(list(bot_side_pure(cap.events, {r.id for r in recs}).values()))
            elif cap.events and name == "ps":
                parts = bot_side_full(cap.events, recs, bl.APP_ID, lite.port, sim_port)
                entry["bot_ms"] = bl.summary([p["bot_ms"] for p in parts])
                entry["to_defer_ms"] = bl.summary([p["to_defer_ms"] for p in parts])
                entry["total_ms"] = bl.summary([p["total_ms"] for p in parts])
                entry["wagmios_wait_ms"] = bl.summary([p["wagmios_wait_ms"] for p in parts])
                entry["discord_wait_ms"] = bl.summary([p["discord_wait_ms"] for p in parts])
            results["sequential"][name] = entry
            b = entry.get("bot_ms")
            line = f"  {name:>5}: generator-seen p50 {bl.fmt_ms(gen['p50'])} p99 {bl.fmt_ms(gen['p99'])} ms"
            if b:
                line += f"; bot-side p50 {bl.fmt_ms(b['p50'])} p99 {bl.fmt_ms(b['p99'])} max {bl.fmt_ms(b['max'])} ms (n={b['n']})"
            line += f"; the bot waited for a CPU {seq_wait[name]:.1f} ms/s"
            w = wagmios[name]
            line += f"; WAGMIOS requests/command {w['per_command']:.2f} ({w['rate_limited']} × 429)"
            if name == "ps" and "total_ms" in entry:
                line += (f"; wire total p50 {bl.fmt_ms(entry['total_ms']['p50'])} ms of which WAGMIOS sim "
                         f"{bl.fmt_ms(entry['wagmios_wait_ms']['p50'])}, Discord stand-in "
                         f"{bl.fmt_ms(entry['discord_wait_ms']['p50'])}; frame → defer p50 "
                         f"{bl.fmt_ms(entry['to_defer_ms']['p50'])} p99 {bl.fmt_ms(entry['to_defer_ms']['p99'])}")
            print(line)

        print("\nRising rates (open loop):")
        for row, recs in steps:
            if cap.events:
                ids = {r.id for r in recs}
                lat = bot_side_pure(cap.events, ids)
                row["bot_ms" if row["command"] == "hosts" else "bot_to_first_callback_ms"] = bl.summary(list(lat.values()))
                firsts = first_in_segment(cap.events, ids)
                row["first_in_segment_ms"] = bl.summary([v for k, v in lat.items() if k in firsts])
                row["frames_per_segment"] = len(lat) / max(1, len(firsts))
            show(row)
            results["steps"].append(row)
        hosts_rows = [r for r, _ in steps if r["command"] == "hosts"]
        ok = [r for r in hosts_rows if not saturated(r)]
        results["hosts_max_achieved"] = max((r["achieved"] for r in ok), default=0.0)
        results["hosts_saturated_at"] = next((r["offered"] for r in hosts_rows if saturated(r)), None)
        busiest = max(hosts_rows, key=lambda r: r["answered"]) if hosts_rows else None
        results["hosts_per_core"] = busiest["per_core"] if busiest else None
        results["hosts_cpu_us"] = busiest["cpu_us_per_cmd"] if busiest else None
        ps_rows = [r for r, _ in steps if r["command"] == "ps"]
        ok = [r for r in ps_rows if not saturated(r)]
        results["ps_max_achieved"] = max((r["achieved"] for r in ok), default=0.0)
        results["ps_saturated_at"] = next((r["offered"] for r in ps_rows if saturated(r)), None)
        busiest = max(ps_rows, key=lambda r: r["answered"]) if ps_rows else None
        results["ps_per_core"] = busiest["per_core"] if busiest else None
        results["ps_cpu_us"] = busiest["cpu_us_per_cmd"] if busiest else None
        results["capture"] = cap.stats
        results["load_end"] = bl.loadavg()
        results["bot_rss_after_kb"] = rss.get("VmRSS")
        results["bot_hwm_kb"] = rss.get("VmHWM")
        print(f"\nhosts: highest rate kept up with {results['hosts_max_achieved']:.0f}/s; saturation at "
              f"{results['hosts_saturated_at'] or 'not reached'}; bot CPU {results['hosts_cpu_us'] or 0:.0f} µs/command "
              f"→ {results['hosts_per_core'] or 0:.0f} commands/s per core")
        print(f"ps:    highest rate kept up with {results['ps_max_achieved']:.0f}/s; saturation at "
              f"{results['ps_saturated_at'] or 'not reached'}; bot CPU {results['ps_cpu_us'] or 0:.0f} µs/command "
              f"→ {results['ps_per_core'] or 0:.0f} commands/s per core")
        print(f"bot RSS after the run {rss.get('VmRSS')} kB (peak {rss.get('VmHWM')} kB); capture {cap.stats or 'off'}")
    bl.emit("throughput", results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
