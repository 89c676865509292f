"""`/key add` opens a modal; the submitted key is saved, used for the user's next commands, and
never echoed anywhere Discord could show or log it."""

from __future__ import annotations

import json

import wagbot_discord as wd
from wagbot_discord import CAROL, EVE, is_ephemeral, response_types, text


def open_modal(bot, dctl, host: str | None = "media", user_id: str = CAROL, username: str = "carol") -> dict:
    d = bot.ask("key add", {"host": host} if host else {}, user_id=user_id, username=username)
    assert response_types(d) == [9], d["responses"]
    assert d["responses"][0]["at"] < 3000 and not d["errors"]
    return d["responses"][0]["data"]


def inputs(modal: dict) -> dict[str, dict]:
    out = {}
    for row in modal["components"]:
        for c in row["components"]:
            out[c["custom_id"]] = c
    return out


def submit(bot, dctl, values: dict, user_id: str = CAROL, username: str = "carol") -> dict:
    sent = dctl.submit_modal("wagbot:key", values, user_id=user_id, username=username)
    assert sent["delivered"]
    d = bot.wait_done(sent["id"])
    assert d["responses"][0]["at"] < 3000 and not d["errors"], d
    return d


def everything_recorded(bot, dctl) -> str:
    """Every REST request/response body, every channel message, and the bot's log."""
    return "\n".join([wd.recorded_text(dctl),
                      json.dumps(dctl.channel_messages(wd.CHANNEL, include_deleted=True)),
                      bot.all_logs()])


def test_modal_key_entry(bot, dctl, wctl):
    modal = open_modal(bot, dctl)
    assert modal["custom_id"] == "wagbot:key" and modal["title"]
    fields = inputs(modal)
    assert {"host", "key"} <= set(fields), fields
    assert all(f["type"] == 4 for f in fields.values())
    assert fields["host"].get("value") == "media"
    assert not fields["key"].get("value")
    assert wctl.requests("media") == []

    key = bot.new_key("media", label="carol")
    d = submit(bot, dctl, {"host": "media", "url": "", "key": key})
    answer = d["original"]
    assert is_ephemeral(answer), answer
    assert all(is_ephemeral(r.get("data") or {}) or r["type"] == 5 for r in d["responses"])
    if d["responses"][0]["type"] == 5:
        assert is_ephemeral(d["responses"][0]["data"]), "the defer of a key answer must be ephemeral"
    assert "@media" in text(answer) and key[-8:] in text(answer)
    assert key not in text(answer)

    # the key works: carol's /status on @media asks WAGMIOS with it
    wctl.clear_requests("media")
    d = bot.ask("status", {"host": "media"}, user_id=CAROL, username="carol")
    d = bot.wait_followups(d["id"])
    assert any("@media" in text(f) and is_ephemeral(f) for f in d["followups"]), d["followups"]
    assert [r["key_suffix"] for r in wctl.requests("media")] and \
        all(r["key_suffix"] == key[-8:] for r in wctl.requests("media"))
    # and /key list shows it by its last characters only
    d = bot.ask("key list", user_id=CAROL, username="carol")
    assert "@media" in wd.visible_text(d) and key[-8:] in wd.visible_text(d)

    assert key not in everything_recorded(bot, dctl)


def test_modal_with_a_wrong_key(bot, dctl, wctl):
    open_modal(bot, dctl)
    wrong = "wag_live_" + "Q" * 44
    d = submit(bot, dctl, {"host": "media", "url": "", "key": wrong})
    answer = d["original"]
    assert is_ephemeral(answer), answer
    assert "media" in text(answer)
    assert wrong not in everything_recorded(bot, dctl)
    bot.keys[("wrong", "media")] = wrong   # teardown checks the log for it too
    d = bot.ask("key list", user_id=CAROL, username="carol")
    assert "@media" not in wd.visible_text(d)


def test_modal_host_typed_in_the_form(bot, dctl, wctl):
    modal = open_modal(bot, dctl, host=None)
    assert not inputs(modal)["host"].get("value")
    key = bot.new_key("media", label="carol2")
    d = submit(bot, dctl, {"host": "media", "url": "", "key": key})
    assert "@media" in text(d["original"]) and is_ephemeral(d["original"])
    assert key not in everything_recorded(bot, dctl)


def test_modal_by_an_unknown_user(bot, dctl, wctl):
    open_modal(bot, dctl, user_id=EVE, username="eve")
    key = bot.new_key("media", label="eve")
    d = submit(bot, dctl, {"host": "media", "url": "", "key": key}, user_id=EVE, username="eve")
    shown = wd.visible_text(d)
    assert "don't know you" in shown
    assert all(is_ephemeral(r.get("data") or {}) for r in d["responses"] if r["type"] == 4)
    assert key not in everything_recorded(bot, dctl)
    assert wctl.requests("media") == []
