"""Confirmation buttons: only the requester's click counts, a click by anyone else gets an
ephemeral "not yours", expiry and resolution edit the prompt and disable its buttons, and a
second click does nothing twice."""

from __future__ import annotations

import wagbot_discord as wd
from wagbot_discord import ALICE, BOB, EVE, is_ephemeral, response_types, text, writes

STOP = "POST /api/containers/nginx/stop"


def ask_stop(bot) -> tuple[str, str]:
    """/stop nginx by alice: returns (prompt message id, confirmation id)."""
    d = bot.ask("stop", {"container": "nginx"})
    assert d["status"] == "completed" and not d["errors"], d
    prompt = d["original"]
    cid = wd.confirmation_id_of(prompt)
    assert not any(b.get("disabled") for b in wd.buttons(prompt))
    return prompt["id"], cid


def disabled(message: dict) -> bool:
    bs = wd.buttons(message)
    return len(bs) == 2 and all(b.get("disabled") for b in bs)


def wait_prompt(dctl, message_id: str, predicate, what: str, deadline: float = 10.0) -> dict:
    return wd.poll(lambda: (m := dctl.get_message(message_id)) and predicate(m) and m, what, deadline)


def private_answer(dctl, interaction_id: str) -> str:
    """A click answered at once (type 4), ephemeral: its text."""
    d = dctl.wait_interaction(interaction_id, wd.finished, wd.REPLY_TIMEOUT)
    assert response_types(d) == [4], d["responses"]
    assert d["responses"][0]["at"] < 3000
    assert is_ephemeral(d["responses"][0]["data"]), d["responses"][0]["data"]
    return text(d["responses"][0]["data"])


def public_messages(dctl) -> list[str]:
    return [text(m) for m in dctl.channel_messages(wd.CHANNEL) if not is_ephemeral(m)]


def test_requester_confirms(bot, dctl, wctl):
    mid, cid = ask_stop(bot)
    assert writes(wctl, "nas") == []
    click = dctl.click(mid, f"wagbot:confirm:{cid}")
    d = bot.wait_followups(click["id"])
    assert response_types(d) == [6] and d["responses"][0]["at"] < 3000 and not d["errors"]
    assert "nginx" in text(d["followups"][0]) and "stopped" in text(d["followups"][0])
    prompt = wait_prompt(dctl, mid, lambda m: "Confirmed" in text(m) and disabled(m), "the prompt edited")
    assert "alice" in text(prompt)
    assert writes(wctl, "nas") == [STOP]
    assert wd.container(wctl, "nas", "nginx")["status"] == "exited"


def test_requester_cancels(bot, dctl, wctl):
    mid, cid = ask_stop(bot)
    click = dctl.click(mid, f"wagbot:cancel:{cid}")
    dctl.wait_interaction(click["id"], lambda x: x["acknowledged"], wd.REPLY_TIMEOUT)
    wait_prompt(dctl, mid, lambda m: "Cancelled" in text(m) and disabled(m), "the prompt edited")
    assert writes(wctl, "nas") == []
    assert wd.container(wctl, "nas", "nginx")["status"] == "running"


def test_click_by_another_user(bot, dctl, wctl):
    mid, cid = ask_stop(bot)
    for user, name in ((BOB, "bob"), (EVE, "eve")):
        for button in ("confirm", "cancel"):
            click = dctl.click(mid, f"wagbot:{button}:{cid}", user_id=user, username=name)
            assert "not yours" in private_answer(dctl, click["id"])
    assert writes(wctl, "nas") == []
    prompt = dctl.get_message(mid)
    assert not any(b.get("disabled") for b in wd.buttons(prompt)), "the prompt changed"
    assert "Confirm:" in text(prompt)
    # still pending: the requester can confirm it afterwards, once
    click = dctl.click(mid, f"wagbot:confirm:{cid}")
    bot.wait_followups(click["id"])
    assert writes(wctl, "nas") == [STOP]


def test_expiry(make_world, dctl, wctl):
    bot = make_world(confirmation_timeout=2)
    mid, cid = ask_stop(bot)
    prompt = wait_prompt(dctl, mid, lambda m: "Expired" in text(m), "the prompt marked expired", 8)
    assert disabled(prompt), prompt["components"]
    assert "nginx" in text(prompt)
    assert writes(wctl, "nas") == []
    # the buttons are disabled for a real client; a late click (forced) does nothing either
    click = dctl.click(mid, f"wagbot:confirm:{cid}", force=True)
    answer = private_answer(dctl, click["id"])
    assert "already expired" in answer, answer
    assert writes(wctl, "nas") == []
    assert wd.container(wctl, "nas", "nginx")["status"] == "running"


def test_double_click_after_resolution(bot, dctl, wctl):
    mid, cid = ask_stop(bot)
    first = dctl.click(mid, f"wagbot:confirm:{cid}")
    bot.wait_followups(first["id"])
    wait_prompt(dctl, mid, disabled, "the buttons disabled")
    second = dctl.click(mid, f"wagbot:confirm:{cid}", force=True)
    answer = private_answer(dctl, second["id"])
    assert "already confirmed" in answer, answer
    assert writes(wctl, "nas") == [STOP]


def test_double_click_at_once(bot, dctl, wctl):
    """Two clicks in flight together: one action, one public result, the other click told
    privately that it was already done.

    To make the overlap certain, the first click's acknowledgement gets one 429 (retry after
    0.4 s): the second click arrives and is handled while the first is still pending."""
    mid, cid = ask_stop(bot)
    dctl.storm("POST /interactions/{id}/{token}/callback", 1, retry_after=0.4)
    clicks = [dctl.click(mid, f"wagbot:confirm:{cid}"), dctl.click(mid, f"wagbot:confirm:{cid}")]
    done = [dctl.wait_interaction(c["id"], lambda x: x["acknowledged"] and (x["followups"] or x["status"] == "responded"),
                                  wd.REPLY_TIMEOUT) for c in clicks]
    for d in done:
        assert len(d["responses"]) == 1 and not d["errors"], d
        assert d["responses"][0]["at"] < 3000
    wd.poll(lambda: writes(wctl, "nas") == [STOP], "the stop call")
    wait_prompt(dctl, mid, lambda m: "Confirmed" in text(m) and disabled(m), "the prompt edited")
    answers = [wd.visible_text(dctl.get_interaction(c["id"])) for c in clicks]
    assert sum("stopped" in a for a in answers) == 1, answers
    assert sum("already" in a.lower() for a in answers) == 1, answers
    # the "already" answer is for the clicker only: the channel shows one result
    public = public_messages(dctl)
    assert not any("already" in t.lower() for t in public), public
    assert sum("stopped on @nas" in t for t in public) == 1, public
    assert writes(wctl, "nas") == [STOP]


def test_confirm_and_cancel_slash_commands(bot, dctl, wctl):
    mid, cid = ask_stop(bot)
    d = bot.ask("cancel", {"id": cid})
    assert response_types(d)[0] in (4, 5)
    wait_prompt(dctl, mid, lambda m: "Cancelled" in text(m) and disabled(m), "the prompt edited")
    assert writes(wctl, "nas") == []
    mid, cid = ask_stop(bot)
    d = bot.ask("confirm", {"id": cid})
    dctl.wait_interaction(d["id"], lambda x: "stopped" in wd.visible_text(x), wd.REPLY_TIMEOUT)
    wait_prompt(dctl, mid, lambda m: "Confirmed" in text(m) and disabled(m), "the prompt edited")
    assert writes(wctl, "nas") == [STOP]
