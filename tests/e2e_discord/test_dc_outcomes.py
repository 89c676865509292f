"""What came of an action, through Discord slash commands (issue 13): Docker's reason for a
failure, a container that exits right after its start, a failed install whose leftover's rm is
offered with buttons, and /system, /activity and /health with their missing-scope answers."""

from __future__ import annotations

import re

import wagbot_discord as wd
from wagbot_discord import BOB, text


def answer(bot, name: str, options: dict | None = None, user_id: str = wd.ALICE) -> str:
    d = bot.ask(name, options, user_id=user_id)
    assert d["status"] == "completed" and not d["errors"], d
    return wd.visible_text(d)


def test_failure_reasons_and_a_crash_right_after_start(bot, wctl):
    wctl.registry_down("nas")
    pulled = answer(bot, "pull", {"image": "alpine:3.20", "host": "nas"})
    assert "pull `alpine:3.20` failed on @nas: registry unreachable (" in pulled, pulled
    wctl.exit_on_start("nas", container="redis", logs=["redis: bad maxmemory value"])
    started = answer(bot, "start", {"container": "redis", "host": "nas"})
    assert "`redis` on @nas started but exited at once (exited" in started, started
    assert "redis: bad maxmemory value" in started
    assert wd.container(wctl, "nas", "redis")["status"] == "exited"


def test_a_failed_install_offers_the_rm_of_what_it_left(bot, dctl, wctl):
    wctl.take_host_port("nas", 8096)
    d = bot.ask("install", {"app": "jellyfin", "settings": "as films", "host": "nas"})
    prompt = d["original"]
    click = dctl.click(prompt["id"], f"wagbot:confirm:{wd.confirmation_id_of(prompt)}")
    done = bot.wait_followups(click["id"])
    offer = done["followups"][0]
    said = text(offer)
    assert "Jellyfin did not start on @nas: the port is already taken (" in said, said
    left = [c["name"] for c in wctl.state("nas")["containers"]
            if c["name"].startswith("films-") and c["status"] == "created"]
    assert len(left) == 1 and f"It left `{left[0]}` behind" in said
    assert f"rm `{left[0]}` on @nas?" in said
    # The offer carries its own buttons; the requester's click removes the leftover.
    cid = wd.confirmation_id_of(offer)
    click = dctl.click(offer["id"], f"wagbot:confirm:{cid}")
    removed = bot.wait_followups(click["id"])
    assert f"`{left[0]}` deleted from @nas." in text(removed["followups"][0])
    assert wd.container(wctl, "nas", left[0]) is None


def test_system_activity_and_health(make_world, wctl):
    bot = make_world(start=False)
    bot.grant("bob", "media", scopes=["containers:read"])
    bot.start()
    system = answer(bot, "system", {"host": "nas"})
    assert re.search(r"@nas has been up \d+ days? \d+ h\.", system), system
    answer(bot, "restart", {"container": "nginx", "host": "nas"})
    activity = answer(bot, "activity", {"host": "nas"})
    assert re.search(r"alice(\s+| · )restart `nginx`(\s+| · )ok", activity), activity
    health = answer(bot, "health", {"host": "nas"})
    assert re.search(r"@nas answers \(\d+ ms\)", health) and "is accepted" in health, health
    assert "lacks the `system:read` scope" in answer(bot, "system", {"host": "media"}, user_id=BOB)
    assert "lacks the `system:read` scope" in answer(bot, "activity", {"host": "media"},
                                                     user_id=BOB)
