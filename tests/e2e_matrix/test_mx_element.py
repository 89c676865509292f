"""Element's own crypto as the human: matrix-js-sdk 37.5.0 (Rust crypto in WebAssembly), its
user cross-signed, in "exclude insecure devices" mode (MSC4153) — the setting that withholds
room keys from, and hides messages of, devices their owner has not signed. The scenario
(tests/element/element_human.mjs): an encrypted direct chat, `ps`, `stop nginx` confirmed by
an encrypted ✅ reaction, the prompt's edit, `key add`. The control: the same scenario against
a bot whose device is no longer signed by its account's identity fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

import wagbot_matrix as wm
from matrix_fixtures import register_unique
from wagbot_matrix import calls, q

pytestmark = pytest.mark.timeout(240)

ELEMENT = wm.REPO / "tests" / "element"
STOP = "POST /api/containers/nginx/stop"


def run_element(hs, human: dict, bot, new_key: str, timeout_ms: int = 20000) -> tuple[int, list[dict]]:
    node = shutil.which("node")
    assert node, "node is missing: scripts/setup installs what the tests need"
    assert (ELEMENT / "node_modules" / "matrix-js-sdk").is_dir(), "run scripts/setup (npm ci in tests/element)"
    env = {**os.environ, "HS": hs.url, "USER": human["user_id"], "PASSWORD": human["password"],
           "TOKEN": human["access_token"], "DEVICE": human["device_id"], "BOT": bot.user_id,
           "NEW_KEY": new_key, "TIMEOUT_MS": str(timeout_ms)}
    done = subprocess.run([node, str(ELEMENT / "element_human.mjs")], env=env, cwd=ELEMENT,
                          capture_output=True, text=True, timeout=180)
    steps = []
    for line in done.stdout.splitlines():
        try:
            steps.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    print(done.stdout[-4000:], done.stderr[-4000:])
    return done.returncode, steps


def bot_event_types(hs, room: str, bot) -> set[str]:
    token = hs.admin()["access_token"]
    st, out, _ = hs.request("GET", f"/_synapse/admin/v1/rooms/{q(room)}/messages?dir=b&limit=200", token=token)
    assert st == 200, out
    return {e["type"] for e in out["chunk"] if e["sender"] == bot.user_id} - {"m.room.member", "m.room.redaction"}


@pytest.fixture
def element_world(synapse_hs, make_bot, ctl):
    human = register_unique(synapse_hs, "eve-element")
    bot = make_bot()
    bot.add_user("eve", matrix_ids=[human["user_id"]], admin=True)
    bot.grant("eve", "nas")
    bot.start()
    return human, bot


def test_element_in_exclude_insecure_devices_mode_runs_commands(synapse_hs, element_world, ctl):
    human, bot = element_world
    key = bot.new_key("media", label="eve-media")
    rc, steps = run_element(synapse_hs, human, bot, key)
    assert rc == 0, steps[-1:]
    by_step = {s["step"]: s for s in steps}
    assert by_step["ready"]["crossSigningReady"]
    assert "nginx" in by_step["ps"]["body"]
    assert "`nginx` stopped on @nas" in by_step["stop result"]["body"]
    assert by_step["prompt edit"]["body"].startswith("✅ Confirmed by eve")
    assert key not in by_step["key add"]["body"]
    assert calls(ctl, "nas").count(STOP) == 1
    # On the server, everything the bot put in the room is ciphertext.
    assert bot_event_types(synapse_hs, by_step["done"]["roomId"], bot) == {"m.room.encrypted"}


def test_control_the_same_scenario_fails_when_the_bots_device_is_not_cross_signed(
        synapse_hs, element_world, ctl):
    human, bot = element_world
    bot.replace_identity()
    rc, steps = run_element(synapse_hs, human, bot, bot.new_key("media", label="eve-media"),
                            timeout_ms=8000)
    assert rc == 1 and steps[-1]["step"] == "failed", steps[-1:]
    assert "no ps within" in steps[-1]["error"]
    assert STOP not in calls(ctl, "nas")
