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
                or p.parent.name == "matrix-crypto"):
            yield p


def recovery_keys(root: pathlib.Path) -> list[bytes]:
    return [p.read_bytes().strip() for p in root.rglob("matrix-recovery-key") if p.is_file()]


def scan(root: pathlib.Path) -> tuple[int, list[str]]:
    count, findings = 0, []
    secrets = [k for k in recovery_keys(root) if k]
    for p in wagbot_files(root):
        count += 1
        data = p.read_bytes()
        for pattern in (LEAK, CANARY):
            for m in pattern.finditer(data):
                findings.append(f"{p}: {m.group(0)[:20].decode(errors='replace')}… at byte {m.start()}")
        for key in secrets:
            if key in data:
                findings.append(f"{p}: a recovery key")
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
