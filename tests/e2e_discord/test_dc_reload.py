"""SIGHUP: wagbot reads its config file again and applies users (with their preset keys) and
hosts in place — the gateway connection is kept (no new IDENTIFY, no RESUME); a file with
problems changes nothing and the bot keeps running on what it had."""

from __future__ import annotations

import signal

import wagbot_discord as wd
from wagbot_discord import BOB, EVE, calls


def hangup(bot) -> int:
    mark = bot.log_mark()
    bot.proc.send_signal(signal.SIGHUP)
    return mark


def test_sighup_adds_and_removes_users_without_reconnecting(make_world, dctl, wctl):
    bot = make_world()
    before = dctl.gateway_state()
    shown = wd.visible_text(bot.ask("ps", {"host": "nas"}, user_id=EVE, username="eve"))
    assert "don't know you" in shown, shown

    # eve joins the config with a key of her own; bob leaves it.
    bot.add_user("eve", EVE)
    eve_key = bot.grant("eve", "nas")
    del bot.users["bob"]
    bot.write_config()
    mark = hangup(bot)
    bot.wait_log(r"SIGHUP: reloaded .*: 2 host\(s\), 3 user\(s\)", since=mark)

    shown = wd.visible_text(bot.ask("ps", {"host": "nas"}, user_id=EVE, username="eve"))
    assert "nginx" in shown, shown
    assert any(r["path"] == "/api/containers" and r["key_suffix"] == eve_key[-8:]
               for r in wctl.requests("nas")), "eve's own key was not used"
    shown = wd.visible_text(bot.ask("ps", {"host": "nas"}, user_id=BOB, username="bob"))
    assert "don't know you" in shown, shown

    after = dctl.gateway_state()
    assert after["identifies"] == before["identifies"] and after["resumes"] == before["resumes"], \
        (before, after)
    assert bot.running()


def test_sighup_with_a_broken_file_keeps_the_running_config(make_world, dctl, wctl):
    bot = make_world()
    good = bot.config_path.read_text()
    bot.config_path.write_text(good + "bogus_setting: 1\n")
    mark = hangup(bot)
    found = bot.wait_log(r"SIGHUP: .* 1 problem\(s\); still running the config loaded before", since=mark)
    assert "bogus_setting" in found.group(0) or "bogus_setting" in bot.log()[mark:], bot.log()[mark:]
    assert bot.running()
    # Everything still works as before: bob is known and uses his key.
    shown = wd.visible_text(bot.ask("ps", {"host": "nas"}, user_id=BOB, username="bob"))
    assert "nginx" in shown, shown
    assert "GET /api/containers" in calls(wctl, "nas")
