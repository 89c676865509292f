"""Log-in: a bad token or password, not a homeserver, a persisted password login that reuses
its device and keeps its token sealed."""

from __future__ import annotations

import pytest

import wagbot_matrix as wm
from wagbot_matrix import body, synapse_token_of

pytestmark = pytest.mark.timeout(120)


def test_a_rejected_access_token_exits_with_code_3(make_world):
    w = make_world(start=False)
    (w.bot.dir / "matrix-token").write_text("syt_d2FnYm90_notAValidToken_0a1b2c\n")
    w.bot.expected_exit = 3
    w.bot.start(wait=False)
    assert w.bot.wait_exit(30) == 3, w.bot.log()
    assert "rejected the access token" in w.bot.log()
    assert "notAValidToken" not in w.bot.log()


def test_a_wrong_password_exits_with_code_3(make_world):
    w = make_world(start=False)
    w.bot.auth = "password"
    (w.bot.dir / "matrix-password").write_text("not-the-password\n")
    w.bot.expected_exit = 3
    w.bot.start(wait=False)
    assert w.bot.wait_exit(30) == 3, w.bot.log()
    assert "login" in w.bot.log().lower() and "not-the-password" not in w.bot.log()


def test_a_server_that_is_not_a_homeserver_exits_with_code_4(make_world):
    w = make_world(start=False)
    w.bot.homeserver = w.bot.sim.hosts["media"]  # a WAGMIOS host answers 404 to /_matrix/...
    w.bot.expected_exit = 4
    w.bot.start(wait=False)
    assert w.bot.wait_exit(30) == 4, w.bot.log()
    assert "is not a Matrix homeserver" in w.bot.log()


def test_password_login_is_persisted_and_its_device_reused(make_world):
    w = make_world(start=False)
    hs, bot = w.hs, w.bot
    bot.auth = "password"
    registration_device = bot.account["device_id"]
    assert bot.devices() == [registration_device]
    bot.start()
    device = bot.wait_log(r"logged in to \S+ as \S+ with a password \(device (\w+)\)").group(1)
    assert device != registration_device
    assert bot.devices() == sorted([registration_device, device])
    dm = bot.dm(w.alice)
    assert "@nas" in body(bot.ask(w.alice, dm, "hosts"))

    for _ in range(2):  # restarts reuse the stored token: same device, no new login
        bot.restart()
        again = bot.wait_log(r"logged in to \S+ as \S+ \(device (\w+)\)").group(1)
        assert again == device
        assert "with a password" not in bot.log()
        assert bot.devices() == sorted([registration_device, device])
    assert "6 containers" in body(bot.ask(w.alice, dm, "ps"))

    # The token is stored sealed: it appears in no file of the data dir, nor in any log.
    (token,) = synapse_token_of(hs, bot.user_id, device)
    assert token.startswith("syt_")
    for f in bot.db_files():
        data = f.read_bytes()
        assert token.encode() not in data, f"the access token is stored in clear in {f.name}"
        assert b"syt_" not in data, f"something token-like is stored in clear in {f.name}"
    assert token not in bot.all_logs()
    assert bot.account["password"] not in bot.all_logs()
    assert bot.kv("matrix.device_id") == device


def test_a_revoked_stored_token_logs_in_again_with_the_same_device(make_world):
    w = make_world(start=False)
    hs, bot = w.hs, w.bot
    bot.auth = "password"
    bot.start()
    device = bot.wait_log(r"with a password \(device (\w+)\)").group(1)
    bot.stop()
    # An admin signs the bot's device out while it is down.
    st, out, _ = hs.request("DELETE", f"/_synapse/admin/v2/users/{wm.q(bot.user_id)}/devices/{device}",
                            token=hs.admin()["access_token"])
    assert st == 200, out
    assert device not in bot.devices()
    bot.start()
    bot.wait_log(r"stored access token was rejected")
    assert bot.wait_log(r"with a password \(device (\w+)\)").group(1) == device
    assert device in bot.devices()
    dm = bot.dm(w.alice)
    assert "@nas" in body(bot.ask(w.alice, dm, "hosts"))


def test_a_token_revoked_while_running_stops_the_bot_with_code_3(world):
    w = world
    dm = w.bot.dm(w.alice)
    assert "@nas" in body(w.bot.ask(w.alice, dm, "hosts"))
    st, out, _ = w.hs.request("POST", "/_matrix/client/v3/logout", {}, token=w.bot.account["access_token"])
    assert st == 200, out
    w.bot.expected_exit = 3
    assert w.bot.wait_exit(30) == 3, w.bot.log()
    assert "no longer accepts the bot's token" in w.bot.log()
