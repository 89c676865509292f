"""The one invariant of the fault suite, read from the WAGMIOS simulator: how often a write was
*asked* (its request log) and how often it *happened* (the container actions in its activity
feed, which the simulator logs only when a handler really ran).

    asked(wctl, "nas", "POST", "/api/containers/nginx/restart")  -> request-log entries
    happened(wctl, "nas", "restart", "nginx")                     -> successful container actions
    settle(wctl, "nas")          waits until the host has answered (or cut) every request
    assert_writes(wctl, "nas", {("restart", "nginx"): 1, ("stop", "postgres"): 1})
"""

from __future__ import annotations

import wagbot_discord as wd

CONTAINER_ACTIONS = ("start", "stop", "restart", "delete")


def asked(wctl, host: str, method: str, path: str) -> list[dict]:
    return [r for r in wctl.requests(host) if r["method"] == method and r["path"] == path]


def happened(wctl, host: str, action: str, target: str) -> list[dict]:
    return [e for e in wctl.activity(host)
            if e["type"] == "container_action" and e["action"] == action
            and e["target"] == target and e["status"] == "success"]


def settle(wctl, host: str, deadline: float = 15.0) -> list[dict]:
    """Waits until the host has handled every request it received (one held by `latency_ms`
    is handled once the latency has passed, whether or not the bot still waits for it)."""
    wd.poll(lambda: all(r["status"] is not None for r in wctl.requests(host)),
            f"{host} to finish every request", deadline)
    return wctl.requests(host)


def container_writes(wctl, host: str) -> dict[tuple[str, str], int]:
    """(action, container) -> how many requests asked for it."""
    out: dict[tuple[str, str], int] = {}
    for r in wctl.requests(host):
        parts = r["path"].split("/")   # ["", "api", "containers", name, action]
        if r["method"] == "POST" and len(parts) == 5 and parts[2] == "containers" \
                and parts[4] in CONTAINER_ACTIONS:
            out[(parts[4], parts[3])] = out.get((parts[4], parts[3]), 0) + 1
    return out


def container_effects(wctl, host: str) -> dict[tuple[str, str], int]:
    """(action, container) -> how many times it was carried out."""
    out: dict[tuple[str, str], int] = {}
    for e in wctl.activity(host):
        if e["type"] == "container_action" and e["status"] == "success":
            out[(e["action"], e["target"])] = out.get((e["action"], e["target"]), 0) + 1
    return out


def assert_writes(wctl, host: str, effects: dict, requests: dict | None = None) -> None:
    """Exactly these container actions happened on `host` (each the given number of times),
    and no other; `requests` (default: the same) is how often each was asked for: a write is
    never sent twice for one request of the user's."""
    settle(wctl, host)
    want_requests = {k: v for k, v in (effects if requests is None else requests).items() if v}
    want_effects = {k: v for k, v in effects.items() if v}
    assert container_writes(wctl, host) == want_requests, \
        f"writes asked of {host}: {container_writes(wctl, host)}, expected {want_requests}"
    assert container_effects(wctl, host) == want_effects, \
        f"writes carried out on {host}: {container_effects(wctl, host)}, expected {want_effects}"


def wait_effect(wctl, host: str, action: str, target: str, count: int = 1, deadline: float = 15.0) -> None:
    wd.poll(lambda: len(happened(wctl, host, action, target)) >= count,
            f"{action} {target} carried out on {host}", deadline)


def plain(text: str) -> bool:
    """What a user may read after a fault: no HTML page, no raw bytes, no stack trace."""
    return not any(bad in text for bad in ("<html", "<center>", "\x00", "\ufffd", "Traceback", "what():"))
