"""After the suites: every database (with its WAL) and every log wagbot wrote while they ran must
hold no WAGMIOS key in clear — not whole, not the secret part, not a long piece of it. Redacted
keys (`wag_live_…` and the last 4 characters) are fine. Run by scripts/suites over the folder the
suites kept their files in (pytest --basetemp).

    python tests/secrets_scan.py DIR     exit 0: clean; 1: findings (each printed); 2: nothing scanned
"""
from __future__ import annotations

import pathlib
import re
import sys

# A key's secret part is 43 base64url characters and `=`; 16 in a row already give it away.
LEAK = re.compile(rb"wag_live_[A-Za-z0-9_\-]{16,}")


def wagbot_files(root: pathlib.Path):
    """wagbot's own database files and logs (not the homeserver's, the simulators' or the tests'
    inputs, which hold keys by design)."""
    for p in root.rglob("*"):
        if not p.is_file() or p.is_symlink():
            continue
        name = p.name
        if name.startswith("wagbot.db") or (name.startswith("wagbot") and name.endswith(".log")):
            yield p


def scan(root: pathlib.Path) -> tuple[int, list[str]]:
    count, findings = 0, []
    for p in wagbot_files(root):
        count += 1
        data = p.read_bytes()
        for m in LEAK.finditer(data):
            findings.append(f"{p}: {m.group(0)[:20].decode(errors='replace')}… at byte {m.start()}")
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
