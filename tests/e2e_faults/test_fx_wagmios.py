"""WAGMIOS misbehaves under a running bot (through Discord, where each answer is easy to read):
slow beyond the bot's deadline and just within it, a proxy's 5xx page, garbage, a connection
dropped before any answer, and a connection reset in the middle of the answer (after the host
has carried the request out).

For a write, a read and a confirmed write, every case checks the same things: the user reads a
plain message; the bot keeps running; the write was sent once and carried out at most once (never
twice, even where the host did it and the bot could not tell); a later command works; and a
confirmation that was pending before the fault is still confirmable after it, and runs once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

import wagbot_discord as wd
from invariant import assert_writes, asked, plain, settle, wait_effect
from wagbot_discord import text, visible_text

pytestmark = pytest.mark.timeout(60)

DEADLINE = 3            # timeouts.request, seconds
RESTART = "/api/containers/nginx/restart"
LOGS = "/api/containers/nginx/logs"
STOP = "/api/containers/{}/stop"


@dataclass
class Fault:
    name: str
    spec: dict
    carried_out: bool               # does the host carry the request out?
    says: list[str] = field(default_factory=list)   # what the user reads (any of)
    uncertain: bool = False         # the answer was lost after the request left: a write may be done


FAULTS = [
    Fault("slow-beyond-deadline", {"latency_ms": DEADLINE * 1000 + 1500}, True, ["did not answer in time"], True),
    Fault("slow-within-deadline", {"latency_ms": DEADLINE * 1000 - 1500}, True, []),
    Fault("5xx", {"status": 503}, False, ["HTTP 503", "not the WAGMIOS API"]),
    Fault("garbage", {"garbage": True}, False, ["not the WAGMIOS API"]),
    Fault("drop", {"drop": True}, False, ["@nas is unreachable"], True),
    Fault("reset", {"reset": True}, True, ["@nas"], True),
]
IDS = [f.name for f in FAULTS]


def ask_stop(bot, name: str) -> tuple[str, str]:
    """/stop <name> by alice: (prompt message id, confirmation id); nothing is stopped yet."""
    d = bot.ask("stop", {"container": name})
    prompt = d["original"]
    return prompt["id"], wd.confirmation_id_of(prompt)


def confirm(bot, dctl, prompt: tuple[str, str]) -> str:
    """alice presses Confirm; the text of the result follow-up."""
    mid, cid = prompt
    click = dctl.click(mid, f"wagbot:confirm:{cid}")
    d = bot.wait_followups(click["id"], 1, 15)
    assert not d["errors"], d["errors"]
    return text(d["followups"][0])


MAYBE_DONE = "It may have been done anyway: check with `ps @nas` before you try again."


def check_answer(fault: Fault, seen: str, success: str, write: bool) -> None:
    assert plain(seen), seen
    # a write whose fate is unknown says so, instead of inviting a second one; a read never does
    assert (MAYBE_DONE in seen) == (write and fault.uncertain), (fault.name, seen)
    if fault.says:
        assert any(s in seen for s in fault.says), (fault.name, seen)
        assert success not in seen, (fault.name, seen)
    else:
        assert success in seen, (fault.name, seen)


@pytest.fixture
def bot(dc_world):
    return dc_world(timeouts={"request": DEADLINE})


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
def test_a_write(bot, dctl, wctl, fault):
    pending = ask_stop(bot, "postgres")
    wctl.set_faults("nas", path_prefix=RESTART, **fault.spec)
    d = bot.ask("restart", {"container": "nginx"}, timeout=DEADLINE + 10)
    check_answer(fault, visible_text(d), "`nginx` restarted", write=True)
    assert bot.running()
    settle(wctl, "nas")
    n = int(fault.carried_out)
    assert_writes(wctl, "nas", {("restart", "nginx"): n}, requests={("restart", "nginx"): 1})

    wctl.clear_faults("nas")
    again = bot.ask("restart", {"container": "nginx"})
    assert "`nginx` restarted" in text(again["original"]), visible_text(again)
    assert "stopped" in confirm(bot, dctl, pending)
    assert_writes(wctl, "nas", {("restart", "nginx"): n + 1, ("stop", "postgres"): 1},
                  requests={("restart", "nginx"): 2, ("stop", "postgres"): 1})


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
def test_a_read(bot, dctl, wctl, fault):
    pending = ask_stop(bot, "postgres")
    wctl.set_faults("nas", path_prefix=LOGS, **fault.spec)
    d = bot.ask("logs", {"container": "nginx", "lines": 5}, timeout=2 * DEADLINE + 10)
    check_answer(fault, visible_text(d), "Last 5 lines", write=False)
    assert bot.running()
    # A read may be retried once on a fresh connection, never more.
    assert 1 <= len(asked(wctl, "nas", "GET", LOGS)) <= 2

    wctl.clear_faults("nas")
    again = bot.ask("logs", {"container": "nginx", "lines": 3})
    assert "Last 3 lines" in text(again["original"]), visible_text(again)
    assert "stopped" in confirm(bot, dctl, pending)
    assert_writes(wctl, "nas", {("stop", "postgres"): 1})


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.name in ("slow-beyond-deadline", "drop", "reset")],
                         ids=["slow-beyond-deadline", "drop", "reset"])
def test_a_confirmed_write(bot, dctl, wctl, fault):
    """The fault meets the action a click confirmed: it is carried out at most once, the
    confirmation is used up (a second click runs nothing), and another pending one still works."""
    other = ask_stop(bot, "postgres")
    target = ask_stop(bot, "nginx")
    wctl.set_faults("nas", path_prefix=STOP.format("nginx"), **fault.spec)
    seen = confirm(bot, dctl, target)
    check_answer(fault, seen, "`nginx` stopped", write=True)
    if fault.carried_out:
        wait_effect(wctl, "nas", "stop", "nginx")
    settle(wctl, "nas")
    n = int(fault.carried_out)
    assert_writes(wctl, "nas", {("stop", "nginx"): n}, requests={("stop", "nginx"): 1})

    wctl.clear_faults("nas")
    # Its buttons are off by now; saying yes again by text runs nothing either.
    again = bot.ask("confirm", {"id": target[1]})
    assert "already confirmed" in visible_text(again), visible_text(again)
    assert "stopped" in confirm(bot, dctl, other)
    assert_writes(wctl, "nas", {("stop", "nginx"): n, ("stop", "postgres"): 1},
                  requests={("stop", "nginx"): 1, ("stop", "postgres"): 1})
    # The prompt of the confirmed one says so, and its buttons are off.
    wd.poll(lambda: (m := dctl.get_message(target[0])) and "Confirmed" in text(m)
            and all(b.get("disabled") for b in wd.buttons(m)), "the prompt edited", 10)


def test_confirm_by_command_on_a_slow_host(dc_world, dctl, wctl):
    """`/confirm <id>` runs the confirmed write: on a host slower than Discord's 3 s it must
    still be answered (deferred, then edited), and run once."""
    bot = dc_world()                      # timeouts.request: the default 10 s
    target = ask_stop(bot, "nginx")
    wctl.set_faults("nas", latency_ms=4000, path_prefix=STOP.format("nginx"))
    sent = bot.command("confirm", {"id": target[1]})
    d = dctl.wait_interaction(sent["id"], lambda x: "stopped" in visible_text(x) or x["errors"]
                              or x["status"] == "expired", 15)
    assert "`nginx` stopped" in visible_text(d) and not d["errors"], (d["status"], d["errors"], visible_text(d))
    assert_writes(wctl, "nas", {("stop", "nginx"): 1})
