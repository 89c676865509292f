"""What came of an action, through Matrix (issue 13): Docker's reason for a failure (the host
answers only "exit status 1"), a container that exits right after its start, a failed install
that leaves a `created` container (its rm offered with ✅/❌), and the host commands `system`,
`activity` and `health` with their missing-scope answers."""

from __future__ import annotations

import re

import pytest

import wagbot_matrix as wm
from wagbot_matrix import body, confirmation_id, container, reaction, reply_to

pytestmark = pytest.mark.timeout(120)


def test_failure_reasons_and_a_crash_right_after_start(world):
    w = world
    room = w.bot.dm(w.alice)
    w.ctl.registry_down("nas")
    pulled = body(w.bot.ask(w.alice, room, "pull alpine:3.20"))
    assert pulled.startswith("❌ pull `alpine:3.20` failed on @nas: registry unreachable ("), pulled
    assert "no such host" in pulled

    w.ctl.exit_on_start("nas", container="redis", logs=["redis: bad maxmemory value"])
    started = body(w.bot.ask(w.alice, room, "start redis"))
    assert started.startswith("❌ `redis` on @nas started but exited at once (exited"), started
    assert "redis: bad maxmemory value" in started
    assert container(w.ctl, "nas", "redis")["status"] == "exited"


def test_a_failed_install_offers_the_rm_of_what_it_left(world):
    w = world
    room = w.bot.dm(w.alice)
    w.ctl.take_host_port("nas", 8096)  # something outside Docker holds jellyfin's port
    prompt = w.bot.ask(w.alice, room, "install jellyfin as films")
    w.alice.wait_for(reaction(room, target=prompt["event_id"], key="✅", sender=w.bot.user_id))
    w.alice.react(room, prompt["event_id"], "✅")
    failed = w.alice.wait_for(reply_to(w.bot, room, prompt["event_id"]))
    text = body(failed)
    assert "Jellyfin did not start on @nas: the port is already taken (" in text, text
    left = [c["name"] for c in w.ctl.state("nas")["containers"]
            if c["name"].startswith("films-") and c["status"] == "created"]
    assert len(left) == 1
    assert f"It left `{left[0]}` behind, created but not running." in text
    assert f"rm `{left[0]}` on @nas?" in text and confirmation_id(failed)
    # The offer is an ordinary prompt: the bot's ✅ on it, and alice's ✅ removes the leftover.
    w.alice.wait_for(reaction(room, target=failed["event_id"], key="✅", sender=w.bot.user_id))
    w.alice.react(room, failed["event_id"], "✅")
    done = wm.outcome(w.alice.wait_for(wm.edit_of(w.bot, room, failed["event_id"])))
    assert f"`{left[0]}` deleted from @nas." in body(done)
    assert container(w.ctl, "nas", left[0]) is None


def test_system_activity_and_health(make_world):
    w = make_world(start=False)
    w.bot.grant("bob", "media", scopes=["containers:read"])
    w.bot.start()
    room = w.bot.dm(w.alice)
    system = body(w.bot.ask(w.alice, room, "system @nas"))
    assert re.search(r"@nas has been up \d+ days? \d+ h\.", system), system
    assert "Docker root /" in system
    w.bot.ask(w.alice, room, "restart nginx")
    activity = body(w.bot.ask(w.alice, room, "what happened on the nas?"))
    assert "API actions on @nas, oldest first:" in activity, activity
    assert "alice · restart `nginx` · ok" in activity, activity
    health = body(w.bot.ask(w.alice, room, "health @nas"))
    assert re.search(r"@nas answers \(\d+ ms\)", health), health
    assert "Your key …" in health and "is accepted" in health

    bobs = w.bot.dm(w.bob)
    refused = body(w.bot.ask(w.bob, bobs, "system @media"))
    assert "lacks the `system:read` scope" in refused, refused
    refused = body(w.bot.ask(w.bob, bobs, "activity @media"))
    assert "lacks the `system:read` scope" in refused, refused
    assert "accepted" in body(w.bot.ask(w.bob, bobs, "health @media"))  # needs no scope
