"""Autocomplete (type 8) for hosts, containers, images and app ids: answered within 3 s, fetched
with the invoking user's own key, cached so that a second request within 30 s makes no new
WAGMIOS call."""

from __future__ import annotations

import time

import wagbot_discord as wd
from wagbot_discord import ALICE, BOB, EVE


def complete(dctl, name: str, options: dict, focused: str, user_id: str = ALICE, username: str = "alice"):
    """Sends an autocomplete interaction; returns (interaction record, choice values)."""
    sent = dctl.autocomplete(name, options, focused, user_id=user_id, username=username,
                             permissions=str(wd.TRUSTED_PERMISSIONS))
    d = dctl.wait_interaction(sent["id"], lambda x: x["acknowledged"] or x["errors"], 5)
    assert not d["errors"], d["errors"]
    assert wd.response_types(d) == [8], d["responses"]
    assert d["responses"][0]["at"] < 3000, f"autocomplete answered after {d['responses'][0]['at']} ms"
    return d, [c["value"] for c in d["responses"][0]["data"]["choices"]]


def api_calls(wctl, host: str, key: str | None = None) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in wctl.requests(host)
            if key is None or r.get("key_suffix") == key[-8:]]


def test_container_choices_cached(bot, dctl, wctl):
    alice_key = bot.keys[("alice", "nas")]
    _, values = complete(dctl, "restart", {"container": ""}, "container")
    assert {"nginx", "postgres", "redis", "jellyfin"} <= set(values), values
    assert api_calls(wctl, "nas") == ["GET /api/containers"]
    assert api_calls(wctl, "nas", alice_key) == ["GET /api/containers"], "not fetched with alice's own key"
    # the second one, typed further, comes from the cache: no new WAGMIOS call
    _, values = complete(dctl, "logs", {"container": "ngi"}, "container")
    assert values == ["nginx"], values
    _, values = complete(dctl, "stop", {"container": "post"}, "container")
    assert values == ["postgres"], values
    assert api_calls(wctl, "nas") == ["GET /api/containers"]


def test_each_user_completes_with_their_own_key(bot, dctl, wctl):
    alice_key, bob_key = bot.keys[("alice", "nas")], bot.keys[("bob", "nas")]
    complete(dctl, "restart", {"container": ""}, "container")
    _, values = complete(dctl, "restart", {"container": ""}, "container", user_id=BOB, username="bob")
    assert "nginx" in values
    assert api_calls(wctl, "nas", alice_key) == ["GET /api/containers"]
    assert api_calls(wctl, "nas", bob_key) == ["GET /api/containers"]


def test_image_choices_cached(bot, dctl, wctl):
    _, values = complete(dctl, "pull", {"image": ""}, "image")
    assert "nginx:alpine" in values and "postgres:16" in values, values
    _, again = complete(dctl, "rmi", {"image": "hello"}, "image")
    assert again == ["hello-world:latest"], again
    assert api_calls(wctl, "nas") == ["GET /api/images"]


def test_app_choices_cached(bot, dctl, wctl):
    _, values = complete(dctl, "app", {"id": ""}, "id")
    assert "jellyfin" in values and 0 < len(values) <= 25, values
    _, again = complete(dctl, "install", {"app": "uptime"}, "app")
    assert again == ["uptime-kuma"], again
    assert api_calls(wctl, "nas") == ["GET /api/marketplace"]


def test_host_choices_are_the_users_hosts(make_world, dctl, wctl):
    bot = make_world(start=False)
    bot.grant("alice", "media")
    bot.start()
    _, values = complete(dctl, "restart", {"host": ""}, "host")
    assert sorted(values) == ["media", "nas"], values
    _, values = complete(dctl, "ps", {"host": ""}, "host")      # ps fans out: `all` too
    assert sorted(values) == ["all", "media", "nas"], values
    _, values = complete(dctl, "restart", {"host": ""}, "host", user_id=BOB, username="bob")
    assert values == ["nas"], values
    assert api_calls(wctl, "nas") == [] and api_calls(wctl, "media") == []


def test_completion_follows_the_host_option(make_world, dctl, wctl):
    bot = make_world(start=False)
    bot.grant("alice", "media")
    bot.start()
    wctl.add_container("media", "plex-only-on-media", image="alpine:3.20")
    _, values = complete(dctl, "restart", {"container": "", "host": "media"}, "container")
    assert "plex-only-on-media" in values, values
    assert api_calls(wctl, "media") == ["GET /api/containers"] and api_calls(wctl, "nas") == []


def test_slow_host_still_answered_within_3s(bot, dctl, wctl):
    wctl.set_faults("nas", latency_ms=5000)
    started = time.monotonic()
    d, values = complete(dctl, "restart", {"container": ""}, "container")
    assert time.monotonic() - started < 3.0
    assert d["status"] == "responded"
    assert values == [], values


def test_unknown_user_gets_no_choices(bot, dctl, wctl):
    _, values = complete(dctl, "restart", {"container": ""}, "container", user_id=EVE, username="eve")
    assert values == []
    assert api_calls(wctl, "nas") == []
