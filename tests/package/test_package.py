"""The release tarball (scripts/package), as someone who does not compile gets it: unpacked
into a clean folder and run from there.

- What is in it: exactly the expected files, root-owned, sane modes, nothing outside its folder.
- The binary: stripped, Matrix encryption linked in, loads nothing but glibc, needs no glibc
  newer than Debian 12's 2.36 (objdump -T), and answers `version` and `check-config` (the
  example config honestly names the secrets it wants; with them set, and a minimal config,
  it passes; a broken one is refused with exit 2) with an empty environment.
- scripts/package itself (--no-build, on a build folder made here): packs that binary, and
  refuses one needing a newer glibc, one loading OpenSSL from the system, a non-static build.
- The same binary in fresh Debian 12 and Ubuntu 24.04 userlands (debootstrap --variant=minbase,
  kept in $WAGBOT_DISTRO_ROOTS, default /var/cache/wagbot-roots, made on first use; root only):
  version, check-config, and the terminal shell answering `help` with its store made.

The tarball is $WAGBOT_PACKAGE, or else the newest dist/wagbot-<version>-linux-<arch>.tar.gz
for this checkout's version; when there is none, scripts/package makes one (about 10 minutes).
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
VERSION = re.search(r"^project\(wagbot VERSION ([0-9.]+)", (REPO / "CMakeLists.txt").read_text(),
                    re.M).group(1)
ARCH = platform.machine()
NAME = f"wagbot-{VERSION}"
# Debian 12's glibc: the oldest the tarball promises (Ubuntu 24.04 has 2.39).
GLIBC_MAX = (2, 36)
# glibc's own libraries (libc6): every Debian and Ubuntu has them. Since glibc 2.34
# libpthread, libdl, librt and libutil are empty stubs, still allowed should a link name them.
GLIBC_LIBS = re.compile(r"(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|"
                        r"libutil\.so\.1|libresolv\.so\.2|ld-linux[-a-z0-9_]*\.so\.\d+|linux-vdso\.so\.1)")
MONITOR_KEY = "wag_live_" + "M0n1t0r" * 6 + "xy"
ROOTS = Path(os.environ.get("WAGBOT_DISTRO_ROOTS") or "/var/cache/wagbot-roots")
# name -> (debootstrap suite, mirror, script, extra options, what /etc/os-release must say)
DISTROS = {
    "debian12": ("bookworm", "http://deb.debian.org/debian", None, [], 'VERSION_ID="12"'),
    # Debian 12's debootstrap has no script named noble; gutsy is the one every Ubuntu release
    # links to. Debian has no Ubuntu archive keyring: a throw-away test root, so unchecked.
    "ubuntu2404": ("noble", "http://archive.ubuntu.com/ubuntu", "/usr/share/debootstrap/scripts/gutsy",
                   ["--no-check-gpg"], 'VERSION_ID="24.04"'),
}


def expected_members() -> dict[str, int]:
    """Path in the tarball -> mode (directories end with /)."""
    files = {"bin/": 0o755, "bin/wagbot": 0o755, "wagbot.example.yaml": 0o644,
             "wagbot.service": 0o644, "README.md": 0o644, "INSTALL.txt": 0o644}
    if (REPO / "LICENSE").exists():
        files["LICENSE"] = 0o644
    return {f"{NAME}/": 0o755, **{f"{NAME}/{p}": m for p, m in files.items()}}


def clean_env(**extra: str) -> dict[str, str]:
    """What a fresh login has: no secrets, no WAGBOT_* of this machine."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", **extra}


def run(argv, cwd, env=None, timeout=30):
    return subprocess.run(argv, cwd=cwd, env=env if env is not None else clean_env(),
                          capture_output=True, text=True, timeout=timeout)


def secrets_of(config: Path) -> list[str]:
    """The environment variables a config's *_env keys name (commented-out ones do not count)."""
    names = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str) and k.endswith("_env") and isinstance(v, str):
                    names.append(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(yaml.safe_load(config.read_text()))
    return names


def fake_secret(name: str) -> str:
    return MONITOR_KEY if name.endswith("_KEY") else f"fake-{name.lower()}"


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def tarball() -> Path:
    given = os.environ.get("WAGBOT_PACKAGE")
    if given:
        path = Path(given)
        assert path.is_file(), f"WAGBOT_PACKAGE={given}: no such file"
        return path
    pattern = f"{NAME}-linux-{ARCH}.tar.gz"
    dist = REPO / "dist"
    found = sorted(dist.glob(pattern), key=lambda p: p.stat().st_mtime)
    if not found:
        r = subprocess.run([str(REPO / "scripts" / "package")], cwd=REPO, capture_output=True,
                           text=True, timeout=3600)
        assert r.returncode == 0, f"scripts/package failed\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
        found = sorted(dist.glob(pattern), key=lambda p: p.stat().st_mtime)
    assert found, f"scripts/package made no dist/{pattern}"
    return found[-1]


@pytest.fixture(scope="session")
def unpacked(tarball, tmp_path_factory) -> Path:
    """The tarball unpacked with tar, as a user would, into an empty folder."""
    where = tmp_path_factory.mktemp("unpacked")
    assert list(where.iterdir()) == []
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(where)], check=True, timeout=60)
    assert [p.name for p in where.iterdir()] == [NAME], list(where.iterdir())
    return where / NAME


# ---------------------------------------------------------------------------- the tarball


def test_tarball_is_named_for_this_version_and_machine(tarball):
    assert tarball.name == f"{NAME}-linux-{ARCH}.tar.gz", tarball.name


def test_tarball_holds_exactly_the_expected_files(tarball):
    want = expected_members()
    got = {}
    with tarfile.open(tarball) as tar:
        for m in tar.getmembers():
            name = m.name + ("/" if m.isdir() else "")
            assert not m.name.startswith("/") and ".." not in m.name.split("/"), m.name
            assert m.isdir() or m.isfile(), f"{m.name}: not a plain file or folder (link, device)"
            assert (m.uid, m.gid) == (0, 0), f"{m.name}: owned by {m.uid}:{m.gid}, not root"
            got[name] = stat.S_IMODE(m.mode)
    assert set(got) == set(want), (f"missing {sorted(set(want) - set(got))}, "
                                   f"unexpected {sorted(set(got) - set(want))}")
    wrong = {n: oct(m) for n, m in got.items() if m != want[n]}
    assert not wrong, f"modes differ from {dict((n, oct(m)) for n, m in want.items())}: {wrong}"


def test_shipped_files_are_the_repository_ones(unpacked):
    """A tarball made before these files changed is stale: scripts/package again."""
    assert (unpacked / "wagbot.service").read_text() == (REPO / "deploy/wagbot.service").read_text()
    assert (unpacked / "wagbot.example.yaml").read_text() == \
        (REPO / "config/wagbot.example.yaml").read_text()
    assert (unpacked / "README.md").read_text().startswith("# wagbot\n")


def test_install_text_names_what_is_shipped(unpacked):
    text = (unpacked / "INSTALL.txt").read_text()
    assert text.startswith(f"wagbot {VERSION}, prebuilt for Linux {ARCH}")
    assert "glibc 2.36" in text and "Debian 12" in text and "Ubuntu 24.04" in text
    # Every file an install line copies from this folder is in it.
    for src in re.findall(r"^\s*install (?:-D )?-m \d+ (\S+) ", text, re.M):
        if src != "/dev/null":
            assert (unpacked / src).is_file(), f"INSTALL.txt installs {src}, which is not shipped"
    assert "check-config" in text and "ca-certificates" in text


# ---------------------------------------------------------------------------- the binary


def test_binary_loads_only_glibc(unpacked):
    binary = unpacked / "bin" / "wagbot"
    dyn = subprocess.run(["objdump", "-p", str(binary)], capture_output=True, text=True,
                         check=True).stdout
    needed = re.findall(r"^\s*NEEDED\s+(\S+)", dyn, re.M)
    assert needed and all(GLIBC_LIBS.fullmatch(n) for n in needed), needed
    ldd = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    loaded = [Path(line.split()[0]).name for line in ldd.splitlines() if line.strip()]
    assert "not found" not in ldd, ldd
    others = [n for n in loaded if not GLIBC_LIBS.fullmatch(n)]
    assert not others, f"shared libraries besides glibc: {others}\n{ldd}"


def test_binary_needs_no_glibc_newer_than_debian_12(unpacked):
    symbols = subprocess.run(["objdump", "-T", str(unpacked / "bin" / "wagbot")],
                             capture_output=True, text=True, check=True).stdout
    versions = {tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", symbols)}
    assert versions, "no GLIBC_ symbol versions: not a glibc binary?"
    newest = max(versions)
    assert newest <= GLIBC_MAX, f"needs glibc {'.'.join(map(str, newest))} > 2.36 (Debian 12)"


def test_binary_is_stripped_and_has_encryption(unpacked):
    binary = unpacked / "bin" / "wagbot"
    sections = subprocess.run(["objdump", "-h", str(binary)], capture_output=True, text=True,
                              check=True).stdout
    assert ".symtab" not in sections and ".debug_info" not in sections, "not stripped"
    # crypto/ (matrix-sdk-crypto) linked in: WAGBOT_E2EE is on in the release build.
    assert b"matrix_sdk_crypto" in binary.read_bytes()


def test_version(unpacked):
    r = run(["bin/wagbot", "version"], unpacked)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"wagbot {VERSION}\n"


def test_example_config_names_the_secrets_it_wants(unpacked):
    example = unpacked / "wagbot.example.yaml"
    wanted = secrets_of(example)
    assert wanted, "the example config names no secret: update this test"
    r = run(["bin/wagbot", "check-config", example.name], unpacked)
    assert r.returncode == 2, r.stdout + r.stderr
    for name in wanted:
        assert f"environment variable {name} is not set" in r.stderr, r.stderr
    assert f"{len(wanted)} problems" in r.stderr, r.stderr

    r = run(["bin/wagbot", "check-config", example.name], unpacked,
            env=clean_env(**{n: fake_secret(n) for n in wanted}))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("config ok: 2 host(s), 2 user(s)"), r.stdout


def test_minimal_config_passes_and_a_broken_one_is_refused(unpacked, tmp_path):
    good = tmp_path / "wagbot.yaml"
    good.write_text(yaml.safe_dump({
        "data_dir": "./data",
        "hosts": [{"alias": "nas", "url": "http://127.0.0.1:5179", "monitor_key_env": "NAS_KEY"}],
        "users": [{"name": "alice", "shell": "alice"}],
    }))
    r = run([str(unpacked / "bin/wagbot"), "check-config", str(good)], tmp_path,
            env=clean_env(NAS_KEY=MONITOR_KEY))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == f"config ok: 1 host(s), 1 user(s), data in {tmp_path}/./data\n", r.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("data_dir: ./data\nmatrix: {homeserver: 12}\n")
    r = run([str(unpacked / "bin/wagbot"), "check-config", str(bad)], tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "config error" in r.stderr, r.stderr


# ---------------------------------------------------------------------------- fresh userlands


def distro_root(name: str) -> Path:
    """A minbase userland of `name`, made once with debootstrap and kept."""
    root = ROOTS / name
    if (root / "etc" / "os-release").exists():
        return root
    if os.geteuid() != 0:
        pytest.skip(f"no {root}, and making one (debootstrap, chroot) needs root")
    if not shutil.which("debootstrap"):
        pytest.skip(f"no {root}, and no debootstrap to make one (apt-get install debootstrap)")
    suite, mirror, script, options, _ = DISTROS[name]
    work = ROOTS / f"{name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    ROOTS.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["debootstrap", "--variant=minbase", *options, suite, str(work), mirror,
                        *([script] if script else [])], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        # The mirror is out of reach: the environment's fault, not the tarball's.
        pytest.skip(f"debootstrap {suite} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    work.rename(root)
    return root


@pytest.mark.parametrize("name", sorted(DISTROS))
def test_runs_in_a_fresh_userland(name, unpacked, tmp_path):
    """bin/wagbot under chroot into a minbase Debian 12 / Ubuntu 24.04: its glibc, nothing else
    installed. The root stays untouched: the unpacked folder is bind-mounted on its /mnt in a
    mount namespace of its own."""
    root = distro_root(name)
    assert DISTROS[name][4] in (root / "etc" / "os-release").read_text()
    work = tmp_path / "pkg"
    shutil.copytree(unpacked, work, symlinks=True)
    example = work / "wagbot.example.yaml"
    secrets = {n: fake_secret(n) for n in secrets_of(example)}

    def in_root(*argv, env=None, stdin=None):
        script = 'mount --make-rprivate / && mount --bind "$1" "$2/mnt" && shift 2 && exec chroot "$@"'
        envs = [f"{k}={v}" for k, v in (env or {}).items()]
        return subprocess.run(["unshare", "--mount", "--", "sh", "-c", script, "sh", str(work), str(root),
                               str(root), "/usr/bin/env", "-i", "PATH=/usr/bin:/bin", *envs, *argv],
                              input=stdin, capture_output=True, text=True, timeout=60)

    r = in_root("/usr/bin/ldd", "--version")
    assert r.returncode == 0, r.stderr
    print(name, r.stdout.splitlines()[0])
    r = in_root("/mnt/bin/wagbot", "version")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == f"wagbot {VERSION}\n"
    r = in_root("/mnt/bin/wagbot", "check-config", "/mnt/wagbot.example.yaml")
    assert r.returncode == 2 and "is not set" in r.stderr, r.stdout + r.stderr
    r = in_root("/mnt/bin/wagbot", "check-config", "/mnt/wagbot.example.yaml", env=secrets)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("config ok: 2 host(s), 2 user(s), data in /mnt/./data"), r.stdout
    # The terminal shell: the config read (yaml-cpp), the store made (SQLite, the master key
    # from OpenSSL's random source), an answer printed; all linked in, on this glibc.
    (work / "shell.yaml").write_text(yaml.safe_dump({
        "data_dir": "./state", "hosts": [{"alias": "nas", "url": "http://127.0.0.1:9"}],
        "users": [{"name": "alice", "shell": "alice"}]}))
    r = in_root("/mnt/bin/wagbot", "shell", "-c", "/mnt/shell.yaml", "--as", "alice", stdin="help\n")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "List commands" in r.stdout, r.stdout
    assert {p.name for p in (work / "state").iterdir()} >= {"wagbot.db", "master.key"}
    assert stat.S_IMODE((work / "state" / "master.key").stat().st_mode) == 0o600


# ---------------------------------------------------------------------------- the script's guards


def package(build_dir: Path, dist: Path, **env: str):
    """scripts/package --no-build on a build folder of this test's making."""
    return subprocess.run([str(REPO / "scripts" / "package"), "--no-build"], cwd=REPO,
                          env={**os.environ, "WAGBOT_BUILD_DIR": str(build_dir),
                               "WAGBOT_DIST_DIR": str(dist), **env},
                          capture_output=True, text=True, timeout=120)


def fake_build(where: Path, binary: Path, static: bool = True) -> Path:
    where.mkdir()
    (where / "CMakeCache.txt").write_text(f"WAGBOT_STATIC:BOOL={'ON' if static else 'OFF'}\n")
    shutil.copy2(binary, where / "wagbot")
    return where


def test_script_packs_a_good_binary_and_refuses_bad_ones(unpacked, tmp_path):
    good = fake_build(tmp_path / "good", unpacked / "bin" / "wagbot")
    dist = tmp_path / "dist"
    r = package(good, dist)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [p.name for p in dist.iterdir()] == [f"{NAME}-linux-{ARCH}.tar.gz"]
    assert re.search(r"sha256  [0-9a-f]{64}$", r.stdout, re.M), r.stdout
    made = dist / f"{NAME}-linux-{ARCH}.tar.gz"
    with tarfile.open(made) as tar:
        assert {m.name + ("/" if m.isdir() else "") for m in tar.getmembers()} == set(expected_members())

    def refused(build_dir: Path, why: str, **env: str):
        out = tmp_path / f"dist-{build_dir.name}-{len(env)}"
        r = package(build_dir, out, **env)
        assert r.returncode != 0 and why in r.stderr, r.stdout + r.stderr
        assert not out.exists() or not list(out.iterdir()), "a refused binary was packed"

    # A glibc ceiling below what the binary needs (as if built on a newer distribution).
    refused(good, "newer than 2.35", WAGBOT_GLIBC_MAX="2.35")
    # A binary that loads OpenSSL from the system (here: the openssl tool itself).
    openssl = shutil.which("openssl")
    if openssl:
        refused(fake_build(tmp_path / "dynamic", Path(openssl)), "besides glibc: libssl.so.3")
    # A build folder configured without WAGBOT_STATIC.
    refused(fake_build(tmp_path / "shared", unpacked / "bin" / "wagbot", static=False),
            "is not a WAGBOT_STATIC build")
