#!/usr/bin/env python3
"""Alert latency: a container crashes on a host → the alert is posted, on Discord and Matrix.

    .venv/bin/python bench/alert_latency.py [--trials 10] [--interval 10] [--json out.json]

Set-up (the alert suite's own harness, tests/e2e_alerts/wagbot_alerts.py): one `wagbot run` on
both networks — a real Synapse (alice in a room with the bot) and the Discord simulator (its
default channel) — both subscribed to `@nas` (`alerts on @nas`); the WAGMIOS simulator plays
`nas` with a monitor key and twelve extra containers; `alerts.poll_interval` = `--interval`.

Each trial waits a random time (uniform over one interval, so the crash lands at a random
point of the polling cycle), crashes one container through the simulator's control API (no
activity-feed event: the real Docker daemon does not go through the API either, so only the
poll can see it), and waits for the alert in both places; then it brings the container back
and waits for the "running again" alert, which is a second sample. Times:
  * change: the middle of the control call that changed the container (epoch, this machine);
  * poll: the simulator's request log entry of the first monitor poll after the change;
  * Discord: when the simulator received the bot's POST /channels/{id}/messages;
  * Matrix: the event's origin_server_ts (Synapse's clock, ms).
Reported: change → posted (what a user waits; bounded by the poll interval plus delivery) and
poll → posted (the bot's own part: diffing, routing, rendering, and the HTTP round trip to
the chat server).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402

os.environ["WAGBOT_BIN"] = bl.wagbot_bin()  # read by the alert harness at import
wa = bl._load("bench_wagbot_alerts", bl.REPO / "tests" / "e2e_alerts" / "wagbot_alerts.py")
from human import Human, member  # noqa: E402  (tests/matrix, on sys.path through the harness)

CONTAINERS = [f"svc-{i:02d}" for i in range(12)]


def discord_posts(dctl, channel: str) -> list[dict]:
    return dctl.requests(path_contains=f"/channels/{channel}/messages", method="POST")


def matrix_alerts(alice: Human, room: str, bot_user: str) -> list[dict]:
    return [e for e in alice.messages(room, limit=60)
            if e.get("type") == "m.room.message" and e.get("sender") == bot_user
            and "m.relates_to" not in (e.get("content") or {})]


def d_key(r: dict) -> str:
    return f"{r['at']}|{r['path']}"


def m_key(e: dict) -> str:
    return e["event_id"]


def wait_new(fetch, key, seen: set, match, deadline: float):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for item in fetch():
            k = key(item)
            if k not in seen and match(item):
                seen.add(k)
                return item
        time.sleep(0.02)
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--trials", type=int, default=10, help="crashes (each also gives a recovery sample)")
    ap.add_argument("--interval", type=int, default=10, help="alerts.poll_interval, seconds (≥ 2)")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    synapse = bl.matrix_modules()
    rng = random.Random(7)

    samples: list[dict] = []
    with bl.Workdir("alerts") as tmp:
        hs = synapse.start_synapse(tmp / "synapse")
        alice = None
        bot = None
        try:
            alice = Human.from_registration(hs.url, hs.register("alice", "alice-bench-pw"))
            account = hs.register("wagbot", "wagbot-bench-pw")
            with bl.dc.DiscordSim(config={"enforce_identify_concurrency": False}) as dsim, \
                    bl.wc.Simulator(hosts=["nas", "media"]) as wsim:
                wctl, dctl = wsim.control, dsim.control
                for name in CONTAINERS:
                    wctl.add_container("nas", name, image="alpine:3.20", status="running")
                (tmp / "bot").mkdir()
                bot = wa.AlertBot(tmp / "bot", wsim, ("matrix", "discord"), hs=hs, account=account, dsim=dsim)
                bot.add_user("alice", admin=True, matrix=alice.user_id, discord=bl.ALICE)
                bot.grant("alice", "nas")
                monitor = bot.monitor("nas")
                bot.configure_alerts(poll_interval=args.interval, flap_threshold=100)
                bot.start()

                wa.DiscordSide(bot, dctl).subscribe(bl.CHANNEL, "@nas")
                room = alice.create_room(invite=[bot.user_id], name="alerts")
                alice.wait_for(member(room, bot.user_id, "join"), 30)
                wa.MatrixSide(bot, alice, alice).subscribe(room, "@nas")
                print(f"wagbot {bot_binary()} watching @nas every {args.interval} s; "
                      f"{args.trials} crashes + recoveries", flush=True)

                seen_d = {d_key(x) for x in discord_posts(dctl, bl.CHANNEL)}
                seen_m = {m_key(x) for x in matrix_alerts(alice, room, bot.user_id)}
                suffix = monitor[-8:]
                for k in range(args.trials):
                    name = CONTAINERS[k % len(CONTAINERS)]
                    for what, status in (("crash", "exited"), ("recovery", "running")):
                        time.sleep(rng.uniform(0, args.interval))
                        a = time.time()
                        wctl.set_container_state("nas", name, status)
                        b = time.time()
                        change = (a + b) / 2
                        deadline = args.interval + 15
                        post = wait_new(lambda: discord_posts(dctl, bl.CHANNEL), d_key, seen_d,
                                        lambda r: name in json.dumps(r.get("body")), deadline)
                        event = wait_new(lambda: matrix_alerts(alice, room, bot.user_id), m_key, seen_m,
                                         lambda e: name in (e.get("content") or {}).get("body", ""), deadline)
                        polls = [r["time"] for r in wctl.requests("nas")
                                 if r["method"] == "GET" and r["path"] == "/api/containers"
                                 and r.get("key_suffix") == suffix and r["time"] >= b]
                        poll = min(polls) if polls else None
                        s = {"kind": what, "container": name, "change": change, "poll": poll,
                             "discord": post["at"] if post else None,
                             "matrix": event["origin_server_ts"] / 1000 if event else None}
                        samples.append(s)
                        d = f"{(s['discord'] - change) * 1000:7.0f}" if s["discord"] else "  missed"
                        m = f"{(s['matrix'] - change) * 1000:7.0f}" if s["matrix"] else "  missed"
                        p = f"{(poll - change) * 1000:7.0f}" if poll else "      ?"
                        print(f"  {what:>8} {name}: poll after {p} ms; Discord {d} ms, Matrix {m} ms", flush=True)
        finally:
            if bot is not None and bot.running():
                bot.stop(expect=None)
            if alice is not None:
                alice.close()
            hs.stop()

    def dist(key: str, origin: str) -> dict:
        return bl.summary([(s[key] - s[origin]) * 1000 for s in samples if s[key] and s[origin]])

    results = {"interval_s": args.interval, "samples": len(samples),
               "missed_discord": sum(1 for s in samples if not s["discord"]),
               "missed_matrix": sum(1 for s in samples if not s["matrix"]),
               "discord_ms": dist("discord", "change"), "matrix_ms": dist("matrix", "change"),
               "discord_after_poll_ms": dist("discord", "poll"), "matrix_after_poll_ms": dist("matrix", "poll"),
               "poll_wait_ms": dist("poll", "change")}
    print(f"\n{len(samples)} samples, poll interval {args.interval} s (ms):")
    for label, key in (("change → Discord post", "discord_ms"), ("change → Matrix event", "matrix_ms"),
                       ("change → next poll", "poll_wait_ms"), ("poll → Discord post", "discord_after_poll_ms"),
                       ("poll → Matrix event", "matrix_after_poll_ms")):
        d = results[key]
        print(f"  {label:<24} p50 {d['p50']:7.0f}  p90 {d['p90']:7.0f}  max {d['max']:7.0f}  mean {d['mean']:7.0f}  (n={d['n']})")
    print(f"  missed: Discord {results['missed_discord']}, Matrix {results['missed_matrix']}")
    bl.emit("alert_latency", results, args.json)
    return 0


def bot_binary() -> str:
    return f"{bl.wagbot_bin()} ({bl.build_type(bl.wagbot_bin())})"


if __name__ == "__main__":
    sys.exit(main())
