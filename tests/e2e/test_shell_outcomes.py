"""What came of an action, as a real WAGMIOS host lets a client know it (issue 13): Docker's
reason for a failure (the host answers only "exit status 1"; the reason is in its activity
feed), a container that exits right after its start, and the host commands `system`,
`activity` and `health`, with their missing-scope answers."""

from __future__ import annotations

import re

import pytest

from conftest import action_calls, container

pytestmark = pytest.mark.timeout(60)

READ_WRITE = ["containers:read", "containers:write"]


def test_a_pull_that_fails_says_why(bot, ctl):
    bot.grant("alice", "nas")
    ctl.registry_down("nas")
    reply = bot.say("pull alpine:3.20")
    assert reply.startswith("pull `alpine:3.20` failed on @nas: registry unreachable ("), reply
    assert "no such host" in reply and "exit status" not in reply
    assert action_calls(ctl, "nas") == ["POST /api/images/pull", "GET /api/activity"]


def test_a_bad_image_name_is_told_plainly(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("pull Bad_Name::x")
    assert "failed on @nas: not a valid image name (" in reply, reply


def test_a_container_that_exits_at_once_is_reported_with_its_last_lines(bot, ctl):
    bot.grant("alice", "nas")
    ctl.exit_on_start("nas", container="redis", exit_code=1,
                      logs=["*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***",
                            ">>> 'maxmemory 2gb banana'"])
    reply = bot.say("start redis")
    assert reply.startswith("`redis` on @nas started but exited at once (exited"), reply
    assert "FATAL CONFIG FILE ERROR" in reply and "maxmemory 2gb banana" in reply
    assert "`logs redis @nas` shows more." in reply
    assert "POST /api/containers/redis/start" in action_calls(ctl, "nas")
    assert container(ctl, "nas", "redis")["status"] == "exited"


def test_a_container_that_stays_up_gets_the_plain_answer(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("start redis")
    assert reply == "`redis` started on @nas.", reply
    assert container(ctl, "nas", "redis")["status"] == "running"


def test_a_restart_that_crashes_is_reported(bot, ctl):
    bot.grant("alice", "nas")
    ctl.exit_on_start("nas", container="nginx", logs=["nginx: [emerg] unknown directive"])
    reply = bot.say("restart nginx")
    assert reply.startswith("`nginx` on @nas restarted but exited at once"), reply
    assert "unknown directive" in reply


def test_system_shows_cpu_memory_disk_uptime_and_docker_root(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("system @nas")
    assert re.match(r"@nas has been up \d+ days? \d+ h\.", reply), reply
    assert re.search(r"CPU \d+\.\d% \(average since boot\) · memory [\d.]+ GiB of 16\.0 GiB "
                     r"\(\d+%\) · disk [\d.]+ GiB of [\d.]+ GiB \(\d+%\) · Docker root /", reply)
    assert action_calls(ctl, "nas") == ["GET /api/system/metrics", "GET /api/system/info"]


def test_system_without_system_read_names_the_scope(bot, ctl):
    bot.grant("alice", "nas", scopes=READ_WRITE)
    reply = bot.say("system @nas")
    assert "lacks the `system:read` scope" in reply and "Agent Permissions" in reply
    assert action_calls(ctl, "nas") == []


def test_activity_tells_who_did_what(bot, ctl):
    bot.grant("alice", "nas")
    ctl.registry_down("nas")
    bot.chat(["restart nginx", "pull alpine:3.20"])
    reply = bot.say("activity 5 @nas")
    assert reply.startswith("The last 3 API actions on @nas, oldest first:"), reply
    # alice's key is alice's: the table names her, not the key's last characters.
    assert re.search(r"alice\s+restart `nginx`\s+ok", reply), reply
    assert re.search(r"alice\s+pull `alpine:3\.20`\s+failed: registry unreachable", reply), reply


def test_activity_without_system_read_names_the_scope(bot, ctl):
    bot.grant("alice", "nas", scopes=READ_WRITE)
    reply = bot.say("activity @nas")
    assert "lacks the `system:read` scope" in reply


def test_activity_count_out_of_range_is_refused(bot, ctl):
    bot.grant("alice", "nas")
    assert "[count] must be between 1 and 100" in bot.say("activity 500 @nas")


def test_health_of_every_host_needs_no_scope(bot, ctl):
    bot.grant("alice", "nas", scopes=["images:read"])
    bot.grant("alice", "media", scopes=["images:read"])
    ctl.down("media")
    reply = bot.say("health")
    assert re.search(r"@nas answers \(\d+ ms\); set up, \d+ API keys\.", reply), reply
    assert re.search(r"Your key …\S{8} is accepted \(1 scope;", reply), reply
    assert re.search(r"Rate limit: about \d+ of 100 requests a minute left", reply), reply
    assert "@media is unreachable" in reply
