"""Plain sentences end to end through the shell against the WAGMIOS simulator: the README's
examples do what they say, destructive ones still ask first, and vague ones are asked about
(nothing called). The shell prints no mood marks: that a question back is not an error is
checked on Matrix (tests/e2e_agents) and through `explain` (tests/e2e/test_sentences.py)."""

from __future__ import annotations

import pytest

from conftest import action_calls, calls

pytestmark = pytest.mark.timeout(90)


def test_reads_from_sentences_reach_the_host_named(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    r = bot.chat(["what's running on the nas?", "show me the last 20 lines of logs for redis on the nas",
                  "what's installed on media?", "is nginx healthy on the nas?"]).replies
    assert "containers on @nas" in r[0] and "@media" not in r[0], r[0]
    assert "GET /api/containers/redis/logs?tail=20" in calls(ctl, "nas")
    assert "@media" in r[2] and "installed" in r[2].lower(), r[2]
    assert "`nginx` on @nas" in r[3], r[3]
    assert action_calls(ctl, "media") == ["GET /api/marketplace/installed"]


def test_a_polite_sentence_in_any_case_restarts_on_the_described_host(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    reply = bot.say("Could You Please Restart Nginx On The Media Server, thanks")
    assert reply == "`nginx` restarted on @media.", reply
    assert action_calls(ctl, "media") == ["POST /api/containers/nginx/restart"]
    assert action_calls(ctl, "nas") == []


def test_destructive_sentences_still_ask_first(bot, ctl):
    bot.grant("alice", "nas")
    ask = bot.say("please stop postgres on the nas, thanks")
    assert "Confirm" in ask and "stop `postgres` on @nas" in ask, ask
    ask = bot.say("install vaultwarden on the nas as vault with TZ=Europe/Paris")
    assert "Confirm" in ask and "vaultwarden" in ask, ask
    assert action_calls(ctl, "nas") == [] or all(c.startswith("GET ") for c in action_calls(ctl, "nas"))


def test_a_compound_sentence_carries_its_container_and_host(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    reply = bot.say("restart nginx on the nas and then show me the last 5 lines of its logs")
    assert reply.startswith("`nginx` restarted on @nas."), reply
    assert action_calls(ctl, "nas") == ["POST /api/containers/nginx/restart",
                                        "GET /api/containers/nginx/logs?tail=5"]
    assert action_calls(ctl, "media") == []


def test_vague_sentences_are_asked_about_and_run_nothing(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    r = bot.chat(["remove all of them", "restart that one", "restart nginx on the box",
                  "restart nginx on the meda", "restart ngnix on the nas", "ps @nsa"]).replies
    assert "one named container at a time" in r[0]
    assert "Which container should I restart?" in r[1]
    assert "I don't know a host called \"box\"" in r[2] and "@nas" in r[2]
    assert "did you mean @media?" in r[3]
    assert "Did you mean `nginx`?" in r[4]
    assert "did you mean @nas?" in r[5]
    for host in ("nas", "media"):
        assert [c for c in action_calls(ctl, host) if not c.startswith("GET ")] == []


def test_an_app_named_as_people_say_it_is_offered_by_its_catalogue_id(bot, ctl):
    bot.grant("alice", "nas")
    r = bot.chat(["install open webui on the nas", "no", "install Home Assistant on the nas",
                  "no", "install adguard on the nas", "install frobnicator on the nas"]).replies
    # Spelled out whole but for case and spaces: the app's catalogue id, in the question itself.
    assert r[0].startswith("Confirm: install `openwebui` on @nas?"), r[0]
    assert r[2].startswith("Confirm: install `homeassistant` on @nas?"), r[2]
    # Only part of a name: asked, not guessed.
    assert "Did you mean `adguard-home`?" in r[4], r[4]
    assert r[5] == "No app `frobnicator` in the marketplace of @nas. `apps <words>` searches it."
    assert not any(c.startswith("POST") for c in action_calls(ctl, "nas"))
