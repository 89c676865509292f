"""After the suites: every database (with its WAL) and every log wagbot wrote while they ran must
hold no WAGMIOS key in clear — not whole, not the secret part, not a long piece of it. Redacted
keys (`wag_live_…` and the last 4 characters) are fine. The encryption store (matrix-crypto/)
counts as a database; no file may hold an encrypted-room canary (text the E2EE tests send only
encrypted, e2ee-canary-…) or a bot's recovery key (its matrix-recovery-key file is the one place
for it). Run by scripts/suites over the folder the suites kept their files in (pytest --basetemp).

    python tests/secrets_scan.py DIR     exit 0: clean; 1: findings (each printed); 2: nothing scanned
"""
from __future__ import annotations

import pathlib
import re
import sqlite3
import sys

# A key's secret part is 43 base64url characters and `=`; 16 in a row already give it away.
LEAK = re.compile(rb"wag_live_[A-Za-z0-9_\-]{16,}")
CANARY = re.compile(rb"e2ee-canary-[0-9a-f]{8}")


def wagbot_files(root: pathlib.Path):
    """wagbot's own database files and logs (not the homeserver's, the simulators' or the tests'
    inputs, which hold keys by design)."""
    for p in root.rglob("*"):
        if not p.is_file() or p.is_symlink():
            continue
        name = p.name
        if (name.startswith("wagbot.db") or (name.startswith("wagbot") and name.endswith(".log"))
                or p.parent.name == "matrix-crypto" or name.startswith("shell-replies")
                or name.startswith("discord-replies")):
            yield p


def bot_events(root: pathlib.Path):
    """(database, bytes) of every event a bot (@wagbot…) sent, in each Synapse database under
    root: the replies as the homeserver keeps them. The humans' own events hold keys by design."""
    for db in root.rglob("homeserver.db"):
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            rows = con.execute("SELECT j.json FROM event_json j JOIN events e USING (event_id) "
                               "WHERE e.sender LIKE '@wagbot%'").fetchall()
            con.close()
        except sqlite3.Error as e:
            print(f"secrets scan: cannot read {db}: {e}", file=sys.stderr)
            continue
        yield db, b"\n".join(r[0].encode() if isinstance(r[0], str) else r[0] for r in rows)


PIECE = 16
RUN = re.compile(rb"[A-Za-z0-9_\-]{%d,}" % PIECE)


def key_bodies(root: pathlib.Path) -> set[bytes]:
    """The first 16 characters of the body of every key the WAGMIOS simulator made (the suites
    note them in wagmios-keys-*.txt): a reply that dropped the `wag_live_` prefix but kept the
    secret is still a leak. Redaction shows 8 characters at most."""
    pieces: set[bytes] = set()
    for p in root.rglob("wagmios-keys-*.txt"):
        for line in p.read_bytes().split():
            body = line[len(b"wag_live_"):]
            if len(body) >= 40:
                pieces.add(body[:PIECE])
    return pieces


def holds_a_body(data: bytes, bodies: set[bytes]) -> bool:
    """True when a run of key characters in `data` contains the start of a key's body."""
    for m in RUN.finditer(data):
        run = m.group(0)
        if any(run[i:i + PIECE] in bodies for i in range(len(run) - PIECE + 1)):
            return True
    return False


def is_text(p) -> bool:
    """Logs and replies (databases hold sealed base64, where a body cannot appear by chance
    but scanning it window by window would take minutes)."""
    name = getattr(p, "name", "")
    return name.endswith((".log", ".txt", ".jsonl", ".db")) and not name.startswith("wagbot.db")


def recovery_keys(root: pathlib.Path) -> list[bytes]:
    return [p.read_bytes().strip() for p in root.rglob("matrix-recovery-key") if p.is_file()]


def scan(root: pathlib.Path) -> tuple[int, list[str]]:
    count, findings = 0, []
    secrets = [k for k in recovery_keys(root) if k]
    bodies = key_bodies(root)
    sources = [(p, p.read_bytes()) for p in wagbot_files(root)] + list(bot_events(root))
    for p, data in sources:
        count += 1
        for pattern in (LEAK, CANARY):
            for m in pattern.finditer(data):
                findings.append(f"{p}: {m.group(0)[:20].decode(errors='replace')}… at byte {m.start()}")
        for key in secrets:
            if key in data:
                findings.append(f"{p}: a recovery key")
        if bodies and is_text(p) and holds_a_body(data, bodies):
            findings.append(f"{p}: the body of a key")
    return count, findings


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    count, findings = scan(root)
    if count == 0:
        print(f"secrets scan: no wagbot database or log under {root}", file=sys.stderr)
        return 2
    for f in findings:
        print(f"secrets scan: a key in clear: {f}")
    print(f"secrets scan: {count} wagbot databases and logs, {len(findings)} keys in clear")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
