#!/usr/bin/env python3
"""What end-to-end encryption costs: idle memory and CPU per Matrix command, plain and encrypted.

    .venv/bin/python bench/matrix_e2ee.py [--commands 100] [--idle 20] [--json out.json]

Set-up: a real Synapse (tests/matrix) and the WAGMIOS simulator (tests/sim) playing `nas` (its
rate limit lifted, so every command is a real `GET /api/containers`). Two bots, one at a time:

  * `e2ee off` (`matrix.e2ee: false`): `ps` in a plain direct chat;
  * `e2ee on`: `ps` in the same kind of plain direct chat, then in an **encrypted** direct chat
    with a cross-signed matrix-nio human (tests/matrix/secure_human.py).

Each bot's idle figures are read `--idle` s after its first sync (VmRSS, Pss and Private from
/proc). Then `--commands` commands are sent one at a time (the next after the reply arrived);
CPU per command is the bot's utime+stime over the run ÷ commands, so it includes /sync parsing,
the journal, decrypting, encrypting and sending — everything the bot does for one command.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402


def idle_figures(pid: int) -> dict:
    st, sm = bl.proc_status(pid), bl.smaps_rollup(pid)
    return {"rss_kb": st.get("VmRSS"), "pss_kb": sm.get("Pss"),
            "private_kb": sm.get("Private_Clean", 0) + sm.get("Private_Dirty", 0)}


def per_command(bot, human, room: str, n: int, reply_to) -> dict:
    human.drain()
    cpu0, t0 = bl.cpu_seconds(bot.pid), time.monotonic()
    rtts = []
    for _ in range(n):
        sent = time.monotonic()
        eid = human.send_text(room, "ps")
        human.wait_for(reply_to(room, eid), timeout=30)
        rtts.append((time.monotonic() - sent) * 1000)
    cpu = bl.cpu_seconds(bot.pid) - cpu0
    return {"commands": n, "cpu_us_per_command": round(cpu / n * 1e6),
            "round_trip_ms": bl.summary(rtts), "seconds": round(time.monotonic() - t0, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--commands", type=int, default=100)
    ap.add_argument("--idle", type=float, default=20.0)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    bl.matrix_modules()  # tests/matrix on the path
    from human import Human, member, message  # noqa: E402  (tests/matrix)
    from secure_human import SecureHuman  # noqa: E402

    def reply_to(bot_user):
        def make(room, eid):
            def pred(e):
                rel = (e.get("content") or {}).get("m.relates_to") or {}
                return (message(room, sender=bot_user)(e)
                        and (rel.get("m.in_reply_to") or {}).get("event_id") == eid)
            return pred
        return make

    results: dict = {}
    with bl.matrix_stack("e2ee") as (tmp, hs, wsim, key):
        plain = hs.register("alice", "alice-bench-pw")
        secure = hs.register("carol", "carol-bench-pw")
        for variant, e2ee in (("e2ee off", False), ("e2ee on", True)):
            account = hs.register(f"wagbot{int(e2ee)}", "wagbot-bench-pw")
            users = {"alice": {"admin": True, "matrix": [plain["user_id"], secure["user_id"]],
                               "keys": {"nas": key}}}
            bot = bl.matrix_bot(tmp / variant.replace(" ", "-"), hs, account,
                                {"nas": wsim.hosts["nas"]}, users, e2ee=e2ee)
            bot.start()
            try:
                bot.wait_ready()
                time.sleep(args.idle)
                r = {"idle": idle_figures(bot.pid)}
                with Human.from_registration(hs.url, plain) as alice:
                    room = alice.create_room(invite=[account["user_id"]], is_direct=True)
                    alice.wait_for(member(room, account["user_id"], "join"), 30)
                    r["plain room"] = per_command(bot, alice, room, args.commands,
                                                  reply_to(account["user_id"]))
                if e2ee:
                    (tmp / "nio-store").mkdir(exist_ok=True)
                    carol = SecureHuman(hs.url, secure["user_id"], access_token=secure["access_token"],
                                        device_id=secure["device_id"], store_dir=tmp / "nio-store")
                    try:
                        room = carol.create_room(invite=[account["user_id"]], is_direct=True, encrypted=True)
                        carol.wait_for(member(room, account["user_id"], "join"), 30)
                        r["encrypted room"] = per_command(bot, carol, room, args.commands,
                                                          reply_to(account["user_id"]))
                    finally:
                        carol.close()
                r["rss_after_kb"] = bl.proc_status(bot.pid)["VmRSS"]
            finally:
                bot.stop()
            results[variant] = r
            idle = r["idle"]
            print(f"{variant:>8}: idle VmRSS {idle['rss_kb'] / 1024:5.1f} MB  Pss {idle['pss_kb'] / 1024:5.1f} MB"
                  f"  Private {idle['private_kb'] / 1024:5.1f} MB", flush=True)
            for where in ("plain room", "encrypted room"):
                if where in r:
                    c = r[where]
                    print(f"{'':>10}{where}: {c['cpu_us_per_command']} µs CPU/command, round trip "
                          f"p50 {c['round_trip_ms']['p50']:.1f} ms p99 {c['round_trip_ms']['p99']:.1f} ms",
                          flush=True)
    bl.emit("matrix_e2ee", results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
