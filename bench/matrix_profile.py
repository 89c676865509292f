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
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bl.add_profile_args(ap)
    ap.add_argument("--text", default="ps", help="the command alice sends")
    args = ap.parse_args(argv)
    bl.matrix_modules()  # tests/matrix on the path
    from human import Human, member, message  # noqa: E402  (tests/matrix)

    with bl.matrix_stack("mxprof") as (tmp, hs, wsim, key):
        plain = hs.register("alice", "alice-bench-pw")
        account = hs.register("wagbot", "wagbot-bench-pw")
        bot_user = account["user_id"]
        bot = bl.matrix_bot(tmp / "bot", hs, account, {"nas": wsim.hosts["nas"]},
                            {"alice": {"admin": True, "matrix": [plain["user_id"]],
                                       "keys": {"nas": key}}})
        prefix = bl.profile_prefix(args)
        if prefix:
            bot.binary = bl.wrapper(tmp, prefix, bot.binary)
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
                with bl.Measured(bot.pid, args) as m:
                    rtts = [one() for _ in range(args.commands)]
        finally:
            bl.stop_wrapped(bot)
        bl.profile_report(args, repr(args.text), m, rtts, bool(prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
