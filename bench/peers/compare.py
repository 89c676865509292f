#!/usr/bin/env python3
"""wagbot beside its peers: the same `ps` job on the same path, one bot at a time.

    bench/peers/setup                                   # once: the peers' libraries (bench-only)
    .venv/bin/python bench/peers/compare.py [--commands 500] [--idle 20] [--only a,b] [--json out.json]

Set-up, shared by every bot: one real Synapse (tests/matrix), the Discord simulator
(tests/discord) and the WAGMIOS simulator (tests/sim) playing `nas` with its 100-requests-a-minute
limit lifted, so that every command is a real `GET /api/containers`. Bots, one at a time:

  Matrix:  wagbot (matrix only), matrix-nio, mautrix-python, maubot (standalone mode),
           matrix-bot-sdk, mautrix-go — each answers `ps` in a direct chat with alice, as a reply
  Discord: wagbot (discord only), discord.py, discord.js — each answers `/ps host:nas`: defer,
           then edit the original response

Each peer (bench/peers/*/) does one GET /api/containers with an API key and replies with a
short list; wagbot runs its real `ps`. Per bot:

  1. start → first reply: the process is started and (Matrix: in a room it joined on an earlier
     run; Discord: once its gateway session and `/ps` command exist) a `ps` is sent every 0.1 s
     until one is answered;
  2. idle: after the answers settle and `--idle` s more, VmRSS, Pss and USS (Private_Clean +
     Private_Dirty) from /proc/PID/smaps_rollup, summed over the bot's process tree;
  3. `--commands` commands one at a time (the next once the reply is seen): round trip p50/p99
     (Matrix: alice's send → the reply in her /sync; Discord: the simulator's own clock from the
     interaction's creation to the bot's final edit), the tree's utime+stime ÷ commands, the
     WAGMIOS requests the simulator logged ÷ commands (1.00 expected) and every reply checked to
     hold the container list;
  4. VmRSS of the tree after the commands.

Prints each bot's figures and its ratio to wagbot's (same transport, same run); --json writes
them for bench/run-all.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

PEERS = Path(__file__).resolve().parent
sys.path.insert(0, str(PEERS.parent))
sys.path.insert(0, str(PEERS))

import benchlib as bl  # noqa: E402
from ratio import table  # noqa: E402

MARK = "postgres"  # a container of the simulator's default state: the reply holds the real list


def message_text(message: dict) -> str:
    """A Discord message's text: its content, and the text displays of a Components V2 layout
    (wagbot sends listings so), however deeply they are nested."""
    parts = [message.get("content") or ""]

    def walk(components):
        for c in components or []:
            if c.get("type") == 10:
                parts.append(c.get("content") or "")
            walk(c.get("components"))
            walk([c["accessory"]] if isinstance(c.get("accessory"), dict) else None)

    walk(message.get("components"))
    return "\n".join(parts)


# ---------------------------------------------------------------------------- the bots

@dataclass
class Bot:
    name: str
    net: str                       # "matrix" | "discord"
    library: str                   # what to show, with the pinned version
    argv: Callable[[Path], list[str]] | None = None   # None: wagbot
    prepare: Callable[[Path, dict], None] | None = None


def pinned(kind: str, name: str) -> str:
    """The version of `name` pinned in the peers' lock files."""
    try:
        if kind == "pip":
            for peer in ("nio", "mautrix", "maubot", "discordpy"):
                for line in (PEERS / peer / "requirements.txt").read_text().splitlines():
                    if line.lower().startswith(name.lower() + "=="):
                        return line.split("==", 1)[1]
        elif kind == "npm":
            lock = json.loads((PEERS / "node" / "package-lock.json").read_text())
            return lock["packages"][f"node_modules/{name}"]["version"]
        elif kind == "go":
            m = re.search(rf"^(?:require)?\s*{re.escape(name)} (\S+)", (PEERS / "mautrix_go" / "go.mod").read_text(), re.M)
            return m.group(1) if m else "?"
    except (OSError, KeyError, ValueError):
        pass
    return "?"


def venv_python(peer: str) -> str:
    return str(PEERS / peer / ".venv" / "bin" / "python")


def maubot_config(workdir: Path, env: dict) -> None:
    j = json.dumps
    (workdir / "maubot.yaml").write_text("\n".join([
        "user:",
        "  credentials:",
        f"    id: {j(env['PEER_MATRIX_USER'])}",
        f"    homeserver: {j(env['PEER_MATRIX_HOMESERVER'])}",
        f"    access_token: {j(env['PEER_MATRIX_TOKEN'])}",
        "    device_id: null",
        "  sync: true",
        "  appservice: false",
        "  autojoin: true",
        "  displayname: disable",
        "  avatar_url: disable",
        # Invitations are accepted from the first sync on; the plugin skips old commands.
        "  ignore_initial_sync: false",
        "  ignore_first_sync: false",
        "server:",
        "  hostname: 127.0.0.1",
        f"  port: {bl.free_port()}",
        "  base_path: /",
        "  public_url: http://127.0.0.1",
        f"database: {j('sqlite:' + str(workdir / 'maubot.db'))}",
        "plugin_config: {}",
        "logging:",
        "  version: 1",
        "  formatters: {plain: {format: '[%(asctime)s] [%(levelname)s@%(name)s] %(message)s'}}",
        "  handlers: {console: {class: logging.StreamHandler, formatter: plain}}",
        "  root: {level: WARNING, handlers: [console]}",
        "",
    ]))


BOTS = [
    Bot("wagbot", "matrix", "wagbot (C++20, static)"),
    Bot("matrix-nio", "matrix", f"matrix-nio {pinned('pip', 'matrix-nio')} (Python)",
        lambda d: [venv_python("nio"), str(PEERS / "nio" / "bot.py")]),
    Bot("mautrix-python", "matrix", f"mautrix {pinned('pip', 'mautrix')} (Python)",
        lambda d: [venv_python("mautrix"), str(PEERS / "mautrix" / "bot.py")]),
    Bot("maubot", "matrix", f"maubot {pinned('pip', 'maubot')} standalone (Python)",
        lambda d: [venv_python("maubot"), "-m", "maubot.standalone", "-c", str(d / "maubot.yaml"),
                   "-m", str(PEERS / "maubot" / "plugin" / "maubot.yaml")],
        maubot_config),
    Bot("matrix-bot-sdk", "matrix", f"matrix-bot-sdk {pinned('npm', 'matrix-bot-sdk')} (Node)",
        lambda d: ["node", str(PEERS / "node" / "matrix_bot_sdk.js")]),
    Bot("mautrix-go", "matrix", f"mautrix-go {pinned('go', 'maunium.net/go/mautrix')} (Go)",
        lambda d: [str(PEERS / "mautrix_go" / "psbot")]),
    Bot("wagbot", "discord", "wagbot (C++20, static)"),
    Bot("discord.py", "discord", f"discord.py {pinned('pip', 'discord.py')} (Python)",
        lambda d: [venv_python("discordpy"), str(PEERS / "discordpy" / "bot.py")]),
    Bot("discord.js", "discord", f"discord.js {pinned('npm', 'discord.js')} (Node)",
        lambda d: ["node", str(PEERS / "node" / "discordjs.js")]),
]


class PeerProcess:
    """A peer bot's process, with BenchBot's interface (start, pid, stop, log)."""

    def __init__(self, workdir: Path, argv: list[str], env: dict):
        self.dir, self.argv, self.env = workdir, argv, env
        self.log_path = workdir / "bot.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        log = open(self.log_path, "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, cwd=self.dir, env=self.env)
        log.close()
        return t0

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise SystemExit(f"peers: {self.argv[0]} exited with {self.proc.returncode}\n{self.log()[-3000:]}")

    def stop(self, deadline: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        for pid in reversed(tree(self.proc.pid)):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(deadline)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------------- /proc, per tree

def tree(pid: int) -> list[int]:
    """pid and its descendants (from /proc/PID/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def tree_cpu(pid: int) -> float:
    total = 0.0
    for p in tree(pid):
        try:
            total += bl.cpu_seconds(p)
        except OSError:
            pass
    return total


def tree_memory(pid: int) -> dict:
    rss = pss = uss = 0
    pids = tree(pid)
    for p in pids:
        try:
            sm = bl.smaps_rollup(p)
        except OSError:
            continue
        rss += sm.get("Rss", 0)
        pss += sm.get("Pss", 0)
        uss += sm.get("Private_Clean", 0) + sm.get("Private_Dirty", 0)
    return {"rss_kb": rss, "pss_kb": pss, "uss_kb": uss, "processes": len(pids)}


# ---------------------------------------------------------------------------- Matrix

class MatrixPath:
    """Synapse, alice (tests/matrix/human.py) and one account and direct chat per bot."""

    def __init__(self, tmp: Path):
        self.synapse = bl.matrix_modules()
        from human import Human, member, message  # noqa: E402  (tests/matrix)
        self.member, self.message = member, message
        self.hs = self.synapse.start_synapse(tmp / "synapse")
        self.alice_reg = self.hs.register("alice", "alice-bench-pw")
        self.alice = Human.from_registration(self.hs.url, self.alice_reg)
        self.accounts = 0

    def close(self) -> None:
        self.alice.close()
        self.hs.stop()

    def account(self) -> dict:
        self.accounts += 1
        return self.hs.register(f"bot{self.accounts}", "bot-bench-pw")

    def reply_to(self, room: str, bot_user: str, ids: set[str]):
        is_msg = self.message(room, sender=bot_user)

        def pred(e):
            rel = (e.get("content") or {}).get("m.relates_to") or {}
            return is_msg(e) and (rel.get("m.in_reply_to") or {}).get("event_id") in ids
        return pred

    def settle(self, room: str, bot_user: str, quiet: float = 1.0) -> None:
        """Waits until the bot has said nothing for `quiet` s (answers to the start-up burst)."""
        while True:
            try:
                self.alice.wait_for(self.message(room, sender=bot_user), quiet)
            except TimeoutError:
                self.alice.drain()
                return

    def first_reply(self, proc, room: str, bot_user: str, t0: float, deadline: float = 90.0) -> float:
        sent: set[str] = set()
        end = t0 + deadline
        while time.monotonic() < end:
            proc.alive()
            sent.add(self.alice.send_text(room, "ps"))
            try:
                self.alice.wait_for(self.reply_to(room, bot_user, sent), 0.1)
                return time.monotonic() - t0
            except TimeoutError:
                continue
        raise SystemExit(f"peers: no reply within {deadline}s of the start\n{proc.log()[-3000:]}")

    def one(self, room: str, bot_user: str) -> tuple[float, str]:
        t = time.monotonic()
        eid = self.alice.send_text(room, "ps")
        e = self.alice.wait_for(self.reply_to(room, bot_user, {eid}), 30)
        return (time.monotonic() - t) * 1000, (e.get("content") or {}).get("body", "")


# ---------------------------------------------------------------------------- Discord

class DiscordPath:
    def __init__(self):
        self.sim = bl.dc.DiscordSim().start()
        self.ctl = self.sim.control

    def close(self) -> None:
        self.sim.stop()

    def has_ps(self) -> bool:
        try:
            return any(c.get("name") == "ps" for c in self.ctl.commands(bl.GUILD) + self.ctl.commands())
        except bl.dc.ControlError:
            return False

    def connected(self) -> bool:
        g = self.ctl.gateway_state()
        return any(s.get("connected") for s in g.get("sessions", []))

    def inject(self) -> dict | None:
        try:
            return self.ctl.command("ps", {"host": "nas"}, user_id=bl.ALICE, username="alice")
        except bl.dc.ControlError:
            return None

    def finish(self, iid: str, timeout: float = 30.0, interval: float = 0.003) -> dict | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            d = self.ctl.get_interaction(iid)
            if d["status"] in ("completed", "responded"):
                return d
            if d["status"] == "expired":
                return None
            time.sleep(interval)
        return None

    @staticmethod
    def answer(d: dict) -> tuple[float, str]:
        """(ms from the interaction's creation to the bot's final answer, its text)."""
        if d["edits"]:
            last = d["edits"][-1]
            return float(last["at"]), message_text(d.get("original") or {})
        r = d["responses"][-1]
        return float(r["at"]), message_text(r.get("data") or {})

    def first_reply(self, proc, t0: float, deadline: float = 90.0) -> float:
        end = t0 + deadline
        while time.monotonic() < end:
            proc.alive()
            if self.connected() and self.has_ps():
                i = self.inject()
                if i is not None:
                    d = self.finish(i["id"], timeout=3.0)
                    if d is not None:
                        at, _ = self.answer(d)
                        return d["created_at"] + at / 1000 - self.t0_wall
            time.sleep(0.02)
        raise SystemExit(f"peers: no answer within {deadline}s of the start\n{proc.log()[-3000:]}")

    def one(self) -> tuple[float, str]:
        i = self.inject()
        if i is None:
            raise SystemExit("peers: the simulator refused the /ps interaction")
        d = self.finish(i["id"])
        if d is None:
            raise SystemExit(f"peers: /ps not answered: {i['id']}")
        return self.answer(d)


# ---------------------------------------------------------------------------- one bot

def measure(bot: Bot, tmp: Path, args, wsim, key: str, mx: MatrixPath | None,
            dsc: DiscordPath | None) -> dict:
    work = tmp / f"{bot.net}-{bot.name}"
    work.mkdir(parents=True, exist_ok=True)
    sim_url = wsim.hosts["nas"]

    if bot.net == "matrix":
        acct = mx.account()
        bot_user = acct["user_id"]
        room = mx.alice.create_room(invite=[bot_user], is_direct=True)
    else:
        dsc.ctl.reset()

    def make():
        if bot.argv is None:
            b = bl.BenchBot(work, {"nas": sim_url},
                            users={"alice": {"admin": True, "keys": {"nas": key},
                                             **({"matrix": [mx.alice_reg["user_id"]]} if mx and bot.net == "matrix" else {}),
                                             **({"discord": [bl.ALICE]} if bot.net == "discord" else {})}})
            if bot.net == "matrix":
                b.matrix = {"homeserver": mx.hs.url, "user_id": bot_user,
                            "allowed_inviters": [":localhost"], "e2ee": False}
                b.matrix["access_token_file"] = b.secret("matrix-token", acct["access_token"])
            else:
                b.discord = {"api_base": dsc.sim.api, "guilds": [bl.GUILD]}
                b.discord["token_file"] = b.secret("discord.token", bl.TOKEN)
            return b
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
               "PEER_WAGMIOS_URL": sim_url, "PEER_WAGMIOS_KEY": key}
        if bot.net == "matrix":
            env.update(PEER_MATRIX_HOMESERVER=mx.hs.url, PEER_MATRIX_USER=bot_user,
                       PEER_MATRIX_TOKEN=acct["access_token"])
        else:
            env.update(PEER_DISCORD_API=dsc.sim.api, PEER_DISCORD_API_ROOT=dsc.sim.api.rsplit("/v", 1)[0],
                       PEER_DISCORD_GUILD=bl.GUILD, PEER_DISCORD_TOKEN=bl.TOKEN,
                       PEER_DISCORD_GATEWAY=dsc.sim.gateway_url)
        if bot.prepare:
            bot.prepare(work, env)
        return PeerProcess(work, bot.argv(work), env)

    def alive(p):
        (p._alive if isinstance(p, bl.BenchBot) else p.alive)()

    class Alive:  # what first_reply calls
        def __init__(self, p):
            self.p = p

        def alive(self):
            alive(self.p)

        def log(self):
            return self.p.log()

    r: dict = {"bot": bot.name, "net": bot.net, "library": bot.library}
    if bot.net == "matrix":
        # First run: the bot accepts alice's invitation and answers once; then it is stopped,
        # so that the measured start is that of a bot restarted among its rooms.
        p = make()
        p.start()
        try:
            mx.alice.wait_for(mx.member(room, bot_user, "join"), 60)
            mx.first_reply(Alive(p), room, bot_user, time.monotonic())
            mx.settle(room, bot_user)
        finally:
            p.stop()
    p = make()
    if bot.net == "discord":
        dsc.t0_wall = time.time()
    t0 = p.start()
    try:
        if bot.net == "matrix":
            r["start_to_first_reply_s"] = mx.first_reply(Alive(p), room, bot_user, t0)
            mx.settle(room, bot_user)
        else:
            r["start_to_first_reply_s"] = dsc.first_reply(Alive(p), t0)
            time.sleep(1.0)
        time.sleep(args.idle)
        r["idle"] = tree_memory(p.pid)
        wsim.control.clear_requests("nas")
        cpu0 = tree_cpu(p.pid)
        rtts, bad = [], 0
        for _ in range(args.commands):
            ms, text = mx.one(room, bot_user) if bot.net == "matrix" else dsc.one()
            rtts.append(ms)
            bad += MARK not in text
        cpu = tree_cpu(p.pid) - cpu0
        time.sleep(0.5)
        reqs = wsim.control.requests("nas")
        lists = sum(1 for q in reqs if q["method"] == "GET" and q["path"] == "/api/containers")
        limited = sum(1 for q in reqs if q.get("status") == 429)
        r.update({"commands": args.commands, "cpu_us_per_command": cpu / args.commands * 1e6,
                  "round_trip_ms": bl.summary(rtts), "replies_without_list": bad,
                  "wagmios_requests_per_command": len(reqs) / args.commands,
                  "wagmios_list_requests_per_command": lists / args.commands,
                  "wagmios_429": limited, "after": tree_memory(p.pid)})
    finally:
        p.stop()
    return r


# ---------------------------------------------------------------------------- output

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commands", type=int, default=500)
    ap.add_argument("--idle", type=float, default=20.0, help="seconds of quiet before the idle reading")
    ap.add_argument("--only", default="", help="comma-separated bot names (wagbot is always run)")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    want = {x.strip() for x in args.only.split(",") if x.strip()}
    bots = [b for b in BOTS if not want or b.name in want or b.name == "wagbot"]
    nets = {b.net for b in bots if b.name != "wagbot"} or {"matrix", "discord"}
    bots = [b for b in bots if b.net in nets]
    missing = [b.name for b in bots if b.argv and not all(
        Path(a).exists() for a in b.argv(Path(".")) if a.startswith(str(PEERS)))]
    missing += [b.name for b in bots if b.net == "matrix" and b.name == "matrix-bot-sdk"
                and not (PEERS / "node" / "node_modules" / "matrix-bot-sdk").exists()]
    missing += [b.name for b in bots if b.name == "discord.js"
                and not (PEERS / "node" / "node_modules" / "discord.js").exists()]
    if missing:
        raise SystemExit(f"peers: not installed: {', '.join(missing)}; run bench/peers/setup")
    print(f"wagbot {bl.wagbot_bin()} ({bl.build_type(bl.wagbot_bin())}); {args.commands} commands "
          f"one at a time per bot; load {bl.loadavg()}", flush=True)

    rows: list[dict] = []
    with bl.Workdir("peers") as tmp, bl.wc.Simulator(hosts=["nas"]) as wsim:
        key = bl.unlimited_key(wsim, "bench")
        mx = MatrixPath(tmp) if "matrix" in nets else None
        dsc = DiscordPath() if "discord" in nets else None
        try:
            for bot in bots:
                print(f"  … {bot.net} {bot.name}", file=sys.stderr, flush=True)
                r = measure(bot, tmp, args, wsim, key, mx, dsc)
                rows.append(r)
                print(f"  {r['net']:>7} {r['bot']:<15} idle RSS {r['idle']['rss_kb'] / 1024:5.1f} MB "
                      f"Pss {r['idle']['pss_kb'] / 1024:5.1f} USS {r['idle']['uss_kb'] / 1024:5.1f} | "
                      f"{r['cpu_us_per_command']:6.0f} µs CPU/cmd | RTT p50 {r['round_trip_ms']['p50']:.1f} "
                      f"p99 {r['round_trip_ms']['p99']:.1f} ms | RSS after {r['after']['rss_kb'] / 1024:.1f} MB | "
                      f"start→reply {r['start_to_first_reply_s']:.2f} s | WAGMIOS {r['wagmios_requests_per_command']:.2f} "
                      f"req/cmd ({r['wagmios_429']} × 429) | replies without the list: {r['replies_without_list']}",
                      flush=True)
        finally:
            if dsc:
                dsc.close()
            if mx:
                mx.close()
    print()
    print(table(rows, args.commands))
    bl.emit("peers", {"commands": args.commands, "idle_s": args.idle, "bots": rows}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
