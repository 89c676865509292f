"""The peer comparison's table: each bot's figures and its ratio to wagbot's on the same
transport in the same run (bench/peers/compare.py prints it, bench/summarize.py too).
Standard library only, so that summarize.py can import it without the simulators."""

from __future__ import annotations

COLUMNS = [("idle RSS", lambda r: r["idle"]["rss_kb"] / 1024, "{:.1f} MB"),
           ("idle Pss", lambda r: r["idle"]["pss_kb"] / 1024, "{:.1f} MB"),
           ("idle USS", lambda r: r["idle"]["uss_kb"] / 1024, "{:.1f} MB"),
           ("CPU/cmd", lambda r: r["cpu_us_per_command"], "{:.0f} µs"),
           ("RTT p50", lambda r: r["round_trip_ms"]["p50"], "{:.1f} ms"),
           ("RTT p99", lambda r: r["round_trip_ms"]["p99"], "{:.1f} ms"),
           ("RSS after", lambda r: r["after"]["rss_kb"] / 1024, "{:.1f} MB"),
           ("start→reply", lambda r: r["start_to_first_reply_s"], "{:.2f} s")]


def table(rows: list[dict], commands: int) -> str:
    head = ["transport", "bot"] + [c[0] if c[0] != "RSS after" else f"RSS after {commands}" for c in COLUMNS] \
        + ["WAGMIOS req/cmd"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        base = next((w for w in rows if w["bot"] == "wagbot" and w["net"] == r["net"]), None)
        cells = [r["net"].capitalize(), r["library"] if r["bot"] != "wagbot" else "**wagbot**"]
        for _name, get, fmt in COLUMNS:
            v = get(r)
            cell = fmt.format(v)
            if r["bot"] != "wagbot" and base is not None and get(base) > 0:
                cell += f" ({v / get(base):.1f}×)"
            cells.append(cell if r["bot"] != "wagbot" else f"**{cell}**")
        cells.append(f"{r['wagmios_requests_per_command']:.2f}")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)
