"""The LLM planner on Matrix: an agent writes prose that nothing deterministic reads; the
scripted OpenAI-compatible stub (tests/llm_stub) turns it into a delete, which waits for the
agent's human approver like any request of the agent's, and runs with the AGENT's key. The
model never sees a WAGMIOS key, the bot's token or anyone's Matrix id."""

from __future__ import annotations

import sys

import pytest

import wagbot_agents as wa
from conftest import World
from wagbot_agents import body, content, posts, reaction, reply_to, suffix

sys.path.insert(0, str(wa.REPO / "tests" / "llm_stub"))

from openai_stub import ChatStub, tool_calls  # noqa: E402

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def llm():
    with ChatStub() as stub:
        yield stub


@pytest.fixture
def planner_world(humans, ctl, make_bot, llm) -> World:
    llm.clear()
    alice, bob, robo = humans("alice"), humans("bob"), humans("robo")
    bot = make_bot()
    bot.add_user("alice", alice, admin=True)
    bot.add_user("bob", bob)
    bot.add_agent("robo", robo, approvers=["alice"])
    for user, host in (("alice", "nas"), ("robo", "nas")):
        bot.grant(user, host)
    bot.configure(planner={"base_url": llm.url, "model": "stub-model", "timeout": 10})
    bot.start()
    return World(bot, ctl, alice, bob, robo, dict(bot.keys))


def test_an_agents_prose_planned_by_the_model_waits_for_its_approver(planner_world, llm):
    w = planner_world
    room = w.group()
    llm.script(tool_calls(("rm", {"container": "redis", "host": "nas"})))
    prompt = w.bot.ask(w.robo, room, "!wag could you clear away the old cache box on the nas")
    text = body(prompt)
    assert "🤖 The model read this as: `rm redis @nas`." in text, text
    assert "Approval needed: robo (an agent) asks to rm `redis` on @nas. alice:" in text, text
    assert content(prompt)["m.mentions"].get("user_ids") == [w.alice.user_id]
    assert posts(w.ctl, "nas") == [], "deleted before the approver said yes"

    for key in ("✅", "❌"):
        w.alice.wait_for(reaction(room, target=prompt["event_id"], key=key, sender=w.bot.user_id))
    w.alice.react(room, prompt["event_id"], "✅")
    done = wa.outcome(w.alice.wait_for(wa.edit_of(w.bot, room, prompt["event_id"])))
    assert "`redis` deleted from @nas." in body(done), body(done)
    assert posts(w.ctl, "nas") == [("POST /api/containers/redis/delete", suffix(w.key("robo", "nas")))]

    assert len(llm.requests) == 1 and llm.problems == [], llm.problems
    raw = llm.requests[0]["body"]
    assert "could you clear away the old cache box on the nas" in raw
    assert "!wag" not in raw, "the prefix is not part of what the model reads"
    for key in w.keys.values():
        assert key not in raw and suffix(key) not in raw
    assert "wag_live_" not in raw
    assert w.bot.account["access_token"] not in raw
    for human in (w.alice, w.bob, w.robo):
        assert human.user_id not in raw
    assert w.bot.user_id not in raw
