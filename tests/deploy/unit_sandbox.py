#!/usr/bin/env python3
"""Start a unit's ExecStart the way systemd would set up its [Service], as far as a machine
without systemd as PID 1 allows. Needs root; it ends by exec'ing the service's command, so
the caller's child process *is* the service (signals, exit code).

    unit_sandbox.py --unit wagbot.service --state-base DIR [--uid N] [--plan]
                    [--strict-syscalls] [-- ARGV...]

--state-base stands for /var/lib (StateDirectory=); paths inside the unit (ExecStart,
EnvironmentFile, the config) are used as written, so a test rewrites them in its copy.
`-- ARGV` replaces ExecStart (to run, say, `wagbot health` in the same sandbox).
--plan prints, as JSON, what is emulated and what is not, then exits.
--strict-syscalls makes a system call outside SystemCallFilter kill the process (SIGSYS)
instead of failing with SystemCallErrorNumber, so a test sees every attempt.

Emulated (each from the unit's own settings, never assumed):
  DynamicUser/User/Group, UMask, Environment/EnvironmentFile, StateDirectory(+Mode),
  ConfigurationDirectory, WorkingDirectory, LimitNOFILE, NoNewPrivileges,
  CapabilityBoundingSet, AmbientCapabilities, ProtectSystem, ReadWritePaths, ProtectHome,
  PrivateTmp, PrivateDevices, ProtectProc, ProcSubset, ProtectKernelTunables,
  ProtectControlGroups, ProtectKernelLogs, ProtectHostname, PrivateMounts,
  MemoryDenyWriteExecute (prctl PR_SET_MDWE), SystemCallFilter, SystemCallErrorNumber,
  SystemCallArchitectures=native, RestrictAddressFamilies, RestrictNamespaces,
  LockPersonality (the last five with seccomp through libseccomp).
Everything else in [Service] is reported under "not_emulated" by --plan.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import pwd
import random
import resource
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

# ------------------------------------------------------------------------------ unit file


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """Sections -> [(key, value)] in order (keys repeat: systemd merges them)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections.setdefault(current, [])
            continue
        key, _, value = line.partition("=")
        sections.setdefault(current or "", []).append((key.strip(), value.strip()))
    return sections


def yes(value: str | None) -> bool:
    return (value or "").lower() in ("1", "yes", "true", "on")


class Service:
    """The [Service] section with systemd's merging rules for the keys used here."""

    def __init__(self, entries: list[tuple[str, str]]):
        self.entries = entries

    def last(self, key: str, default: str | None = None) -> str | None:
        value = default
        for k, v in self.entries:
            if k == key:
                value = v
        return value

    def all(self, key: str) -> list[str]:
        """List-valued keys: an empty assignment resets the list."""
        out: list[str] = []
        for k, v in self.entries:
            if k == key:
                out = [] if v == "" else out + [v]
        return out

    def keys(self) -> set[str]:
        return {k for k, _ in self.entries}


# ------------------------------------------------------------------------------ syscalls


def syscall_groups() -> dict[str, list[str]]:
    """systemd's own @group table, from `systemd-analyze syscall-filter`."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], check=True,
                         capture_output=True, text=True).stdout
    groups: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        if not line.startswith((" ", "\t")):
            current = line.strip()
            groups[current] = []
        elif current:
            groups[current].append(line.strip())
    return groups


def expand(names: list[str], groups: dict[str, list[str]]) -> set[str]:
    out: set[str] = set()
    for name in names:
        if name.startswith("@"):
            if name not in groups:
                raise SystemExit(f"unit_sandbox: unknown syscall group {name}")
            out |= expand(groups[name], groups)
        else:
            out.add(name)
    return out


def syscall_allow_list(svc: Service) -> set[str] | None:
    """None when the unit sets no allow list. Follows systemd: the first assignment decides
    allow-list (no ~) or deny-list (~); later ~ assignments remove from an allow list."""
    lines = svc.all("SystemCallFilter")
    if not lines:
        return None
    if lines[0].startswith("~"):
        raise SystemExit("unit_sandbox: a deny-list SystemCallFilter is not emulated")
    groups = syscall_groups()
    allowed: set[str] = set()
    for line in lines:
        if line.startswith("~"):
            allowed -= expand(line[1:].split(), groups)
        else:
            allowed |= expand(line.split(), groups)
    # systemd always lets these through (man systemd.exec, SystemCallFilter=).
    allowed |= {"execve", "exit", "exit_group", "getrlimit", "rt_sigreturn", "sigreturn"}
    return allowed


SCMP_ACT_KILL_PROCESS = 0x80000000
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_EQ = 4
SCMP_CMP_MASKED_EQ = 7


def SCMP_ACT_ERRNO(n: int) -> int:
    return 0x00050000 | (n & 0xFFFF)


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


ADDRESS_FAMILIES = {"AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16,
                    "AF_PACKET": 17}
AF_MAX = 46
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
PERSONALITY_OK = (0x0, 0xFFFFFFFF)  # PER_LINUX, and the query


def build_seccomp(svc: Service, strict: bool, plan: dict):
    """A loaded-later libseccomp context, or None when the unit asks for no filtering."""
    allowed = syscall_allow_list(svc)
    families = svc.last("RestrictAddressFamilies")
    restrict_ns = svc.last("RestrictNamespaces")
    lock_personality = yes(svc.last("LockPersonality"))
    if allowed is None and not families and not yes(restrict_ns) and not lock_personality:
        return None
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]

    err = svc.last("SystemCallErrorNumber")
    deny = SCMP_ACT_ERRNO(getattr(errno, err)) if err and not strict else SCMP_ACT_KILL_PROCESS
    if allowed is None:
        default, allowed = SCMP_ACT_ALLOW, set()
        everything = True
    else:
        default, everything = deny, False
    ctx = lib.seccomp_init(default)
    if not ctx:
        raise SystemExit("unit_sandbox: seccomp_init failed")

    def nr(name: str) -> int:
        return lib.seccomp_syscall_resolve_name(name.encode())

    def rule(action: int, name: str, *cmps: tuple[int, int, int, int]):
        n = nr(name)
        if n < 0 or action == default:
            return  # unknown on this architecture, or what the default does anyway
        arr = (ArgCmp * max(1, len(cmps)))(*[ArgCmp(*c) for c in cmps])
        rc = lib.seccomp_rule_add_array(ctx, action, n, len(cmps), arr)
        if rc < 0:
            raise SystemExit(f"unit_sandbox: seccomp rule for {name} failed ({rc})")

    conditional: set[str] = set()
    if families:
        names = families.split()
        if names[0].startswith("~"):
            raise SystemExit("unit_sandbox: a deny-list RestrictAddressFamilies is not emulated")
        ok = {ADDRESS_FAMILIES[n] for n in names}
        conditional.add("socket")
        if everything or "socket" in allowed:
            for fam in range(AF_MAX):
                action = SCMP_ACT_ALLOW if fam in ok else SCMP_ACT_ERRNO(errno.EAFNOSUPPORT)
                rule(action, "socket", (0, SCMP_CMP_EQ, fam, 0))
        plan["emulated"].append("RestrictAddressFamilies")
    if yes(restrict_ns):
        conditional |= {"unshare", "setns", "clone", "clone3"}
        rule(SCMP_ACT_ERRNO(errno.EPERM), "unshare")
        rule(SCMP_ACT_ERRNO(errno.EPERM), "setns")
        # glibc falls back from clone3 (flags in a struct seccomp cannot read) to clone.
        rule(SCMP_ACT_ERRNO(errno.ENOSYS), "clone3")
        if everything or "clone" in allowed:
            rule(SCMP_ACT_ALLOW, "clone", (0, SCMP_CMP_MASKED_EQ, CLONE_NAMESPACES, 0))
            rule(SCMP_ACT_ERRNO(errno.EPERM), "clone", (0, SCMP_CMP_MASKED_EQ, CLONE_NAMESPACES, CLONE_NAMESPACES))
        plan["emulated"].append("RestrictNamespaces")
    if lock_personality:
        conditional.add("personality")
        if everything or "personality" in allowed:
            for p in PERSONALITY_OK:
                rule(SCMP_ACT_ALLOW, "personality", (0, SCMP_CMP_EQ, p, 0))
        plan["emulated"].append("LockPersonality")
    for name in sorted(allowed - conditional):
        rule(SCMP_ACT_ALLOW, name)
    if not everything:
        plan["emulated"] += ["SystemCallFilter", "SystemCallErrorNumber", "SystemCallArchitectures"]
        plan["syscalls_allowed"] = len(allowed)
    plan["syscall_violation"] = "SIGSYS" if deny == SCMP_ACT_KILL_PROCESS else err
    return lib, ctx


# ------------------------------------------------------------------------------ mounts

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUTS = 0x00020000, 0x04000000
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 24, 38, 65, 1
API_FS = ("/proc", "/sys", "/dev")
# What set_up_mounts acts on (a private mount namespace is PrivateMounts= itself).
MOUNT_KEYS = ("PrivateMounts", "ProtectHostname", "ProtectProc", "ProcSubset", "PrivateDevices",
              "ProtectSystem", "ReadWritePaths", "ProtectHome", "PrivateTmp",
              "ProtectKernelTunables", "ProtectControlGroups", "ProtectKernelLogs")


def sh(*args: str):
    subprocess.run(args, check=True)


def mounts() -> list[tuple[str, list[str]]]:
    """(mount point, per-mount options) from /proc/self/mountinfo, parents first."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point = fields[4].encode().decode("unicode_escape")
        out.append((point, fields[5].split(",")))
    return out


def under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def remount_ro(points, exact: bool = False):
    """Read-only: these mount points (exact) or these and every mount below them."""
    done = set()
    for point, opts in mounts():
        hit = point in points if exact else under(point, points)
        if hit and "ro" not in opts and point not in done and os.path.exists(point):
            sh("mount", "-o", "remount,bind,ro", point)
            done.add(point)


def mask_dir(path: str):
    if os.path.isdir(path):
        sh("mount", "-t", "tmpfs", "-o", "ro,mode=000,nosuid,nodev,noexec,size=4k", "tmpfs", path)


def private_dev(scratch: str):
    dev = tempfile.mkdtemp(prefix="dev.", dir=scratch)
    sh("mount", "-t", "tmpfs", "-o", "mode=755,nosuid,noexec,size=4m", "tmpfs", dev)
    for node in ("null", "zero", "full", "random", "urandom", "tty"):
        if os.path.exists(f"/dev/{node}"):
            Path(f"{dev}/{node}").touch()
            sh("mount", "--bind", f"/dev/{node}", f"{dev}/{node}")
    for d in ("shm", "pts", "mqueue"):
        os.mkdir(f"{dev}/{d}")
    os.chmod(f"{dev}/shm", 0o1777)
    sh("mount", "-t", "tmpfs", "-o", "mode=1777,nosuid,nodev,noexec", "tmpfs", f"{dev}/shm")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    sh("mount", "--move", dev, "/dev")


def set_up_mounts(svc: Service, state_dirs: list[str], scratch: str):
    if libc.unshare(CLONE_NEWNS | (CLONE_NEWUTS if yes(svc.last("ProtectHostname")) else 0)) != 0:
        raise SystemExit(f"unit_sandbox: unshare: {os.strerror(ctypes.get_errno())}")
    sh("mount", "--make-rprivate", "/")

    protect_proc, proc_subset = svc.last("ProtectProc"), svc.last("ProcSubset")
    if protect_proc not in (None, "default") or proc_subset == "pid":
        opts = ["nosuid", "nodev", "noexec"]
        if protect_proc not in (None, "default"):
            opts.append(f"hidepid={protect_proc}")
        if proc_subset == "pid":
            opts.append("subset=pid")
        sh("mount", "-t", "proc", "-o", ",".join(opts), "proc", "/proc")

    if yes(svc.last("PrivateDevices")):
        private_dev(scratch)

    writable = list(state_dirs) + [p.lstrip("-") for p in " ".join(svc.all("ReadWritePaths")).split()]
    protect = svc.last("ProtectSystem", "no")
    if yes(protect) or protect in ("full", "strict"):
        for path in writable:  # own mounts, so they can stay writable
            sh("mount", "--bind", path, path)
        if protect == "strict":
            ro = [p for p, _ in mounts() if not under(p, API_FS) and p not in writable]
            remount_ro(ro, exact=True)
        else:
            ro = ["/usr", "/boot", "/efi"] + (["/etc"] if protect == "full" else [])
            for p in ro:
                if os.path.isdir(p) and p not in [m for m, _ in mounts()]:
                    sh("mount", "--bind", p, p)
            remount_ro(ro)

    home = svc.last("ProtectHome", "no")
    if yes(home) or home == "tmpfs":
        for p in ("/home", "/root", "/run/user"):
            mask_dir(p)
    elif home == "read-only":
        for p in ("/home", "/root", "/run/user"):
            if os.path.isdir(p):
                sh("mount", "--bind", p, p)
        remount_ro(["/home", "/root", "/run/user"])

    if yes(svc.last("PrivateTmp")) or yes(svc.last("DynamicUser")):
        for p in ("/tmp", "/var/tmp"):
            sh("mount", "-t", "tmpfs", "-o", "mode=1777,nosuid,nodev,size=64m", "tmpfs", p)

    if yes(svc.last("ProtectKernelTunables")) and proc_subset != "pid":
        sh("mount", "--bind", "/proc/sys", "/proc/sys")
        remount_ro(["/proc/sys"])
    if yes(svc.last("ProtectKernelTunables")) or yes(svc.last("ProtectControlGroups")):
        for p in ("/sys",):
            if p not in [m for m, _ in mounts()]:
                sh("mount", "--bind", p, p)
        remount_ro(["/sys"])
    if yes(svc.last("ProtectKernelLogs")):
        if os.path.exists("/proc/kmsg") and proc_subset != "pid":
            sh("mount", "--bind", "/dev/null", "/proc/kmsg")


# ------------------------------------------------------------------------------ identity


def pick_dynamic_uid() -> int:
    used = {p.pw_uid for p in pwd.getpwall()}
    while True:
        uid = random.randint(61184, 65519)  # systemd's DynamicUser= range
        if uid not in used:
            return uid


def read_env_file(path: str) -> dict[str, str]:
    optional = path.startswith("-")
    path = path.lstrip("-")
    if not os.path.exists(path):
        if optional:
            return {}
        raise SystemExit(f"unit_sandbox: EnvironmentFile {path} is missing")
    env = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        k, _, v = line.partition("=")
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        env[k.strip()] = v
    return env


def main(argv: list[str]) -> int:
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--unit", required=True)
    ap.add_argument("--state-base", required=True, help="stands for /var/lib")
    ap.add_argument("--uid", type=int, help="the DynamicUser uid (default: a free one)")
    ap.add_argument("--plan", action="store_true")
    ap.add_argument("--strict-syscalls", action="store_true")
    ap.add_argument("command", nargs="*")
    args = ap.parse_args(argv)

    svc = Service(parse_unit(Path(args.unit).read_text()).get("Service", []))
    plan: dict = {"emulated": [], "not_emulated": []}
    command = args.command or shlex.split(svc.last("ExecStart") or "")
    if not command:
        raise SystemExit("unit_sandbox: no ExecStart")

    # Identity.
    if yes(svc.last("DynamicUser")):
        uid = args.uid or pick_dynamic_uid()
        gid = uid
        user = svc.last("User") or Path(args.unit).stem
        plan["emulated"].append("DynamicUser")
    elif svc.last("User"):
        entry = svc.last("User")
        pw = pwd.getpwuid(int(entry)) if entry.isdigit() else pwd.getpwnam(entry)
        uid, gid, user = pw.pw_uid, pw.pw_gid, pw.pw_name
        plan["emulated"].append("User")
    else:
        uid = gid = 0
        user = "root"
    if svc.last("Group"):
        g = svc.last("Group")
        gid = int(g) if g.isdigit() else __import__("grp").getgrnam(g).gr_gid
        plan["emulated"].append("Group")
    plan["uid"], plan["gid"] = uid, gid

    # Environment: systemd starts services with a clean one.
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "USER": user, "LOGNAME": user, "HOME": "/", "SHELL": "/usr/sbin/nologin",
           "INVOCATION_ID": os.urandom(16).hex()}
    for line in svc.all("Environment"):
        for item in shlex.split(line):
            k, _, v = item.partition("=")
            env[k] = v
    for f in svc.all("EnvironmentFile"):
        env.update(read_env_file(f))
    plan["emulated"] += [k for k in ("Environment", "EnvironmentFile") if k in svc.keys()]

    state_dirs = []
    for name in " ".join(svc.all("StateDirectory")).split():
        path = os.path.join(args.state_base, name)
        state_dirs.append(path)
    if state_dirs:
        env["STATE_DIRECTORY"] = ":".join(state_dirs)
        plan["emulated"] += ["StateDirectory", "StateDirectoryMode"]
    if svc.all("ConfigurationDirectory"):
        env["CONFIGURATION_DIRECTORY"] = ":".join(
            "/etc/" + n for n in " ".join(svc.all("ConfigurationDirectory")).split())
        plan["emulated"].append("ConfigurationDirectory")

    umask = int(svc.last("UMask", "0022"), 8)
    limit = svc.last("LimitNOFILE")
    for key in ("UMask", "LimitNOFILE", "WorkingDirectory", "NoNewPrivileges", "CapabilityBoundingSet",
                "AmbientCapabilities", "MemoryDenyWriteExecute"):
        if key in svc.keys():
            plan["emulated"].append(key)

    # What the seccomp part covers is known before anything is changed.
    seccomp = build_seccomp(svc, args.strict_syscalls, plan)
    plan["emulated"] += [k for k in MOUNT_KEYS if k in svc.keys()]
    allowed = syscall_allow_list(svc)
    # These two are syscall rules in systemd; the allow list covers them when it lacks the calls.
    if allowed is not None and "ProtectClock" in svc.keys() and not allowed & {"clock_settime", "settimeofday", "adjtimex", "clock_adjtime"}:
        plan["emulated"].append("ProtectClock")
    if allowed is not None and "RestrictRealtime" in svc.keys() and not allowed & {"sched_setscheduler", "sched_setattr"}:
        plan["emulated"].append("RestrictRealtime")
    handled_elsewhere = {"ExecStart", "Type", "Restart", "RestartSec", "RestartPreventExitStatus",
                         "KillSignal", "TimeoutStopSec", "LoadCredential"}
    plan["not_emulated"] = sorted(svc.keys() - set(plan["emulated"]) - handled_elsewhere)
    plan["left_to_the_caller"] = sorted(svc.keys() & handled_elsewhere)
    plan["command"] = command
    if args.plan:
        print(json.dumps(plan, indent=1))
        return 0
    if os.geteuid() != 0:
        raise SystemExit("unit_sandbox: needs root")

    for path in state_dirs:
        os.makedirs(path, exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, int(svc.last("StateDirectoryMode", "0755"), 8))

    scratch = tempfile.mkdtemp(prefix="unit-sandbox.")
    set_up_mounts(svc, state_dirs, scratch)

    if limit:
        n = resource.RLIM_INFINITY if limit == "infinity" else int(limit.split(":")[-1])
        soft = resource.RLIM_INFINITY if limit == "infinity" else int(limit.split(":")[0])
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, n))

    # Capabilities: an empty CapabilityBoundingSet= drops them all from the bounding set.
    bounding = svc.last("CapabilityBoundingSet")
    if bounding is not None:
        if bounding.strip():
            raise SystemExit("unit_sandbox: only an empty CapabilityBoundingSet= is emulated")
        last_cap = int(Path("/proc/sys/kernel/cap_last_cap").read_text()) if Path(
            "/proc/sys/kernel/cap_last_cap").exists() else 40
        for cap in range(last_cap + 1):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    if svc.last("AmbientCapabilities"):
        raise SystemExit("unit_sandbox: AmbientCapabilities with capabilities is not emulated")

    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    os.umask(umask)
    os.chdir(svc.last("WorkingDirectory") or "/")

    # NoNewPrivileges is implied by DynamicUser=, SystemCallFilter= and friends (systemd.exec).
    if yes(svc.last("NoNewPrivileges")) or seccomp or yes(svc.last("DynamicUser")) or yes(
            svc.last("MemoryDenyWriteExecute")):
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise SystemExit("unit_sandbox: PR_SET_NO_NEW_PRIVS failed")
    if yes(svc.last("MemoryDenyWriteExecute")):
        if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
            raise SystemExit(f"unit_sandbox: PR_SET_MDWE: {os.strerror(ctypes.get_errno())}")
    sys.stdout.flush()
    sys.stderr.flush()
    if seccomp:
        lib, ctx = seccomp
        rc = lib.seccomp_load(ctx)
        if rc < 0:
            os.write(2, f"unit_sandbox: seccomp_load failed ({rc})\n".encode())
            os._exit(126)
    os.execve(command[0], command, env)
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
