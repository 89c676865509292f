"""Finds a sanitizer report in wagbot's output. The end-to-end harnesses check every log of
the bot with it, so that under scripts/sanitize (an ASan + UBSan build) a memory error, a leak
at exit or undefined behaviour fails the test that caused it. With a normal build it never
matches."""

from __future__ import annotations

import re

# ASan and LSan open a report with "==<pid>==ERROR: <tool>:"; UBSan with
# "<file>:<line>:<col>: runtime error:" at the start of a line.
_REPORT = re.compile(
    r"^==\d+==ERROR: (?:AddressSanitizer|LeakSanitizer)\b"
    r"|^\S+:\d+:\d+: runtime error: "
    r"|^SUMMARY: (?:AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)\b",
    re.MULTILINE,
)


def sanitizer_report(log: str, limit: int = 4000) -> str | None:
    """The report (up to `limit` characters from its first line) if `log` holds one, else None."""
    m = _REPORT.search(log)
    return None if m is None else log[m.start():m.start() + limit]
