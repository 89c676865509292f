"""A person's plain sentences on Matrix: a compound request runs both actions on the hosts
its words name (by their configured descriptions), through the usual confirmation; an
ambiguous sentence gets a question and runs nothing."""

from __future__ import annotations

import pytest

import wagbot_agents as wa
from wagbot_agents import body, calls, content, edit_of, outcome, posts, reaction, reply_to, suffix

pytestmark = pytest.mark.timeout(120)

COMPOUND = "install jellyfin on the media server and make sure nginx is running on the NAS"
MARKET_CREATE = "POST /api/marketplace/create"
MARKET_START = "POST /api/marketplace/start"


def wait_prompt_reactions(w, room: str, prompt: dict) -> None:
    for key in ("✅", "❌"):
        w.alice.wait_for(reaction(room, target=prompt["event_id"], key=key, sender=w.bot.user_id))


def test_a_compound_sentence_in_a_direct_chat_runs_both_actions_on_the_right_hosts(world):
    w = world
    w.ctl.set_container_state("nas", "nginx", "exited")
    room = w.bot.dm(w.alice)
    reply = w.bot.ask(w.alice, room, COMPOUND)  # no prefix in a direct chat
    text = body(reply)
    # Part 1, install on @media ("the media server"): destructive, so it asks first.
    assert "Confirm: install `jellyfin` on @media?" in text, text
    cid = wa.wm.confirmation_id(reply)
    # Part 2, "make sure nginx is running on the NAS": it was not, so it is started on @nas.
    assert "`nginx` started on @nas." in text, text
    assert posts(w.ctl, "nas") == [("POST /api/containers/nginx/start", suffix(w.key("alice", "nas")))]
    assert wa.container(w.ctl, "nas", "nginx")["status"] == "running"
    assert posts(w.ctl, "media") == [], "installed before alice said yes"
    assert not any("/marketplace" in c for c in calls(w.ctl, "nas"))

    wait_prompt_reactions(w, room, reply)
    w.alice.react(room, reply["event_id"], "✅")
    edit = w.alice.wait_for(edit_of(w.bot, room, reply["event_id"]))
    assert content(edit)["m.new_content"]["body"].startswith("✅ Confirmed by alice: install `jellyfin` on @media.")
    assert "is installing on @media" in body(outcome(edit)), body(outcome(edit))

    # The install went to @media only, with alice's @media key; @nas saw no marketplace call.
    alice_media = suffix(w.key("alice", "media"))
    assert posts(w.ctl, "media") == [(MARKET_CREATE, alice_media), (MARKET_START, alice_media)]
    create = next(r for r in w.ctl.requests("media") if r["path"] == "/api/marketplace/create")
    assert create["body"]["app_id"] == "jellyfin"
    assert [i["app_id"] for i in w.ctl.state("media")["installed"]] == ["jellyfin"]
    assert w.ctl.state("nas")["installed"] == []
    assert posts(w.ctl, "nas") == [("POST /api/containers/nginx/start", suffix(w.key("alice", "nas")))]
    assert not any("/marketplace" in c for c in calls(w.ctl, "nas"))
    # Confirming again by its id changes nothing.
    again = w.bot.ask(w.alice, room, f"confirm {cid}")
    assert f"`{cid}` was already confirmed" in body(again)
    assert len(posts(w.ctl, "media")) == 2


def test_a_compound_sentence_in_a_group_room_when_nginx_already_runs(world):
    w = world
    room = w.group()
    reply = w.bot.ask(w.alice, room, "!wag " + COMPOUND)
    text = body(reply)
    assert "Confirm: install `jellyfin` on @media?" in text, text
    assert "`nginx` is already running on @nas." in text, text
    assert posts(w.ctl, "nas") == []  # "make sure": no start when it runs
    assert posts(w.ctl, "media") == []
    wait_prompt_reactions(w, room, reply)
    # Only alice (the requester) may answer: bob's ✅ is ignored; alice's ❌ cancels.
    mark = w.bot.log_mark()
    w.bob.react(room, reply["event_id"], "✅")
    w.bot.wait_log(r"ignored bob's reaction on alice's confirmation", since=mark)
    w.alice.react(room, reply["event_id"], "❌")
    cancelled = outcome(w.alice.wait_for(edit_of(w.bot, room, reply["event_id"])))
    assert "Cancelled by alice: install `jellyfin` on @media. Nothing was done." in body(cancelled)
    assert posts(w.ctl, "media") == [] and posts(w.ctl, "nas") == []
    assert w.ctl.state("media")["installed"] == []


AMBIGUOUS = [
    ("could you stop the container on the nas?", "Which container should I stop?"),
    ("please restart nginx on the box", 'I don\'t know a host called "box". Your hosts: @nas, @media.'),
    ("make sure is running on the nas", "Which container should I start?"),
]


def test_an_ambiguous_sentence_gets_a_question_and_runs_nothing(world):
    w = world
    room = w.bot.dm(w.alice)
    for sentence, question in AMBIGUOUS:
        reply = w.bot.ask(w.alice, room, sentence)
        assert body(reply) == question, sentence
        assert content(reply)["msgtype"] == "m.text"  # a question back is an answer
    assert calls(w.ctl, "nas") == [] and calls(w.ctl, "media") == []
    # Questions, not prompts: nothing to confirm.
    w.alice.expect_nothing(reaction(room, sender=w.bot.user_id), within=1)


def test_a_compound_sentence_with_an_ambiguous_part_gets_a_question_and_runs_nothing(world):
    """Only part of it is clear ("stop everything"): ask, do not run (or offer) the clear part,
    and never read the rest as arguments of the first verb."""
    w = world
    room = w.bot.dm(w.alice)
    reply = w.bot.ask(w.alice, room, "install jellyfin on the media server and stop everything on the nas")
    text = body(reply)
    assert "Confirm:" not in text and "confirm" not in text, text
    assert text.endswith("?") and "stop" in text, text
    w.alice.expect_nothing(reaction(room, sender=w.bot.user_id), within=1)
    assert calls(w.ctl, "nas") == [] and calls(w.ctl, "media") == []


def test_everyday_phrasings_act_on_the_host_named_and_a_typo_is_asked_about(world):
    """Politeness, any case, a command word with words around it, and a mistyped container:
    the last gets the names it most likely meant as a question (no ❌) and runs nothing."""
    w = world
    room = w.bot.dm(w.alice)
    reply = w.bot.ask(w.alice, room, "Restart Nginx On The NAS, please")
    assert body(reply).endswith("`nginx` restarted on @nas."), body(reply)
    assert posts(w.ctl, "nas") == [("POST /api/containers/nginx/restart", suffix(w.key("alice", "nas")))]
    reply = w.bot.ask(w.alice, room, "show me the last 20 lines of logs for redis on the nas")
    assert "GET /api/containers/redis/logs?tail=20" in calls(w.ctl, "nas")
    reply = w.bot.ask(w.alice, room, "restart ngnix on the nas")
    assert body(reply) == "No container is called `ngnix` on @nas. Did you mean `nginx`?", body(reply)
    assert len(posts(w.ctl, "nas")) == 1 and posts(w.ctl, "media") == []
