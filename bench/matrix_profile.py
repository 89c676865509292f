#!/usr/bin/env python3
"""Where a Matrix command's CPU goes: wagbot answering `ps` one at a time, optionally under a
profiler, with the cost per command counted over the measured commands only.

    .venv/bin/python bench/matrix_profile.py [--commands 50] [--warmup 5]
    .venv/bin/python bench/matrix_profile.py --callgrind OUT    # instructions per command
    .venv/bin/python bench/matrix_profile.py --perf OUT         # where the CPU time goes
    .venv/bin/python bench/matrix_profile.py --wrap "strace -f -tt -o /tmp/s.txt"

Set-up as in bench/peers/compare.py's Matrix path: a real Synapse (tests/matrix), alice
(tests/matrix/human.py) in a direct chat with the bot, the WAGMIOS simulator (tests/sim) as
`nas` with its rate limit lifted, wagbot with `matrix.e2ee: false` and Matrix only. `--warmup`
commands first (connections opened, caches warm), then `--commands` measured ones.

With `--callgrind OUT`, wagbot runs under `valgrind --tool=callgrind --instr-atstart=no` and
instrumentation is switched on (callgrind_control -i on) only around the measured commands, so
OUT's totals ÷ commands is the bot's instructions per command: sync parsing, the journal,
rendering, the WAGMIOS call and the reply, everything. Open OUT with callgrind_annotate
(`--inclusive=yes`) or kcachegrind. Instruction counts are stable on a busy machine; wall time
is not (and under valgrind it is ~50× slower, so its round trips mean nothing).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402


def wrapper(workdir: Path, prefix: list[str], binary: str) -> str:
    """A script that runs the bot under `prefix` (BenchBot starts `binary run -c …`)."""
    path = workdir / "wrapped-wagbot"
    path.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(a) for a in prefix + [binary])
                    + ' "$@"\n')
    path.chmod(0o755)
    return str(path)


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    kids = [int(c) for c in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            pass
    return out


def user_system(pid: int) -> tuple[float, float]:
    """utime and stime of the process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / bl.CLK_TCK, int(fields[12]) / bl.CLK_TCK


def callgrind_control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, stdout=subprocess.DEVNULL)


def callgrind_total(path: Path) -> int:
    text = path.read_text(errors="replace")
    # "totals:" sums what was collected; "summary:" may be 0 with --instr-atstart=no.
    m = re.search(r"^totals:\s+(\d+)", text, re.M) or re.search(r"^summary:\s+(\d+)", text, re.M)
    return int(m.group(1)) if m else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commands", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--text", default="ps", help="the command alice sends")
    ap.add_argument("--callgrind", metavar="OUT", help="run under callgrind; write its profile to OUT")
    ap.add_argument("--perf", metavar="OUT", help="perf record (cpu-clock, DWARF call graphs) the "
                    "measured commands into OUT")
    ap.add_argument("--wrap", default="", help="a command line to run the bot under (e.g. strace …)")
    args = ap.parse_args(argv)
    synapse = bl.matrix_modules()
    from human import Human, member, message  # noqa: E402  (tests/matrix)

    with bl.Workdir("mxprof") as tmp:
        hs = synapse.start_synapse(tmp / "synapse")
        try:
            with bl.wc.Simulator(hosts=["nas"]) as wsim:
                wsim.control.set_config("nas", rate_limit=1_000_000)  # measure the bot, not 429s
                key = wsim.control.add_key("nas", label="alice", scopes=["*"], role="admin")["key"]
                plain = hs.register("alice", "alice-bench-pw")
                account = hs.register("wagbot", "wagbot-bench-pw")
                bot_user = account["user_id"]
                bot = bl.BenchBot(tmp / "bot", {"nas": wsim.hosts["nas"]},
                                  users={"alice": {"admin": True, "matrix": [plain["user_id"]],
                                                   "keys": {"nas": key}}},
                                  matrix={"homeserver": hs.url, "user_id": bot_user,
                                          "allowed_inviters": [":localhost"], "e2ee": False})
                bot.matrix["access_token_file"] = bot.secret("matrix-token", account["access_token"])
                prefix = shlex.split(args.wrap)
                if args.callgrind:
                    prefix = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                              f"--callgrind-out-file={Path(args.callgrind).resolve()}"] + prefix
                if prefix:
                    bot.binary = wrapper(tmp, prefix, bot.binary)
                bot.start()
                try:
                    bot.wait_ready(deadline=180)
                    with Human.from_registration(hs.url, plain) as alice:
                        room = alice.create_room(invite=[bot_user], is_direct=True)
                        alice.wait_for(member(room, bot_user, "join"), 60)

                        def one() -> float:
                            t = time.monotonic()
                            eid = alice.send_text(room, args.text)

                            def pred(e):
                                rel = (e.get("content") or {}).get("m.relates_to") or {}
                                return (message(room, sender=bot_user)(e)
                                        and (rel.get("m.in_reply_to") or {}).get("event_id") == eid)
                            alice.wait_for(pred, 120)
                            return (time.monotonic() - t) * 1000

                        for _ in range(args.warmup):
                            one()
                        time.sleep(1.0)
                        alice.drain()
                        if args.callgrind:
                            callgrind_control("-i", "on", str(bot.pid))
                        perf = None
                        if args.perf:
                            perf = subprocess.Popen(
                                ["perf", "record", "-q", "-e", "cpu-clock", "-F", "10000",
                                 "--call-graph", "dwarf,16384", "-p", str(bot.pid), "-o", args.perf],
                                stdout=subprocess.DEVNULL)
                            time.sleep(1.0)
                        cpu0, split0 = bl.cpu_seconds(bot.pid), user_system(bot.pid)
                        rtts = [one() for _ in range(args.commands)]
                        cpu = bl.cpu_seconds(bot.pid) - cpu0
                        user, system = (b - a for a, b in zip(split0, user_system(bot.pid)))
                        if args.callgrind:
                            callgrind_control("-i", "off", str(bot.pid))
                        if perf is not None:
                            perf.send_signal(signal.SIGINT)
                            perf.wait(60)
                finally:
                    # A wrapper such as strace may leave the bot running when it is stopped.
                    children = descendants(bot.pid) if bot.proc and bot.proc.poll() is None else []
                    bot.stop(deadline=60)
                    for pid in children:
                        try:
                            os.kill(pid, signal.SIGTERM)
                        except ProcessLookupError:
                            pass
        finally:
            hs.stop()
        r = bl.summary(rtts)
        print(f"{args.commands} × {args.text!r}: {cpu / args.commands * 1e6:.0f} µs CPU/command "
              f"({user / args.commands * 1e6:.0f} user + {system / args.commands * 1e6:.0f} system), "
              f"round trip p50 {r['p50']:.1f} ms p90 {r['p90']:.1f} ms p99 {r['p99']:.1f} ms"
              + (" (under a profiler: times inflated)" if prefix else ""))
        if args.callgrind:
            total = callgrind_total(Path(args.callgrind))
            print(f"callgrind: {total:,} instructions in all, {total / args.commands:,.0f} per command")
    return 0


if __name__ == "__main__":
    sys.exit(main())
