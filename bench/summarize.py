#!/usr/bin/env python3
"""Prints the markdown summary of bench/run-all from the scripts' JSON result files.

    .venv/bin/python bench/summarize.py RESULTS_DIR [--load-before "a b c"]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))
from ratio import table as peers_table  # noqa: E402


def mb(kb) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.1f} MB"


def ms(v) -> str:
    if v is None or v != v:
        return "n/a"
    return f"{v:.2f} ms" if v < 10 else f"{v:.0f} ms"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--load-before", default="")
    ap.add_argument("--commit", default="")
    args = ap.parse_args(argv)
    docs = {}
    for p in sorted(Path(args.dir).glob("*.json")):
        d = json.loads(p.read_text())
        docs[d["bench"]] = d
    if not docs:
        print("no results", file=sys.stderr)
        return 2
    any_doc = next(iter(docs.values()))
    m = any_doc["machine"]
    rows: list[tuple[str, str, str, str]] = []

    if "idle_rss" in docs:
        r = docs["idle_rss"]["results"]
        what = {"plain": "after 30 s idle, Synapse /sync and Discord gateway connected; VmRSS counts every resident "
                         "page of the binary and shared libraries in full, Pss shares them out among processes, "
                         "anonymous is the process's own memory (heap, stacks, data); USS is what this process "
                         "alone holds (its private pages, the binary's code included)",
                "e2ee": "the same with `matrix.e2ee: true` (the crypto core and its store), on its own Matrix account",
                "watching": "the same plus a monitor key for the host: activity-feed WebSocket and a poll every 10 s"}
        for name, label in (("plain", "both transports + 1 host"), ("e2ee", "… with E2EE on"),
                            ("watching", "… + watching that host")):
            if name in r:
                x = r[name]
                target = {"plain": "USS ≤ 6 MB", "e2ee": "≤ +4 MB"}.get(name, "")
                rows.append((f"Idle memory, {label}", target,
                             f"USS **{mb(x['private_kb'])}**, VmRSS {mb(x['rss_kb'])} (Pss "
                             f"{mb(x['pss_kb'])}, anonymous {mb(x['anon_kb'])}, file-backed "
                             f"{mb(x['file_kb'])})", what[name]))
    if "throughput" in docs:
        r = docs["throughput"]["results"]
        seq = r.get("sequential", {})
        h = seq.get("hosts", {})
        if "bot_ms" in h:
            rows.append(("Bot-side latency, `/hosts` one at a time", "p99 ≤ 1 ms",
                         f"p50 **{ms(h['bot_ms']['p50'])}**, p99 **{ms(h['bot_ms']['p99'])}** (n={h['bot_ms']['n']})",
                         "kernel timestamps on lo: interaction frame delivered to the bot's socket → its callback "
                         "request sent; no WAGMIOS call; 5 ms apart; the bot was runnable but waiting for a CPU "
                         f"{h.get('bot_runqueue_ms_per_s', 0):.1f} ms per second"))
        p = seq.get("ps", {})
        if "bot_ms" in p:
            rows.append(("Bot-side latency, `/ps @nas` one at a time", "",
                         f"p50 {ms(p['bot_ms']['p50'])}, p99 {ms(p['bot_ms']['p99'])}; frame → defer p50 "
                         f"{ms(p['to_defer_ms']['p50'])}, p99 {ms(p['to_defer_ms']['p99'])}",
                         f"frame in → final PATCH out, minus the waits for the Discord stand-in (defer) and the WAGMIOS "
                         f"simulator (p50 {ms(p['wagmios_wait_ms']['p50'])}); includes the SQLite journal"))
        steps = [s for s in r.get("steps", []) if s["command"] == "hosts"]
        at2000 = next((s for s in steps if s["offered"] == 2000), None)
        if at2000 and "bot_ms" in at2000:
            first = at2000.get("first_in_segment_ms")
            extra = (f"; first frame of each segment p99 {ms(first['p99'])}" if first else "")
            rows.append(("Bot-side latency, `/hosts` at 2000/s", "p99 ≤ 1 ms",
                         f"p50 {ms(at2000['bot_ms']['p50'])}, p99 **{ms(at2000['bot_ms']['p99'])}**{extra}",
                         "open loop, same measure; the generator writes what is due every ~1 ms, so frames come "
                         + (f"{at2000['frames_per_segment']:.1f} " if "frames_per_segment" in at2000 else "several ")
                         + "to a TCP segment (more after a hiccup) and the later ones queue behind the earlier ones; "
                         f"the bot waited for a CPU {at2000.get('bot_runqueue_ms_per_s', 0):.0f} ms per second"))
        if steps:
            sat = r.get("hosts_saturated_at")
            rows.append(("Throughput, `/hosts`", "≥ 2000/s on one core",
                         f"**{r['hosts_max_achieved']:.0f}/s** kept up with"
                         f"{f' (saturated at {sat:.0f}/s offered)' if sat else ' (no saturation reached)'}; "
                         f"bot CPU {r['hosts_cpu_us']:.0f} µs/command → **{r['hosts_per_core']:.0f}/s per core**",
                         "rates rising until answers fall behind; CPU = bot utime+stime ÷ commands at the busiest step"))
        ps_steps = [s for s in r.get("steps", []) if s["command"] == "ps"]
        if ps_steps:
            sat = r.get("ps_saturated_at")
            rows.append(("Throughput, `/ps @nas`", "",
                         f"{r['ps_max_achieved']:.0f}/s kept up with"
                         f"{f' (saturated at {sat:.0f}/s offered)' if sat else ''}; bot CPU {r['ps_cpu_us']:.0f} "
                         f"µs/command → {r['ps_per_core']:.0f}/s per core",
                         "defer + SQLite journal + WAGMIOS call + edit; the Python WAGMIOS simulator is in the loop"
                         + (f"; {max(ps_steps, key=lambda s: s['answered'])['wagmios']['per_command']:.2f} WAGMIOS "
                            "requests per command (rate limit lifted)" if "wagmios" in ps_steps[0] else "")))
    if "alert_latency" in docs:
        r = docs["alert_latency"]["results"]
        d, mx, ap_ = r["discord_ms"], r["matrix_ms"], r["discord_after_poll_ms"]
        rows.append((f"Alert latency (poll every {r['interval_s']} s)", f"≤ poll interval + delivery",
                     f"Discord p50 {d['p50'] / 1000:.1f} s, max {d['max'] / 1000:.1f} s; Matrix p50 "
                     f"{mx['p50'] / 1000:.1f} s, max {mx['max'] / 1000:.1f} s; poll → posted p50 "
                     f"{ap_['p50']:.0f} ms (Matrix {r['matrix_after_poll_ms']['p50']:.0f} ms)",
                     f"container crash (or recovery) in the simulator → alert posted; n={r['samples']}; bounded by "
                     f"the poll interval (the poll sees the change), delivery takes milliseconds"))
    if "matrix_e2ee" in docs:
        r = docs["matrix_e2ee"]["results"]
        off, on = r.get("e2ee off", {}), r.get("e2ee on", {})
        if off and on:
            rows.append(("Idle RSS, Matrix only, E2EE off → on", "≤ +4 MB",
                         f"{mb(off['idle']['rss_kb'])} → **{mb(on['idle']['rss_kb'])}** VmRSS "
                         f"(Private {mb(off['idle']['private_kb'])} → {mb(on['idle']['private_kb'])})",
                         "Synapse /sync connected, one host; `matrix.e2ee: false` vs on"))
            enc = on.get("encrypted room", {})
            rows.append(("CPU per Matrix `ps`, plain DM (E2EE off / on) and encrypted DM", "",
                         f"{off['plain room']['cpu_us_per_command']} / {on['plain room']['cpu_us_per_command']} µs; "
                         f"encrypted **{enc.get('cpu_us_per_command', '?')} µs**",
                         "one at a time, the bot's utime+stime ÷ commands: sync parsing, journal, decrypting, "
                         "the WAGMIOS call, encrypting and sending the reply"))
    if "hosts1000" in docs:
        r = docs["hosts1000"]["results"]
        rows.append((f"{r['hosts']} hosts watched, poll every {r['interval_s']} s", "≤ 5 % of a core, ≤ 64 MB",
                     f"**{r['cpu_pct']:.2f} %** of a core, RSS **{mb(r['rss_max_kb'])}** max "
                     f"(Pss {mb(r['pss_kb'])}); {r['polls_per_s']:.0f} WAGMIOS requests/s, {r['errors']:.0f} errors",
                     f"{r['window_s']:.0f} s after warm-up; one activity-feed WebSocket + one poll per host per "
                     f"interval; {r['fds']} fds; no chat transport"))
    if "start_ready" in docs:
        r = docs["start_ready"]["results"]
        parts = []
        for mode in ("discord", "matrix", "both"):
            if mode in r:
                parts.append(f"{mode} {r[mode]['restart_ms']['p50']:.0f} ms")
        first = ", ".join(f"{mode} {r[mode]['first_ms']:.0f} ms" for mode in ("discord", "matrix", "both") if mode in r)
        n = next(iter(r.values()))["restart_ms"]["n"]
        rows.append(("Start → /readyz 200", "", "restart p50: " + ", ".join(parts) + f" (first start: {first})",
                     f"fork → first 200 from /readyz (every transport connected), n={n} restarts each, local "
                     f"Synapse and Discord simulator"))

    build = any_doc.get("build_type", "?")
    load_after = " ".join(f"{x:.2f}" for x in m["load"])
    tp = docs.get("throughput", {}).get("results", {})
    during = ""
    if "load_start" in tp and "load_end" in tp:
        during = f"; 1-minute load at the start and end of the throughput run {tp['load_start'][0]:.2f}, {tp['load_end'][0]:.2f}"
    print(f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gb']:.0f} GB RAM, {m['os']} "
          f"(kernel {m['kernel']}); wagbot {build} build (g++ 12){f' of {args.commit}' if args.commit else ''}. "
          f"Load average before the run "
          f"{args.load_before or 'n/a'}, after {load_after}{during}.")
    print()
    if "peers" in docs:
        r = docs["peers"]["results"]
        print(f"Beside its peers (bench/peers/compare.py): the same `ps` on the same Synapse and simulators, "
              f"{r['commands']} commands one at a time per bot, one bot at a time; (×) = the peer's figure ÷ "
              f"wagbot's on the same transport in this run.")
        print()
        print(peers_table(r["bots"], r["commands"]))
        print()
    print("| figure | target | measured | what it includes |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
