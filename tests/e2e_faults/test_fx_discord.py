"""Faults on the Discord side, each with WAGMIOS writes in flight and a confirmation pending:
the gateway dropped (TCP abort, a resumable close, a session Discord invalidates), 429 storms on
the routes every answer takes (user and global scope), and the bot SIGKILLed in the middle of a
write (a slash command's, and one a button confirmed), then started again.

The invariant is the suite's: each write asked for is carried out exactly once (the WAGMIOS
simulator's request log and activity feed), every interaction gets its one answer, and the
pending confirmation's button still works afterwards, running once.
"""

from __future__ import annotations

import re

import json
import urllib.request

import pytest

import wagbot_discord as wd
from invariant import assert_writes, asked, wait_effect
from wagbot_discord import is_ephemeral, response_types, text, visible_text

pytestmark = pytest.mark.timeout(60)

EDIT_ROUTE = "PATCH /webhooks/{application_id}/{token}/messages/{message_id}"
FOLLOWUP_ROUTE = "POST /webhooks/{application_id}/{token}"
RESTART = "/api/containers/nginx/restart"
INTERRUPTED = "I was restarted while running this command"


def ask_stop(bot, name: str) -> tuple[str, str]:
    d = bot.ask("stop", {"container": name})
    return d["original"]["id"], wd.confirmation_id_of(d["original"])


def confirm(bot, dctl, prompt: tuple[str, str], timeout: float = 15) -> str:
    mid, cid = prompt
    click = dctl.click(mid, f"wagbot:confirm:{cid}")
    d = bot.wait_followups(click["id"], 1, timeout)
    assert response_types(d) == [6] and not d["errors"], (d["responses"], d["errors"])
    return text(d["followups"][0])


def prompt_says(dctl, mid: str, words: str) -> dict:
    return wd.poll(lambda: (m := dctl.get_message(mid)) and words in text(m)
                   and all(b.get("disabled") for b in wd.buttons(m)) and m, f"the prompt to say {words!r}", 15)


def answered_once(dctl, interaction_id: str, want: str, timeout: float = 20) -> dict:
    """Deferred once, then edited with its answer; no rejected callback."""
    d = dctl.wait_interaction(interaction_id, lambda x: x["status"] in ("completed", "expired") or x["errors"],
                              timeout)
    assert d["status"] == "completed", (want, d["status"], d["responses"], d["errors"])
    assert response_types(d) == [5] and not d["errors"], (want, d["responses"], d["errors"])
    assert want in text(d["original"]), (want, text(d["original"]))
    return d


def catalogue(bot) -> dict[str, int]:
    """app id -> popularity, read from @nas with alice's key (`apps` lists by popularity)."""
    req = urllib.request.Request(bot.wsim.hosts["nas"] + "/api/marketplace",
                                 headers={"X-API-Key": bot.keys[("alice", "nas")]})
    with urllib.request.urlopen(req, timeout=10) as r:
        return {a["id"]: a["popularity"] for a in json.load(r)["data"]["apps"]}


def listed_apps(d: dict, ids) -> list[str]:
    """The app ids in the table of an `apps` answer, over its pages (original, then follow-ups)."""
    pages = [text(d.get("original"))] + [text(f) for f in d.get("followups") or []]
    # A line of the list ("- **jellyfin** — …"), or of a monospace table ("jellyfin  …").
    names = [m.group(1) if (m := re.match(r"- \*\*(\S+?)(\*\*| )", line)) else (line.split() or [""])[0]
             for p in pages for line in p.splitlines()]
    return [n for n in names if n in ids]


def test_sigkill_mid_write_then_restart(dc_world, dctl, wctl):
    bot = dc_world()
    pending = ask_stop(bot, "postgres")
    wctl.set_faults("nas", latency_ms=1500, path_prefix=RESTART)
    slow = bot.command("restart", {"container": "nginx"})
    wd.poll(lambda: asked(wctl, "nas", "POST", RESTART), "the restart to reach the host")
    bot.proc.kill()
    bot.proc.wait()
    wait_effect(wctl, "nas", "restart", "nginx")
    wctl.clear_faults("nas")
    bot.start()
    # Not run again; its requester is told (the "thinking…" answer is edited), once.
    told = dctl.wait_interaction(slow["id"], lambda d: INTERRUPTED in visible_text(d), 15)
    assert "restarted on" not in visible_text(told), visible_text(told)
    assert "stopped" in confirm(bot, dctl, pending)
    prompt_says(dctl, pending[0], "Confirmed")
    assert_writes(wctl, "nas", {("restart", "nginx"): 1, ("stop", "postgres"): 1})


def test_sigkill_mid_confirmed_write_then_restart(dc_world, dctl, wctl):
    bot = dc_world()
    target = ask_stop(bot, "nginx")
    other = ask_stop(bot, "postgres")
    stop = "/api/containers/nginx/stop"
    wctl.set_faults("nas", latency_ms=1500, path_prefix=stop)
    click = dctl.click(target[0], f"wagbot:confirm:{target[1]}")
    wd.poll(lambda: asked(wctl, "nas", "POST", stop), "the stop to reach the host")
    bot.proc.kill()
    bot.proc.wait()
    wait_effect(wctl, "nas", "stop", "nginx")
    wctl.clear_faults("nas")
    bot.start()
    told = dctl.wait_interaction(click["id"], lambda d: INTERRUPTED in visible_text(d), 15)
    assert "nginx" in visible_text(told)
    prompt_says(dctl, target[0], "Confirmed")
    again = bot.ask("confirm", {"id": target[1]})
    assert "already confirmed" in visible_text(again), visible_text(again)
    assert "stopped" in confirm(bot, dctl, other)
    assert_writes(wctl, "nas", {("stop", "nginx"): 1, ("stop", "postgres"): 1})


@pytest.mark.parametrize("how", ["drop", "close-4000", "invalid-session"])
def test_gateway_drop_mid_traffic(dc_world, dctl, wctl, how):
    """The link breaks while a write is held by WAGMIOS and a confirmation is pending. Resumable
    breaks: the commands sent meanwhile are replayed on RESUME and each runs once. A session
    Discord ends (op 9 false): what was sent meanwhile is lost on Discord's side (never run),
    and the bot identifies again. Either way the pending button works afterwards."""
    bot = dc_world()
    pending = ask_stop(bot, "postgres")
    session = [s for s in dctl.gateway_state()["sessions"] if s["connected"]][0]["session_id"]
    wctl.set_faults("nas", latency_ms=1000, path_prefix=RESTART)
    in_flight = bot.command("restart", {"container": "nginx"})
    wd.poll(lambda: asked(wctl, "nas", "POST", RESTART), "the restart to reach the host")
    if how == "drop":
        dctl.drop()
    elif how == "close-4000":
        dctl.close(4000)
    else:
        dctl.invalid_session(False)
    meanwhile = [dctl.command("start", {"container": "redis"}),
                 dctl.command("restart", {"container": "jellyfin"})]
    resumable = how != "invalid-session"
    if resumable:
        wd.poll(lambda: dctl.gateway_state()["resumes"] >= 1, "a RESUME", 10)
    else:
        wd.poll(lambda: len(dctl.gateway_state()["identify_log"]) >= 2, "a new IDENTIFY", 10)
        wd.poll(lambda: any(s["connected"] for s in dctl.gateway_state()["sessions"]), "the new session", 10)

    answered_once(dctl, in_flight["id"], "`nginx` restarted")
    if resumable:
        answered_once(dctl, meanwhile[0]["id"], "`redis` started")
        answered_once(dctl, meanwhile[1]["id"], "`jellyfin` restarted")
    after = bot.ask("restart", {"container": "redis"})
    assert "`redis` restarted" in text(after["original"])
    assert "stopped" in confirm(bot, dctl, pending)
    prompt_says(dctl, pending[0], "Confirmed")

    g = dctl.gateway_state()
    if resumable:
        assert g["identifies"] == 1 and g["resumes"] == 1 and g["failed_resumes"] == 0, g["identify_log"]
        assert [s["session_id"] for s in g["sessions"] if s["connected"]] == [session]
    else:
        assert g["identifies"] == 2 and g["resumes"] == 0, g["identify_log"]
        for m in meanwhile:   # lost with the session: never delivered, never run
            assert dctl.get_interaction(m["id"])["status"] in ("pending", "expired")
    writes = {("restart", "nginx"): 1, ("restart", "redis"): 1, ("stop", "postgres"): 1}
    if resumable:
        writes.update({("start", "redis"): 1, ("restart", "jellyfin"): 1})
    assert_writes(wctl, "nas", writes)


@pytest.mark.parametrize("scope", ["user", "global"])
def test_429_storm(dc_world, dctl, wctl, scope):
    """Every answer route 429s for a while (edits of the deferred answers and of the prompt,
    follow-ups: results, private answers, pages of a long answer). Each interaction gets its
    answer once, a long answer's pages arrive in order, each write runs once."""
    bot = dc_world()
    pending = ask_stop(bot, "postgres")
    # Five 429s a route: the bot gives a request up after its 5th retry (as discord.py does), so
    # a bigger storm could starve one answer depending on timing alone.
    dctl.storm(EDIT_ROUTE, 5, retry_after=0.3, scope=scope)
    dctl.storm(FOLLOWUP_ROUTE, 5, retry_after=0.3, scope=scope)
    cmds = [("restart", {"container": "nginx"}, "`nginx` restarted"),
            ("start", {"container": "redis"}, "`redis` started"),
            ("restart", {"container": "jellyfin"}, "`jellyfin` restarted")]
    sent = [bot.command(name, opts) for name, opts, _ in cmds]
    apps = catalogue(bot)
    long = bot.command("apps")
    private = bot.command("status", {"host": "nas"})
    click = dctl.click(pending[0], f"wagbot:confirm:{pending[1]}")

    for s, (_, _, want) in zip(sent, cmds):
        answered_once(dctl, s["id"], want)
    answered_once(dctl, long["id"], f"{len(apps)} apps in the marketplace")
    d = dctl.wait_interaction(long["id"], lambda x: len(listed_apps(x, apps)) >= len(apps), 20)
    listed = listed_apps(d, apps)
    assert len(d["followups"]) >= 1, "the answer was expected to take several pages (original, follow-ups)"
    assert sorted(listed) == sorted(apps), "pages lost or doubled"
    assert [apps[a] for a in listed] == sorted((apps[a] for a in listed), reverse=True), "pages out of order"
    p = bot.wait_followups(private["id"], 1, 20)
    assert len(p["followups"]) == 1 and is_ephemeral(p["followups"][0])
    assert bot.keys[("alice", "nas")][-8:] in text(p["followups"][0])
    c = bot.wait_followups(click["id"], 1, 20)
    assert len(c["followups"]) == 1 and "`postgres` stopped" in text(c["followups"][0]), c["followups"]
    prompt_says(dctl, pending[0], "Confirmed")

    limited = [r for r in dctl.requests() if r["status"] == 429]
    assert len(limited) == 10, [(r["method"], r["path"]) for r in limited]
    assert all(bool((r["response"] or {}).get("global")) == (scope == "global") for r in limited)
    public = [text(m) for m in dctl.channel_messages(wd.CHANNEL) if not is_ephemeral(m)]
    for _, _, want in cmds:
        assert sum(want in t for t in public) == 1, (want, public)
    assert_writes(wctl, "nas", {("restart", "nginx"): 1, ("start", "redis"): 1, ("restart", "jellyfin"): 1,
                                ("stop", "postgres"): 1})
