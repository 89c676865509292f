"""REST rate limits as the reference describes them.

* Per-route buckets keyed by (bucket, major parameter). A bucket is a fixed window that opens
  with its first request: `limit` requests, then 429 until `per` seconds after that first
  request. Every response of a matched route carries X-RateLimit-Limit / Remaining / Reset /
  Reset-After / Bucket.
* A global limit (default 50 requests per second, sliding one-second window) for requests
  authenticated with the bot token; interaction callbacks and webhook routes are exempt.
* Storms (control knob): the next N calls on a route answer 429 whatever the bucket says.
* Invalid requests: 401, 403 and 429 (except scope `shared`) are counted over a sliding
  10-minute window; past `invalid_request_limit` the "Cloudflare ban" starts: every API
  request answers 429 with a text body `error code: 1015` and no Via header for `ban_seconds`.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import deque

# name -> (limit, per seconds). CHOICE: the reference never gives numbers ("never hard-code
# limits"); these are plausible values, the channel-message one is the one the tests rely on.
BUCKETS = {
    "gateway": (5, 5.0),
    "gateway_bot": (5, 5.0),
    "users_me": (5, 5.0),
    "application": (5, 5.0),
    "commands_get": (5, 5.0),
    "commands_put": (5, 20.0),
    "interaction_callback": (5, 1.0),
    "webhook_message": (5, 2.0),
    "channel_get": (5, 5.0),
    "message_create": (5, 2.0),
    "message_get": (5, 1.0),
    "message_edit": (5, 5.0),
    "message_delete": (5, 1.0),
    "reaction": (1, 0.25),
}


def normalise_route(key: str) -> str:
    """'POST /channels/{id}/messages' and 'post /channels/{channel_id}/messages/' are one key."""
    key = key.strip()
    method, _, path = key.partition(" ")
    path = re.sub(r"\{[^}]*\}", "{}", path.strip()).rstrip("/")
    if path.startswith("/api/v10"):
        path = path[len("/api/v10"):]
    return f"{method.upper()} {path}"


def bucket_hash(name: str) -> str:
    return hashlib.md5(("wagbot-sim:" + name).encode()).hexdigest()


class RateLimiter:
    def __init__(self, state):
        self.state = state
        self.reset()

    def reset(self):
        self.buckets: dict[tuple, dict] = {}
        self.global_hits: deque = deque()
        self.storms: dict[str, dict] = {}
        self.invalid: deque = deque()
        self.banned_until = 0.0
        self.count_429 = 0
        self.count_global_429 = 0

    # ------------------------------------------------------------------ configuration
    def limits_for(self, bucket: str, route_key: str) -> tuple[int, float]:
        limit, per = BUCKETS[bucket]
        overrides = self.state.config.get("bucket_limits") or {}
        for k, v in overrides.items():
            if k == bucket or (" " in k and normalise_route(k) == route_key):
                if isinstance(v, dict):
                    limit, per = int(v.get("limit", limit)), float(v.get("per", per))
                elif isinstance(v, (list, tuple)):
                    limit, per = int(v[0]), float(v[1])
                else:
                    limit = int(v)
        return max(1, limit), per

    def set_storm(self, route: str, count: int, retry_after: float = 0.5, scope: str = "user"):
        key = normalise_route(route)
        if count <= 0:
            self.storms.pop(key, None)
        else:
            self.storms[key] = {"remaining": int(count), "retry_after": float(retry_after),
                                "scope": scope, "served": 0}
        return key

    # ------------------------------------------------------------------ checks
    def banned(self) -> float:
        left = self.banned_until - time.monotonic()
        return left if left > 0 else 0.0

    def check_global(self) -> float | None:
        """Count one request against the global limit; return retry_after when over it."""
        now = time.monotonic()
        while self.global_hits and now - self.global_hits[0] >= 1.0:
            self.global_hits.popleft()
        if len(self.global_hits) >= int(self.state.config["global_limit"]):
            return max(0.001, 1.0 - (now - self.global_hits[0]))
        self.global_hits.append(now)
        return None

    def take_storm(self, route_key: str) -> dict | None:
        st = self.storms.get(route_key)
        if not st or st["remaining"] <= 0:
            return None
        st["remaining"] -= 1
        st["served"] += 1
        if st["remaining"] <= 0:
            self.storms.pop(route_key, None)
        return st

    def take(self, bucket: str, major: str, route_key: str):
        """Consume one request. Returns (allowed, headers, retry_after)."""
        limit, per = self.limits_for(bucket, route_key)
        key = (bucket, major)
        now = time.monotonic()
        b = self.buckets.get(key)
        if b is None or now >= b["reset_mono"] or b["limit"] != limit:
            b = {"limit": limit, "remaining": limit, "reset_mono": now + per,
                 "reset_epoch": time.time() + per}
            self.buckets[key] = b
        if b["remaining"] <= 0:
            retry = max(0.001, b["reset_mono"] - now)
            return False, self._headers(bucket, b, now), retry
        b["remaining"] -= 1
        return True, self._headers(bucket, b, now), 0.0

    @staticmethod
    def _headers(bucket: str, b: dict, now: float) -> dict:
        after = max(0.0, b["reset_mono"] - now)
        return {"X-RateLimit-Limit": str(b["limit"]), "X-RateLimit-Remaining": str(b["remaining"]),
                "X-RateLimit-Reset": f"{b['reset_epoch']:.3f}",
                "X-RateLimit-Reset-After": f"{after:.3f}", "X-RateLimit-Bucket": bucket_hash(bucket)}

    def storm_headers(self, bucket: str, limit: int, retry_after: float) -> dict:
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}", "X-RateLimit-Bucket": bucket_hash(bucket)}

    @staticmethod
    def retry_after_header(retry_after: float) -> str:
        return str(max(1, math.ceil(retry_after)))

    # ------------------------------------------------------------------ invalid requests
    def note_status(self, status: int, scope: str | None = None):
        if status == 429:
            self.count_429 += 1
        if status in (401, 403) or (status == 429 and scope != "shared"):
            now = time.monotonic()
            self.invalid.append(now)
            window = float(self.state.config["invalid_request_window_s"])
            while self.invalid and now - self.invalid[0] > window:
                self.invalid.popleft()
            if len(self.invalid) >= int(self.state.config["invalid_request_limit"]):
                self.banned_until = now + float(self.state.config["ban_seconds"])

    def invalid_count(self) -> int:
        now = time.monotonic()
        window = float(self.state.config["invalid_request_window_s"])
        while self.invalid and now - self.invalid[0] > window:
            self.invalid.popleft()
        return len(self.invalid)

    def snapshot(self) -> dict:
        now = time.monotonic()
        buckets = []
        for (bucket, major), b in self.buckets.items():
            if now >= b["reset_mono"]:
                continue
            buckets.append({"bucket": bucket, "hash": bucket_hash(bucket), "major": major,
                            "limit": b["limit"], "remaining": b["remaining"],
                            "reset_after": round(b["reset_mono"] - now, 3)})
        limits = {}
        for name in BUCKETS:
            limits[name] = dict(zip(("limit", "per"), self.limits_for(name, "")))
        return {"buckets": buckets, "limits": limits, "storms": dict(self.storms),
                "global_limit": self.state.config["global_limit"],
                "invalid_requests": self.invalid_count(),
                "invalid_request_limit": self.state.config["invalid_request_limit"],
                "banned": self.banned() > 0, "banned_for": round(self.banned(), 3),
                "count_429": self.count_429, "count_global_429": self.count_global_429}
