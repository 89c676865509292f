"""The job every Python peer does for "ps": one GET /api/containers with the key, a short list.

Bench-only (bench/peers/compare.py, issue 15). Each peer imports this with its own venv's
aiohttp, so every Python peer makes the same request and sends the same text.
"""

from __future__ import annotations

import os

import aiohttp

URL = os.environ["PEER_WAGMIOS_URL"].rstrip("/") + "/api/containers"
KEY = os.environ["PEER_WAGMIOS_KEY"]


async def ps_text(session: aiohttp.ClientSession) -> str:
    try:
        async with session.get(URL, headers={"X-API-Key": KEY},
                               timeout=aiohttp.ClientTimeout(total=10)) as resp:
            doc = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as e:
        return f"error: {e}"
    if not doc.get("success"):
        return f"error: HTTP {resp.status}"
    rows = doc.get("data") or []
    lines = [f"{len(rows)} containers on nas:"]
    lines += [f"{c.get('name')} — {c.get('status')} ({c.get('image')})" for c in rows]
    return "\n".join(lines)
