"""REST: a slow WAGMIOS host (deferred reply, edited later), 429 storms on the edit / follow-up
routes and on channel messages with no reply lost or doubled, and 401 stopping the bot."""

from __future__ import annotations

import time

import pytest

import wagbot_discord as wd
from wagbot_discord import ALICE, BOB, is_ephemeral, response_types, text, writes

EDIT_ROUTE = "PATCH /webhooks/{application_id}/{token}/messages/{message_id}"
FOLLOWUP_ROUTE = "POST /webhooks/{application_id}/{token}"
CHANNEL_ROUTE = "POST /channels/{channel_id}/messages"


def pulls(wctl) -> list[str]:
    return [r["body"]["image"] for r in wctl.requests("nas")
            if r["method"] == "POST" and r["path"] == "/api/images/pull"]


def statuses(dctl, route_part: str, method: str) -> list[int]:
    return [r["status"] for r in dctl.requests(method=method, path_contains=route_part)]


def test_slow_host_deferred_then_edited(bot, dctl, wctl):
    wctl.set_faults("nas", latency_ms=5000, path_prefix="/api/containers/nginx/restart")
    started = time.monotonic()
    slow = bot.command("restart", {"container": "nginx"})
    d = dctl.wait_interaction(slow["id"], lambda x: x["acknowledged"], 3)
    assert response_types(d) == [5] and d["responses"][0]["at"] < 3000, d["responses"]
    assert d["status"] == "deferred" and d["original"]["flags"] & wd.LOADING, "no 'thinking…' message"
    # meanwhile the bot answers others
    quick = bot.ask("ps", {"host": "nas"}, user_id=BOB, username="bob")
    assert "nginx" in text(quick["original"])
    assert time.monotonic() - started < 4.5, "another user's command waited for the slow host"
    assert dctl.get_interaction(slow["id"])["status"] == "deferred"
    d = bot.wait_done(slow["id"], 15)
    assert "restarted" in text(d["original"]) and not is_ephemeral(d["original"])
    assert not d["original"]["flags"] & wd.LOADING
    edit_at = [e["at"] for e in d["edits"] if not e.get("followup")]
    assert edit_at and edit_at[-1] >= 5000, d["edits"]
    assert response_types(d) == [5] and not d["errors"]
    assert writes(wctl, "nas") == ["POST /api/containers/nginx/restart"]


def test_one_reply_through_a_long_429_storm(bot, dctl, wctl):
    # However many 429s in a row (discord.py gives up after 5): each is waited out.
    dctl.storm(EDIT_ROUTE, 15, retry_after=0.15)
    d = bot.ask("restart", {"container": "nginx"}, timeout=15)
    assert "restarted" in text(d["original"])
    assert statuses(dctl, "/messages/", "PATCH") == [429] * 15 + [200]
    assert writes(wctl, "nas") == ["POST /api/containers/nginx/restart"]


def test_429_storm_on_original_edits(bot, dctl, wctl):
    images = [f"busybox:2.{n}" for n in range(6)]
    dctl.storm(EDIT_ROUTE, 12, retry_after=0.25)
    sent = [bot.command("pull", {"image": img}, user_id=ALICE if n % 2 else BOB,
                        username="alice" if n % 2 else "bob") for n, img in enumerate(images)]
    for s, img in zip(sent, images):
        d = bot.wait_done(s["id"], 20)
        assert response_types(d) == [5] and not d["errors"], (img, d["responses"], d["errors"])
        assert f"`{img}`" in text(d["original"]), (img, text(d["original"]))
    assert sorted(pulls(wctl)) == sorted(images)
    codes = statuses(dctl, "/messages/", "PATCH")
    assert codes.count(429) == 12 and codes.count(200) == len(images), codes
    public = [text(m) for m in dctl.channel_messages(wd.CHANNEL) if not is_ephemeral(m)]
    for img in images:
        assert sum(f"`{img}`" in t for t in public) == 1, (img, public)


def test_429_storm_on_followups(bot, dctl, wctl):
    dctl.storm(FOLLOWUP_ROUTE, 8, retry_after=0.25)
    users = [(ALICE, "alice"), (BOB, "bob"), (ALICE, "alice"), (BOB, "bob")]
    sent = [bot.command("status", {"host": "nas"}, user_id=u, username=n) for u, n in users]
    for s, (u, n) in zip(sent, users):
        d = bot.wait_followups(s["id"], 1, 20)
        assert len(d["followups"]) == 1, d["followups"]
        f = d["followups"][0]
        assert is_ephemeral(f) and bot.keys[(n, "nas")][-8:] in text(f), (n, text(f))
    codes = [r["status"] for r in dctl.requests(method="POST", path_contains="/webhooks/")]
    assert codes.count(429) == 8 and codes.count(200) + codes.count(204) == len(users), codes


def test_429_storm_on_confirmation_results(bot, dctl, wctl):
    prompts = []
    for name in ("nginx", "postgres"):
        d = bot.ask("stop", {"container": name})
        prompts.append((name, d["original"]["id"], wd.confirmation_id_of(d["original"])))
    dctl.storm(EDIT_ROUTE, 4, retry_after=0.25)
    dctl.storm(FOLLOWUP_ROUTE, 4, retry_after=0.25)
    clicks = [dctl.click(mid, f"wagbot:confirm:{cid}") for _, mid, cid in prompts]
    for (name, mid, _), c in zip(prompts, clicks):
        d = bot.wait_followups(c["id"], 1, 20)
        assert len(d["followups"]) == 1 and f"`{name}` stopped" in text(d["followups"][0]), d["followups"]
        wd.poll(lambda: (m := dctl.get_message(mid)) and "Confirmed" in text(m)
                and all(b.get("disabled") for b in wd.buttons(m)), f"the {name} prompt edited", 10)
    assert sorted(writes(wctl, "nas")) == ["POST /api/containers/nginx/stop", "POST /api/containers/postgres/stop"]
    assert dctl.ratelimit_state()["count_429"] >= 8


@pytest.mark.parametrize("scope", ["user", "global"])
def test_429_storm_on_channel_messages(make_world, dctl, wctl, scope):
    """Text commands (`!wag …`, Message Content intent allowed): every reply arrives once."""
    dctl.reset(message_content_allowed=True)
    bot = make_world(discord={"text_commands": True})
    intents = dctl.gateway_state()["identify_log"][0]["intents"]
    assert intents & 32768 and intents & 512, intents
    images = [f"busybox:3.{n}" for n in range(5)]
    dctl.storm(CHANNEL_ROUTE, 10, retry_after=0.25, scope=scope)
    asked = [dctl.message(f"!wag pull {img}", user_id=ALICE if n % 2 else BOB,
                          username="alice" if n % 2 else "bob")["message"] for n, img in enumerate(images)]

    def replies():
        return [m for m in dctl.channel_messages(wd.CHANNEL) if m["author"]["id"] == wd.APP_ID]

    wd.poll(lambda: len(replies()) >= len(images), "a reply to every message", 20)
    by_ref = {}
    for m in replies():
        ref = (m.get("message_reference") or {}).get("message_id")
        by_ref.setdefault(ref, []).append(text(m))
    for msg, img in zip(asked, images):
        got = by_ref.get(msg["id"], [])
        assert len(got) == 1 and f"`{img}`" in got[0], (img, got)
    assert len(replies()) == len(images)
    assert sorted(pulls(wctl)) == sorted(images)
    codes = statuses(dctl, "/channels/", "POST")
    assert codes.count(429) >= 10 and codes.count(200) == len(images), codes


def test_401_at_start_exits_5(make_world, dctl):
    bot = make_world(start=False)
    bot.token = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GsimTk.this-token-was-reset-by-discord"
    bot._write_secret("discord.token", bot.token)
    bot.expected_exit = 5
    bot.start(wait=False)
    assert bot.wait_exit(10) == 5, bot.log()
    assert "401" in bot.log() and "token" in bot.log()
    unauthorized = [r for r in dctl.requests() if r["status"] == 401]
    assert len(unauthorized) == 1, f"kept calling after a 401: {[(r['method'], r['path']) for r in dctl.requests()]}"
    assert dctl.gateway_state()["connections"] == 0


def test_401_while_running_exits_5(bot, dctl, wctl):
    """Discord reset the token (e.g. leaked): the next REST call is 401 → stop, exit 5."""
    bot.expected_exit = None       # checked here
    dctl.config(token="MTEwMDAwMDAwMDAwMDAwMDAwMQ.GsimTk.a-new-token-the-bot-does-not-have")
    dctl.command("restart", {"container": "nginx"})
    try:
        code = bot.wait_exit(5)
    except AssertionError:
        code = None
    assert code == 5, f"wagbot still running (exit code {code}) after a REST 401\n{bot.log()}"
    assert "401" in bot.log()
    assert len([r for r in dctl.requests() if r["status"] == 401]) == 1
