"""Shared helpers for wagbot's benchmark scripts (bench/*.py).

Figures only, never pass/fail: a script exits non-zero only when its set-up is broken (no
binary, a simulator that does not start, a bot that never becomes ready).

What lives here:
  * the simulators' helper modules, loaded the way the e2e suites load them
    (tests/e2e_discord/wagbot_discord.py gives the WAGMIOS and Discord simulators' control
    modules and the Discord simulator's defaults; tests/matrix gives Synapse);
  * `BenchBot`: a wagbot installation in a temp dir (config written from Python, any number of
    hosts, monitor keys, Matrix and/or Discord, an observability listener on a free port) and
    its `wagbot run` process, ready when `/readyz` answers 200;
  * /proc readings for one process (RSS, smaps_rollup, CPU seconds), the machine's description,
    percentiles, and the JSON result file that bench/run-all collects;
  * what the profiling scripts (matrix_profile.py, discord_profile.py) share: their options, the
    bot under a wrapper (valgrind, strace …), `Measured` (callgrind on / perf attached / CPU
    read around the measured commands) and the report line.
"""

from __future__ import annotations

import contextlib

import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


# The test suites' module loader (one copy of a module however many helpers load it).
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))
from support.e2e_support import load_module as _load  # noqa: E402


# The Discord suite's helper loads both simulators' control.py under distinct names
# (discord_control, wagmios_control) and holds the Discord simulator's defaults.
wd = _load("bench_wagbot_discord", REPO / "tests" / "e2e_discord" / "wagbot_discord.py")
dc = wd.dc          # tests/discord/control.py: DiscordSim, DiscordControl
wc = wd.wc          # tests/sim/control.py: Simulator, SimControl, start_simulator
TOKEN, APP_ID, GUILD, CHANNEL = wd.TOKEN, wd.APP_ID, wd.GUILD, wd.CHANNEL
ALICE = wd.ALICE

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def matrix_modules():
    """tests/matrix on sys.path (as tests/e2e_matrix does), then its `synapse` module."""
    p = str(REPO / "tests" / "matrix")
    if p not in sys.path:
        sys.path.insert(0, p)
    import synapse  # noqa: WPS433  (tests/matrix/synapse.py)
    return synapse


# ---------------------------------------------------------------------------- binary

def wagbot_bin() -> str:
    """WAGBOT_BIN, else the Release build bench/run-all makes (build-bench/), else build/."""
    env = os.environ.get("WAGBOT_BIN")
    if env:
        return str(Path(env).resolve())
    for d in ("build-bench", "build"):
        p = REPO / d / "wagbot"
        if p.exists():
            return str(p)
    raise SystemExit("bench: no wagbot binary; run `WAGBOT_BUILD_DIR=build-bench "
                     "WAGBOT_BUILD_TYPE=Release scripts/build -DWAGBOT_STATIC=ON` "
                     "(bench/run-all does it)")


def build_type(binary: str) -> str:
    """CMAKE_BUILD_TYPE of the binary's build directory, ", static" with WAGBOT_STATIC."""
    cache = Path(binary).parent / "CMakeCache.txt"
    if cache.exists():
        text = cache.read_text()
        m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", text, re.M)
        if m:
            static = re.search(r"^WAGBOT_STATIC:\w+=(ON|TRUE|1)$", text, re.M)
            return (m.group(1) or "(none)") + (", static" if static else "")
    return "unknown"


# ---------------------------------------------------------------------------- /proc

def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon, RssFile, RssShmem, Threads … from /proc/PID/status, in kB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            v = v.strip()
            if v.endswith(" kB"):
                out[k] = int(v[:-3])
            elif k == "Threads":
                out[k] = int(v)
    return out


def smaps_rollup(pid: int) -> dict[str, int]:
    """Rss, Pss, Pss_Anon, Pss_File, Private_Clean, Private_Dirty, Shared_* … in kB."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def smaps_by_mapping(pid: int) -> list[dict]:
    """Per mapping (file or [heap]/[anon]/[stack]): Rss, Pss, Private in kB, largest first."""
    rows: dict[str, dict] = {}
    current = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            first = line.split(None, 1)[0]
            if re.match(r"^[0-9a-f]+-[0-9a-f]+$", first):
                fields = line.split()
                name = fields[5] if len(fields) > 5 else "[anon]"
                current = rows.setdefault(name, {"mapping": name, "Rss": 0, "Pss": 0, "Private": 0})
            elif current is not None and first in ("Rss:", "Pss:", "Private_Clean:", "Private_Dirty:"):
                kb = int(line.split()[1])
                key = "Private" if first.startswith("Private") else first[:-1]
                current[key] += kb
    return sorted(rows.values(), key=lambda r: -r["Rss"])


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def run_delay_seconds(pid: int) -> float:
    """Time the process's threads spent runnable but waiting for a CPU (/proc/PID/task/*/schedstat)."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
    except OSError:
        pass
    return total / 1e9


def self_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def loadavg() -> tuple[float, float, float]:
    with open("/proc/loadavg") as f:
        a, b, c = f.read().split()[:3]
    return float(a), float(b), float(c)


def machine() -> dict[str, Any]:
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    os_name = platform.system()
    try:
        with open("/etc/os-release") as f:
            m = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
            if m:
                os_name = m.group(1)
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "os": os_name, "kernel": platform.release(), "load": loadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


# ---------------------------------------------------------------------------- numbers

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "min": min(values) if values else float("nan"),
            "p50": percentile(values, 50), "p90": percentile(values, 90),
            "p99": percentile(values, 99), "max": max(values) if values else float("nan"),
            "mean": sum(values) / len(values) if values else float("nan")}


def emit(name: str, results: dict, args_json: str | None) -> None:
    """Writes the script's results (plus machine and binary) as JSON for bench/run-all."""
    if not args_json:
        return
    doc = {"bench": name, "machine": machine(), "binary": wagbot_bin(),
           "build_type": build_type(wagbot_bin()), "results": results}
    Path(args_json).write_text(json.dumps(doc, indent=2, default=str) + "\n")


def unlimited_key(sim, label: str = "alice") -> str:
    """An admin key for the WAGMIOS simulator's `nas`, its 100-requests-a-minute limit lifted
    first: a bench measures the bot, not the simulator's 429 reply."""
    sim.control.set_config("nas", rate_limit=1_000_000)
    return sim.control.add_key("nas", label=label, scopes=["*"], role="admin")["key"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], what: str, deadline: float = 30.0, interval: float = 0.02):
    end = time.monotonic() + deadline
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise SystemExit(f"bench: timed out after {deadline}s waiting for {what}")
        time.sleep(interval)


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, ""


# ---------------------------------------------------------------------------- the bot

class BenchBot:
    """One wagbot installation in `workdir` and its `wagbot run` process.

    hosts: alias -> base URL. monitors: alias -> monitor key. users: name -> {"discord": [...],
    "matrix": [...], "keys": {alias: key}, "admin": bool}. discord / matrix: the sections as
    dicts (secrets given as *_file names written here). The observability listener is always on
    (port 0; the port is read from the bot's log line).
    """

    def __init__(self, workdir: Path, hosts: dict[str, str], *, users: dict | None = None,
                 monitors: dict[str, str] | None = None, discord: dict | None = None,
                 matrix: dict | None = None, alerts: dict | None = None,
                 log_level: str = "info", env: dict | None = None, cpus: str | None = None):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.hosts = hosts
        self.users = users or {}
        self.monitors = monitors or {}
        self.discord = discord
        self.matrix = matrix
        self.alerts = alerts
        self.log_level = log_level
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WAGBOT_")}
        self.env.update(env or {})
        self.config_path = self.dir / "wagbot.yaml"
        self.log_path = self.dir / "wagbot.log"
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self._log_mark = 0
        self.started_at = 0.0
        self.binary = wagbot_bin()
        self.cpus = cpus  # e.g. "1": run under `taskset -c` (every thread inherits it)
        self._secrets_dir = self.dir / "secrets"
        self._secrets_dir.mkdir(exist_ok=True)

    def secret(self, name: str, value: str) -> str:
        p = self._secrets_dir / name
        p.write_text(value + "\n")
        p.chmod(0o600)
        return str(p)

    def write_config(self) -> None:
        j = json.dumps  # JSON scalars and flows are valid YAML
        lines = [f"data_dir: {j(str(self.dir / 'data'))}", f"log_level: {j(self.log_level)}",
                 "confirmation_timeout: 300", 'observability: {listen: "127.0.0.1:0"}']
        if self.alerts:
            lines.append(f"alerts: {j(self.alerts)}")
        lines.append("hosts:")
        for alias, url in self.hosts.items():
            extra = ""
            if alias in self.monitors:
                extra = f", monitor_key_file: {j(self.secret('monitor-' + alias, self.monitors[alias]))}"
            lines.append(f"  - {{alias: {j(alias)}, url: {j(url)}{extra}}}")
        if self.users:
            lines.append("users:")
        for name, u in self.users.items():
            lines.append(f"  - name: {name}")
            lines.append(f"    admin: {'true' if u.get('admin') else 'false'}")
            for net in ("matrix", "discord"):
                if u.get(net):
                    lines.append(f"    {net}: {j(u[net])}")
            if u.get("keys"):
                lines.append("    keys:")
                for host, key in u["keys"].items():
                    lines.append(f"      - {{host: {j(host)}, key_file: {j(self.secret(f'{name}-{host}', key))}}}")
        for section in ("matrix", "discord"):
            body = getattr(self, section)
            if body:
                lines.append(f"{section}:")
                for k, v in body.items():
                    lines.append(f"  {k}: {j(v)}")
        self.config_path.write_text("\n".join(lines) + "\n")

    def start(self) -> float:
        """Starts `wagbot run`; returns the monotonic time just before the fork."""
        if not os.path.exists(self.binary):
            raise SystemExit(f"bench: wagbot binary not found at {self.binary}")
        self.write_config()
        self.port = None
        self._log_mark = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        self.started_at = time.monotonic()
        pin = ["taskset", "-c", self.cpus] if self.cpus and shutil.which("taskset") else []
        self.proc = subprocess.Popen(pin + [self.binary, "run", "-c", str(self.config_path)],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     cwd=self.dir, env=self.env)
        log.close()
        return self.started_at

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise SystemExit(f"bench: wagbot exited with {self.proc.returncode}\n{self.log()[-4000:]}")

    def listener_port(self, deadline: float = 30.0) -> int:
        if self.port:
            return self.port
        rx = re.compile(r"observability on http://127\.0\.0\.1:(\d+)")
        mark = time.monotonic() + deadline
        while True:
            m = rx.findall(self.log()[self._log_mark:])
            if m:
                self.port = int(m[-1])
                return self.port
            self._alive()
            if time.monotonic() > mark:
                raise SystemExit(f"bench: no observability listener in the log\n{self.log()[-4000:]}")
            time.sleep(0.002)

    def ready(self) -> bool:
        status, _ = http_get(f"http://127.0.0.1:{self.listener_port()}/readyz", timeout=2)
        return status == 200

    def wait_ready(self, deadline: float = 60.0, interval: float = 0.005) -> float:
        """Polls /readyz until 200; returns the monotonic time it first answered 200."""
        end = time.monotonic() + deadline
        port = self.listener_port(deadline)
        while True:
            status, _ = http_get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            if status == 200:
                return time.monotonic()
            self._alive()
            if time.monotonic() > end:
                raise SystemExit(f"bench: /readyz not 200 within {deadline}s\n{self.log()[-4000:]}")
            time.sleep(interval)

    def metrics(self) -> str:
        return http_get(f"http://127.0.0.1:{self.listener_port()}/metrics")[1]

    def stop(self, deadline: float = 25.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(deadline)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def metric_value(text: str, name: str, labels: str = "") -> float | None:
    """A sample of a Prometheus text exposition, by name and (verbatim) label set."""
    rx = re.compile(rf"^{re.escape(name)}{re.escape(labels)}\s+(\S+)$", re.M) if labels else \
        re.compile(rf"^{re.escape(name)}(?:\{{[^}}]*\}})?\s+(\S+)$", re.M)
    m = rx.search(text)
    return float(m.group(1)) if m else None


def matrix_bot(workdir: Path, hs, account: dict, hosts: dict[str, str], users: dict,
               e2ee: bool = False, **more) -> BenchBot:
    """A BenchBot logged in to the homeserver `hs` as `account` (its access token in a 0600
    file), taking invites from anyone there; `users` and `more` as BenchBot takes them."""
    bot = BenchBot(workdir, hosts, users=users,
                   matrix={"homeserver": hs.url, "user_id": account["user_id"],
                           "allowed_inviters": [":localhost"], "e2ee": e2ee}, **more)
    bot.matrix["access_token_file"] = bot.secret("matrix-token", account["access_token"])
    return bot


@contextlib.contextmanager
def matrix_stack(name: str):
    """A work folder, a real Synapse in it, and the WAGMIOS simulator playing `nas` with its
    rate limit lifted: yields (folder, homeserver, simulator, an admin key for nas)."""
    synapse = matrix_modules()
    with Workdir(name) as tmp:
        hs = synapse.start_synapse(tmp / "synapse")
        try:
            with wc.Simulator(hosts=["nas"]) as wsim:
                yield tmp, hs, wsim, unlimited_key(wsim)
        finally:
            hs.stop()


class Workdir:
    """A temp dir kept when WAGBOT_BENCH_KEEP=1 (for looking at logs afterwards)."""

    def __init__(self, prefix: str):
        self.path = Path(tempfile.mkdtemp(prefix=f"wagbot-bench-{prefix}-"))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc):
        if os.environ.get("WAGBOT_BENCH_KEEP") == "1" or exc[0] is not None:
            print(f"(bench files kept in {self.path})", file=sys.stderr)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


# ---------------------------------------------------------------------------- profiling
# Shared by bench/matrix_profile.py and bench/discord_profile.py: the bot under a wrapper
# (valgrind, strace …), callgrind switched on only around the measured commands, perf attached
# to the running bot, and the bot's CPU over the measured commands.

def add_profile_args(ap, commands: int = 50, warmup: int = 5) -> None:
    ap.add_argument("--commands", type=int, default=commands)
    ap.add_argument("--warmup", type=int, default=warmup)
    ap.add_argument("--callgrind", metavar="OUT", help="run under callgrind; write its profile to OUT")
    ap.add_argument("--perf", metavar="OUT", help="perf record (cpu-clock, DWARF call graphs) the "
                    "measured commands into OUT")
    ap.add_argument("--wrap", default="", help="a command line to run the bot under (e.g. strace …)")


def profile_prefix(args) -> list[str]:
    """The command line to run the bot under, from --wrap and --callgrind."""
    prefix = shlex.split(args.wrap)
    if args.callgrind:
        prefix = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                  f"--callgrind-out-file={Path(args.callgrind).resolve()}"] + prefix
    return prefix


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


def stop_wrapped(bot: "BenchBot", deadline: float = 60.0) -> None:
    """Stops the bot; a wrapper such as strace may leave the bot running when it is stopped."""
    children = descendants(bot.pid) if bot.proc and bot.proc.poll() is None else []
    bot.stop(deadline=deadline)
    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def user_system(pid: int) -> tuple[float, float]:
    """utime and stime of the process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def callgrind_control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, stdout=subprocess.DEVNULL)


def callgrind_total(path: Path) -> int:
    text = Path(path).read_text(errors="replace")
    # "totals:" sums what was collected; "summary:" may be 0 with --instr-atstart=no.
    m = re.search(r"^totals:\s+(\d+)", text, re.M) or re.search(r"^summary:\s+(\d+)", text, re.M)
    return int(m.group(1)) if m else 0


class Measured:
    """`with Measured(pid, args) as m:` around the measured commands: callgrind's
    instrumentation on (--callgrind), perf attached (--perf); afterwards m.cpu, m.user, m.system
    are the bot's seconds over the block."""

    def __init__(self, pid: int, args):
        self.pid, self.args = pid, args
        self.perf: subprocess.Popen | None = None
        self.cpu = self.user = self.system = 0.0

    def __enter__(self) -> "Measured":
        if self.args.callgrind:
            callgrind_control("-i", "on", str(self.pid))
        if self.args.perf:
            self.perf = subprocess.Popen(
                ["perf", "record", "-q", "-e", "cpu-clock", "-F", "10000",
                 "--call-graph", "dwarf,16384", "-p", str(self.pid), "-o", self.args.perf],
                stdout=subprocess.DEVNULL)
            time.sleep(1.0)
        self._cpu0, self._split0 = cpu_seconds(self.pid), user_system(self.pid)
        return self

    def __exit__(self, *exc) -> None:
        self.cpu = cpu_seconds(self.pid) - self._cpu0
        self.user, self.system = (b - a for a, b in zip(self._split0, user_system(self.pid)))
        if self.args.callgrind:
            callgrind_control("-i", "off", str(self.pid))
        if self.perf is not None:
            self.perf.send_signal(signal.SIGINT)
            self.perf.wait(60)


def profile_report(args, what: str, m: Measured, rtts: list[float], wrapped: bool) -> None:
    """Prints µs CPU per command (user + system), the round trips and, with --callgrind, the
    instructions per command."""
    r = summary(rtts)
    n = args.commands
    print(f"{n} × {what}: {m.cpu / n * 1e6:.0f} µs CPU/command "
          f"({m.user / n * 1e6:.0f} user + {m.system / n * 1e6:.0f} system), "
          f"round trip p50 {r['p50']:.1f} ms p90 {r['p90']:.1f} ms p99 {r['p99']:.1f} ms"
          + (" (under a profiler: times inflated)" if wrapped else ""))
    if args.callgrind:
        total = callgrind_total(Path(args.callgrind))
        print(f"callgrind: {total:,} instructions in all, {total / n:,.0f} per command")


def fmt_ms(v: float) -> str:
    return "n/a" if v != v else (f"{v:.3f}" if v < 10 else f"{v:.1f}")
