"""The gateway session: resume after a forced disconnect in the middle of traffic (no action lost
or doubled), op 7, op 9 (true and false), zombie connections, intents, and every fatal close
code (exit 5 with a clear log line)."""

from __future__ import annotations

import time

import pytest

import wagbot_discord as wd
from wagbot_discord import is_ephemeral, response_types, text, writes

MESSAGE_CONTENT = 32768


def pulls(wctl) -> list[str]:
    return [r["body"]["image"] for r in wctl.requests("nas")
            if r["method"] == "POST" and r["path"] == "/api/images/pull"]


def assert_answered_once(dctl, sent: list[dict], expect: list[str]) -> None:
    """Every interaction: acknowledged once (one callback, no 40060/10062), edited with its result."""
    for s, want in zip(sent, expect):
        d = dctl.wait_interaction(s["id"], lambda x: x["status"] == "completed" or x["status"] == "expired"
                                  or x["errors"], wd.REPLY_TIMEOUT)
        assert d["status"] == "completed", f"{want}: {d['status']} {d['responses']} {d['errors']}"
        assert response_types(d) == [5], (want, d["responses"])
        assert not d["errors"], (want, d["errors"])
        assert want in text(d["original"]), (want, text(d["original"]))


@pytest.mark.parametrize("how", ["drop", "close 4000"])
def test_disconnect_in_the_middle_of_traffic(bot, dctl, wctl, how):
    wctl.set_config("nas", pull_latency_ms=600)      # pulls still running when the link breaks
    d = bot.ask("stop", {"container": "nginx"})
    prompt = d["original"]
    cid = wd.confirmation_id_of(prompt)
    images = [f"busybox:1.{n}" for n in range(9)]
    sent = [dctl.command("pull", {"image": img}) for img in images[:3]]
    before = dctl.gateway_state()
    session = [s for s in before["sessions"] if s["connected"]][0]["session_id"]

    if how == "drop":
        dctl.drop()
    else:
        dctl.close(4000)
    # while the bot is away: these are buffered by Discord and replayed on resume
    sent += [dctl.command("pull", {"image": img}) for img in images[3:6]]
    click = dctl.click(prompt["id"], f"wagbot:confirm:{cid}")
    wd.poll(lambda: dctl.gateway_state()["resumes"] >= 1, "a RESUME", 5)
    sent += [dctl.command("pull", {"image": img}) for img in images[6:]]

    assert_answered_once(dctl, sent, [f"`{img}`" for img in images])
    c = bot.wait_followups(click["id"])
    assert response_types(c) == [6] and not c["errors"], c
    assert "stopped" in text(c["followups"][0])

    # executed exactly once each
    wd.poll(lambda: len(pulls(wctl)) >= len(images), "every pull", 5)
    assert sorted(pulls(wctl)) == sorted(images), pulls(wctl)
    assert writes(wctl, "nas").count("POST /api/containers/nginx/stop") == 1
    # answered exactly once each, in the channel too
    public = [text(m) for m in dctl.channel_messages(wd.CHANNEL) if not is_ephemeral(m)]
    for img in images:
        assert sum(f"`{img}`" in t for t in public) == 1, (img, public)
    assert sum("stopped on @nas" in t for t in public) == 1, public

    g = dctl.gateway_state()
    assert g["identifies"] == 1, f"a new IDENTIFY instead of a RESUME: {g['identify_log']}"
    assert g["resumes"] == 1 and g["failed_resumes"] == 0, g
    live = [s for s in g["sessions"] if s["connected"]]
    assert [s["session_id"] for s in live] == [session], g["sessions"]
    bot.wait_log(r"gateway session resumed")
    # and it keeps working
    d = bot.ask("ps", {"host": "nas"})
    assert "nginx" in text(d["original"])


def test_op7_reconnect_resumes(bot, dctl, wctl):
    dctl.reconnect()
    during = dctl.command("restart", {"container": "postgres"})
    wd.poll(lambda: dctl.gateway_state()["resumes"] >= 1, "a RESUME after op 7", 5)
    assert_answered_once(dctl, [during], ["restarted"])
    g = dctl.gateway_state()
    assert g["identifies"] == 1 and g["resumes"] == 1, g
    assert writes(wctl, "nas") == ["POST /api/containers/postgres/restart"]
    d = bot.ask("restart", {"container": "nginx"})
    assert "restarted" in text(d["original"])
    bot.wait_log(r"op 7")


def test_op9_resumable_resumes(bot, dctl, wctl):
    dctl.invalid_session(True)
    wd.poll(lambda: dctl.gateway_state()["resumes"] >= 1, "a RESUME after op 9 true", 6)
    g = dctl.gateway_state()
    assert g["identifies"] == 1, g["identify_log"]
    d = bot.ask("restart", {"container": "nginx"})
    assert "restarted" in text(d["original"])


def test_op9_false_identifies_again_after_1_to_5_s(bot, dctl, wctl):
    first = dctl.gateway_state()["identify_log"][0]
    sent_at = time.time()
    dctl.invalid_session(False)
    g = wd.poll(lambda: (g := dctl.gateway_state()) and len(g["identify_log"]) >= 2 and g, "a new IDENTIFY", 9)
    second = g["identify_log"][1]
    waited = second["at"] - sent_at
    # 1–5 s as Discord asks, but never within 5.5 s of the previous IDENTIFY (max_concurrency)
    assert 1.0 <= waited <= 6.0, f"identified again {waited:.2f} s after op 9 false"
    assert second["accepted"], second
    assert second["session_id"] != first["session_id"]
    assert g["resumes"] == 0, "op 9 false must not be answered with a RESUME"
    wd.poll(lambda: any(s["connected"] and s["session_id"] == second["session_id"]
                        for s in dctl.gateway_state()["sessions"]), "the new session", 5)
    d = bot.ask("restart", {"container": "nginx"})
    assert "restarted" in text(d["original"])
    assert len(dctl.gateway_state()["identify_log"]) == 2, "identified more than once"
    bot.wait_log(r"op 9, resumable=false")


def test_zombie_connection_is_replaced_and_resumed(make_world, dctl, wctl):
    dctl.reset(heartbeat_interval=1000)
    bot = make_world()
    mark = bot.log_mark()
    dctl.stop_acks()
    bot.wait_log(r"zombie", 6, since=mark)
    wd.poll(lambda: dctl.gateway_state()["resumes"] >= 1, "a RESUME after the zombie", 6)
    g = dctl.gateway_state()
    assert g["identifies"] == 1, g["identify_log"]
    assert not any(c["by"] == "client" and c["code"] in (1000, 1001) for c in g["closes"]), g["closes"]
    d = bot.ask("restart", {"container": "nginx"})
    assert "restarted" in text(d["original"])


def test_slash_commands_ask_for_no_privileged_intent(bot, dctl):
    log = dctl.gateway_state()["identify_log"]
    assert len(log) == 1 and log[0]["accepted"]
    assert log[0]["intents"] & MESSAGE_CONTENT == 0, log[0]
    assert set(log[0]["properties"]) >= {"os", "browser", "device"}


@pytest.mark.parametrize("code", [4004, 4010, 4011, 4012, 4013, 4014])
def test_fatal_close_code_exits_5(bot, dctl, code):
    bot.expected_exit = 5
    dctl.close(code)
    assert bot.wait_exit(10) == 5, bot.log()
    line = bot.wait_log(rf"(?m)^.*\berror\b.*closed with {code}: \S.*$", 1, allow_exit=True).group(0)
    assert len(line.split(f"{code}:", 1)[1].strip()) > 5, f"no explanation in {line!r}"
    g = dctl.gateway_state()
    assert g["connections"] == 1, f"reconnected after fatal {code}: {g['closes']}"
    assert g["identifies"] == 1


def test_text_commands_without_the_message_content_intent(make_world, dctl):
    """text_commands asks for MESSAGE_CONTENT; an app without it gets 4014 → exit 5, once."""
    bot = make_world(start=False, discord={"text_commands": True})
    bot.expected_exit = 5
    bot.start(wait=False)
    assert bot.wait_exit(15) == 5, bot.log()
    line = bot.wait_log(r"(?m)^.*4014.*$", 1, allow_exit=True).group(0)
    assert "Message Content" in line, line
    g = dctl.gateway_state()
    rejected = [e for e in g["events"] if e["kind"] == "identify_rejected"]
    assert len(rejected) == 1, rejected               # tried once, no identify loop
    assert rejected[0]["intents"] & MESSAGE_CONTENT and rejected[0]["reason"] == "disallowed intents"
    assert g["closes"][-1]["code"] == 4014 and g["connections"] == 1


def test_zlib_stream_compression_across_split_frames_and_a_resume(make_world, dctl, wctl):
    # Each compressed payload arrives as two binary frames: only the second completes it.
    dctl.reset(zlib_split_frames=True)
    bot = make_world(discord={"compress": True})
    (conn,) = dctl.gateway_state()["open_connections"]
    assert conn["compressed"] and conn["query"].get("compress") == "zlib-stream", conn
    assert "6 containers on @nas" in text(bot.ask("ps")["original"])

    dctl.drop()  # a new connection is a new zlib context on both sides
    wd.poll(lambda: dctl.gateway_state()["resumes"] >= 1, "a RESUME", 10)
    d = bot.ask("pull", {"image": "busybox:1.36"})
    assert "`busybox:1.36`" in text(d["original"]), d["original"]
    state = dctl.gateway_state()
    assert state["identifies"] == 1, state  # resumed over the new compressed link, not re-identified
    assert all(c["compressed"] for c in state["open_connections"]), state["open_connections"]
    assert "compression failed" not in bot.log()
