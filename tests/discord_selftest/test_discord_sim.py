"""Fidelity check of the Discord simulator (tests/discord).

1. A real discord.py client (its REST base and default gateway pointed at the simulator) logs
   in, receives READY and GUILD_CREATE, registers a slash command by bulk overwrite, receives an
   INTERACTION_CREATE injected through the control API and answers it; then buttons and a modal.
2. Raw protocol tests (aiohttp WebSocket / HTTP) for what discord.py does not exercise on its own:
   heartbeats, zombies, resume with replay, op 7, op 9, close codes, payload limits, zlib-stream
   framing, REST rate limits and 429s, interaction callback rules, command validation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

import aiohttp
import pytest

from control import ControlError, start_discord_sim, stop_discord_sim

GUILD = "1200000000000000001"
CHANNEL = "1300000000000000001"
APP = "1100000000000000001"
UA = "DiscordBot (https://example.invalid/wagbot, 0.1)"
INTENTS = 1 | 512 | 4096           # GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES
MESSAGE_CONTENT = 1 << 15

pytestmark = pytest.mark.timeout(60)


# ====================================================================== helpers

def token(ctl) -> str:
    return ctl.get_config()["token"]


def api(sim, method: str, path: str, body=None, *, tok: str | None = "", ua: str | None = UA, query=None):
    """One REST call -> (status, headers, decoded body). tok="" means the configured token."""
    url = sim.api + path
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if tok == "":
        tok = token(sim.control)
    if tok is not None:
        req.add_header("Authorization", f"Bot {tok}")
    req.add_header("User-Agent", ua if ua is not None else "")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, headers, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, headers, raw = e.code, e.headers, e.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode()
    return status, headers, parsed


class GW:
    """Minimal raw gateway client."""

    def __init__(self, session, ws, compressed: bool):
        self.session = session
        self.ws = ws
        self.z = zlib.decompressobj() if compressed else None
        self.buf = bytearray()
        self.frames: list[bytes] = []
        self.seq = None

    @classmethod
    async def open(cls, session, url: str, compress: bool = False, query: str = "v=10&encoding=json"):
        q = query + ("&compress=zlib-stream" if compress else "")
        ws = await session.ws_connect(f"{url}?{q}", headers={"User-Agent": UA})
        return cls(session, ws, compress)

    async def recv(self, timeout: float = 5.0) -> dict:
        while True:
            msg = await self.ws.receive(timeout)
            if msg.type == aiohttp.WSMsgType.TEXT:
                m = json.loads(msg.data)
            elif msg.type == aiohttp.WSMsgType.BINARY:
                self.frames.append(bytes(msg.data))
                self.buf += msg.data
                if bytes(self.buf[-4:]) != b"\x00\x00\xff\xff":
                    continue
                m = json.loads(self.z.decompress(bytes(self.buf)))
                self.buf.clear()
            elif msg.type == aiohttp.WSMsgType.CLOSE:
                return {"_close": msg.data}
            else:
                return {"_close": self.ws.close_code}
            if m.get("s") is not None:
                self.seq = m["s"]
            return m

    async def expect(self, op=None, t=None, timeout: float = 5.0, skip_acks: bool = True) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            m = await self.recv(max(0.01, deadline - time.monotonic()))
            if "_close" in m:
                raise AssertionError(f"connection closed with {m['_close']} while waiting for op={op} t={t}")
            if skip_acks and m["op"] == 11 and op != 11:
                continue
            if (op is None or m["op"] == op) and (t is None or m.get("t") == t):
                return m
            if op == 0 and t is not None and m["op"] == 0:
                continue          # other dispatches before the one wanted
            raise AssertionError(f"expected op={op} t={t}, got {m}")

    async def close_code(self, timeout: float = 5.0) -> int:
        deadline = time.monotonic() + timeout
        while True:
            m = await self.recv(max(0.01, deadline - time.monotonic()))
            if "_close" in m:
                return m["_close"]

    async def send(self, obj):
        await self.ws.send_str(json.dumps(obj))

    async def hello(self) -> dict:
        m = await self.expect(op=10)
        return m["d"]

    async def identify(self, tok: str, intents: int = INTENTS, **extra):
        d = {"token": tok, "intents": intents,
             "properties": {"os": "linux", "browser": "wagbot-test", "device": "wagbot-test"}}
        d.update(extra)
        await self.send({"op": 2, "d": d})

    async def ready(self, tok: str, intents: int = INTENTS, **extra) -> dict:
        await self.hello()
        await self.identify(tok, intents, **extra)
        return (await self.expect(op=0, t="READY"))["d"]


def run(coro):
    return asyncio.run(coro)


async def _connect_ready(sim, session, intents=INTENTS, compress=False):
    gw = await GW.open(session, sim.gateway_url, compress)
    ready = await gw.ready(token(sim.control), intents)
    await gw.expect(op=0, t="GUILD_CREATE")
    return gw, ready


# ====================================================================== discord.py

def _discordpy_env(sim):
    import discord
    import yarl
    discord.http.Route.BASE = sim.api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sim.gateway_url)
    return discord


@contextlib.asynccontextmanager
async def started(client, tok: str):
    """`client` connected and READY for the body of the `async with`; closed after it."""
    task = asyncio.create_task(client.start(tok))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 15)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, 10)


def test_discordpy_ready_interaction_and_answer(sim, ctl):
    discord = _discordpy_env(sim)
    from discord import app_commands

    tok = token(ctl)
    result: dict = {}

    async def main():
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.3)
        tree = app_commands.CommandTree(client)
        guild = discord.Object(id=int(GUILD))
        ready = asyncio.Event()
        answered = asyncio.Event()
        seen = []

        @tree.command(name="ping", description="Answers pong", guild=guild)
        @app_commands.describe(text="what to echo back")
        async def ping(interaction: discord.Interaction, text: str):
            await interaction.response.send_message(f"pong {text}", ephemeral=True)
            answered.set()

        @client.event
        async def on_ready():
            result["user"] = (client.user.id, client.user.name, client.user.bot)
            result["guilds"] = [g.id for g in client.guilds]
            result["guild_name"] = client.guilds[0].name if client.guilds else None
            ready.set()

        @client.event
        async def on_interaction(interaction):
            seen.append(interaction)

        task = asyncio.create_task(client.start(tok))
        try:
            await asyncio.wait_for(ready.wait(), 15)
            synced = await tree.sync(guild=guild)
            result["synced"] = [c.name for c in synced]
            inj = await asyncio.to_thread(ctl.command, "ping", {"text": "hello"},
                                          user_id="2000000000000000007", username="bob")
            result["injected"] = inj
            await asyncio.wait_for(answered.wait(), 10)
            result["seen"] = [(i.id, i.type, i.user.id, i.user.name, i.guild_id, i.channel_id,
                               i.data.get("name")) for i in seen]
        finally:
            await client.close()
            await asyncio.wait_for(task, 10)

    run(main())
    assert result["user"] == (int(APP), "wagbot", True)
    assert result["guilds"] == [int(GUILD)] and result["guild_name"] == "Wag Lab"
    assert result["synced"] == ["ping"]
    assert [c["name"] for c in ctl.commands(GUILD)] == ["ping"]
    inj = result["injected"]
    assert inj["delivered"]
    assert result["seen"] == [(int(inj["id"]), discord.InteractionType.application_command,
                               2000000000000000007, "bob", int(GUILD), int(CHANNEL), "ping")]
    detail = ctl.get_interaction(inj["id"])
    assert detail["status"] == "responded"
    assert [r["type"] for r in detail["responses"]] == [4]
    assert detail["responses"][0]["at"] < 3000
    assert detail["original"]["content"] == "pong hello"
    assert detail["original"]["ephemeral"] is True
    g = ctl.gateway_state()
    assert g["identifies"] == 1
    ident = g["identify_log"][0]
    assert ident["properties"]["browser"] == "discord.py"
    assert ident["intents"] == discord.Intents.default().value
    # discord.py asked for zlib-stream transport compression and got it.
    reqs = ctl.requests()
    paths = [(r["method"], r["path"].split("?")[0]) for r in reqs]
    assert ("GET", "/api/v10/users/@me") in paths
    assert ("PUT", f"/api/v10/applications/{APP}/guilds/{GUILD}/commands") in paths
    callback = [r for r in reqs if r["path"].startswith(f"/api/v10/interactions/{inj['id']}/")]
    assert len(callback) == 1 and callback[0]["status"] == 200
    assert all(r["headers"].get("authorization") in (None, "Bot ***") for r in reqs)


def test_discordpy_button_and_modal(sim, ctl):
    discord = _discordpy_env(sim)
    tok = token(ctl)
    log: list = []

    async def main():
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.3)
        done = asyncio.Event()

        class KeyModal(discord.ui.Modal, title="Add a WAGMIOS key"):
            key = discord.ui.TextInput(label="API key", custom_id="key", min_length=8, max_length=100)

            async def on_submit(self, interaction: discord.Interaction):
                log.append(("modal", self.key.value))
                await interaction.response.send_message("key stored", ephemeral=True)
                done.set()

        class Confirm(discord.ui.View):
            def __init__(self):
                super().__init__(timeout=30)

            @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger, custom_id="confirm:42")
            async def confirm(self, interaction: discord.Interaction, button):
                log.append(("confirm", interaction.user.id))
                button.disabled = True
                await interaction.response.edit_message(content="confirmed", view=self)

            @discord.ui.button(label="Key", style=discord.ButtonStyle.secondary, custom_id="keymodal")
            async def key(self, interaction: discord.Interaction, button):
                await interaction.response.send_modal(KeyModal())

        async with started(client, tok):
            channel = client.get_channel(int(CHANNEL))
            msg = await channel.send("Restart nginx?", view=Confirm())
            log.append(("sent", msg.id))
            await asyncio.to_thread(lambda: ctl.click(msg.id, "confirm:42"))
            await asyncio.to_thread(lambda: ctl.wait_for(
                lambda: ctl.get_message(msg.id), lambda m: m["content"] == "confirmed", 10))
            click = await asyncio.to_thread(lambda: ctl.click(msg.id, "keymodal"))
            await asyncio.to_thread(lambda: ctl.wait_interaction(click["id"]))
            detail = await asyncio.to_thread(lambda: ctl.get_interaction(click["id"]))
            modal_id = detail["modal"]["custom_id"]
            log.append(("modal_shown", detail["modal"]["title"]))
            await asyncio.to_thread(lambda: ctl.submit_modal(modal_id, {"key": "wag_live_secret123"}))
            await asyncio.wait_for(done.wait(), 10)

    run(main())
    sent_id = log[0][1]
    assert ("confirm", 2000000000000000001) in log
    assert ("modal_shown", "Add a WAGMIOS key") in log
    assert ("modal", "wag_live_secret123") in log
    m = ctl.get_message(sent_id)
    row = m["components"][0]["components"]
    assert row[0]["custom_id"] == "confirm:42" and row[0]["disabled"] is True and row[0]["style"] == 4
    # A disabled button cannot be clicked any more.
    with pytest.raises(ControlError) as e:
        ctl.click(sent_id, "confirm:42")
    assert e.value.status == 409


def test_discordpy_select_menu_and_message_command(sim, ctl):
    """What wagbot uses beyond buttons: a string select (values picked) and a message command
    (type 3: data.target_id and the target message in data.resolved.messages), as a real
    discord.py client sends and reads them."""
    discord = _discordpy_env(sim)
    from discord import app_commands

    tok = token(ctl)
    log: list = []

    async def main():
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.3)
        tree = app_commands.CommandTree(client)
        guild = discord.Object(id=int(GUILD))
        picked = asyncio.Event()
        used = asyncio.Event()

        class Which(discord.ui.View):
            def __init__(self):
                super().__init__(timeout=30)

            @discord.ui.select(custom_id="pick", placeholder="Pick one or more", min_values=1,
                               max_values=2, options=[discord.SelectOption(label="@media", value="7"),
                                                      discord.SelectOption(label="@nas", value="8")])
            async def pick(self, interaction: discord.Interaction, select):
                log.append(("picked", interaction.user.id, list(select.values)))
                await interaction.response.defer(thinking=True)
                await interaction.edit_original_response(content="picked")
                picked.set()

        async def restart(interaction, message):
            labels = [c.label for row in message.components for c in row.children]
            log.append(("menu", interaction.user.id, message.id, message.content, labels))
            await interaction.response.send_message("restarting", ephemeral=True)
            used.set()

        # The annotations are what discord.py reads the parameters' kinds from (this module's
        # are strings, from `from __future__ import annotations`).
        restart.__annotations__ = {"interaction": discord.Interaction, "message": discord.Message}
        tree.context_menu(name="Restart", guild=guild)(restart)

        async with started(client, tok):
            synced = await tree.sync(guild=guild)
            log.append(("synced", [(c.name, c.type.value) for c in synced]))
            channel = client.get_channel(int(CHANNEL))
            msg = await channel.send("Which host?", view=Which())
            log.append(("sent", msg.id))
            await asyncio.to_thread(lambda: ctl.click(msg.id, "pick", values=["8", "7"]))
            await asyncio.wait_for(picked.wait(), 10)
            alert = await channel.send("nginx stopped", view=discord.ui.View().add_item(
                discord.ui.Button(label="Restart", custom_id="act:1")))
            await asyncio.to_thread(lambda: ctl.command("Restart", {}, command_type=3,
                                                        target_id=str(alert.id)))
            await asyncio.wait_for(used.wait(), 10)
            log.append(("alert", alert.id))

    run(main())
    events = dict((e[0], e[1:]) for e in log)
    assert events["synced"] == ([("Restart", 3)],)
    assert events["picked"] == (2000000000000000001, ["8", "7"])
    alert_id = events["alert"][0]
    assert events["menu"] == (2000000000000000001, alert_id, "nginx stopped", ["Restart"])
    # A value the menu does not offer, or too many, is refused as Discord's client would never send.
    with pytest.raises(ControlError) as e:
        ctl.click(events["sent"][0], "pick", values=["9"])
    assert e.value.status == 400
    # A message command on a message that does not exist is refused.
    with pytest.raises(ControlError) as e:
        ctl.command("Restart", {}, command_type=3, target_id="1999999999999999999")
    assert e.value.status == 404


def test_discordpy_components_v2_layout(sim, ctl):
    """Components V2 (flag 1 << 15): a layout discord.py builds (container, text displays, a
    separator, an action row) is accepted and kept with its flag; a message shaped as wagbot's
    listings and alerts are reads back in discord.py's own component model; content beside the
    flag, or a text display over 4000 characters, is refused as Discord refuses it."""
    discord = _discordpy_env(sim)
    tok = token(ctl)
    out: dict = {}

    async def main():
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.3)

        class Layout(discord.ui.LayoutView):
            box = discord.ui.Container(
                discord.ui.TextDisplay("Containers on @nas:"),
                discord.ui.TextDisplay("- **nginx** — running · nginx:1.25"),
                discord.ui.Separator(),
                discord.ui.ActionRow(discord.ui.Button(label="Restart", custom_id="act:1")),
                accent_colour=discord.Colour(0xE74C3C))

        async with started(client, tok):
            channel = client.get_channel(int(CHANNEL))
            sent = await channel.send(view=Layout())
            out["sent"] = sent.id
            # wagbot's own shape, posted as it posts it, read back by discord.py
            raw = {"flags": 1 << 15, "allowed_mentions": {"parse": [], "users": []},
                   "components": [{"type": 17, "accent_color": 0x5865F2, "components": [
                       {"type": 10, "content": "Containers on @nas:"},
                       {"type": 10, "content": "- **web\\_1** — running"},
                       {"type": 14, "divider": True, "spacing": 1},
                       {"type": 10, "content": "Containers on @media:"},
                       {"type": 1, "components": [{"type": 2, "style": 2, "label": "Logs",
                                                    "custom_id": "wagbot:act:2"}]}]},
                       {"type": 1, "components": [{"type": 3, "custom_id": "wagbot:pick",
                                                    "options": [{"label": "@nas", "value": "1"}],
                                                    "min_values": 1, "max_values": 1}]}]}
            posted = await asyncio.to_thread(api, sim, "POST", f"/channels/{CHANNEL}/messages", raw)
            out["posted"] = posted
            read = await channel.fetch_message(int(posted[2]["id"]))
            out["read"] = read

    run(main())
    stored = ctl.get_message(out["sent"])
    assert stored["flags"] & (1 << 15) and not stored["content"]
    (box,) = stored["components"]
    assert box["type"] == 17 and box["accent_color"] == 0xE74C3C
    assert [c["type"] for c in box["components"]] == [10, 10, 14, 1]

    status, _, _ = out["posted"]
    assert status == 200
    read = out["read"]
    assert read.flags.components_v2
    container, row = read.components
    assert isinstance(container, discord.components.Container)
    assert container.accent_colour == discord.Colour(0x5865F2)
    kinds = [type(c).__name__ for c in container.children]
    assert kinds == ["TextDisplay", "TextDisplay", "SeparatorComponent", "TextDisplay", "ActionRow"], kinds
    assert container.children[1].content == "- **web\\_1** — running"
    assert isinstance(row.children[0], discord.components.SelectMenu)

    # What Discord refuses, the simulator refuses too.
    bad = {"flags": 1 << 15, "content": "hello",
           "components": [{"type": 10, "content": "x"}]}
    status, _, body = api(sim, "POST", f"/channels/{CHANNEL}/messages", bad)
    assert status == 400 and "content" in body["errors"], body
    long = {"flags": 1 << 15, "components": [{"type": 10, "content": "x" * 4001}]}
    status, _, body = api(sim, "POST", f"/channels/{CHANNEL}/messages", long)
    assert status == 400, body
    too_many = {"flags": 1 << 15, "components": [
        {"type": 17, "components": [{"type": 10, "content": "x"}] * 40}]}
    status, _, body = api(sim, "POST", f"/channels/{CHANNEL}/messages", too_many)
    assert status == 400, body


# ====================================================================== REST basics

def test_rest_auth_user_agent_and_not_found(sim, ctl):
    st, h, b = api(sim, "GET", "/users/@me", tok="wrong")
    assert st == 401 and b == {"message": "401: Unauthorized", "code": 0}
    st, h, b = api(sim, "GET", "/users/@me", tok=None)
    assert st == 401
    st, h, b = api(sim, "GET", "/users/@me", ua="python-requests/2.31")
    assert st == 403 and b["code"] == 40333
    st, h, b = api(sim, "GET", "/users/@me", ua="DiscordBot (https://github.com/Rapptz/discord.py 2.7.1) Python/3.11")
    assert st == 200 and b["bot"] is True and b["id"] == APP
    assert h["Content-Type"] == "application/json" and h["Via"] == "1.1 google"
    st, h, b = api(sim, "GET", "/guilds/123/members")
    assert st == 404 and b == {"message": "404: Not Found", "code": 0}
    st, h, b = api(sim, "GET", "/oauth2/applications/@me")
    assert st == 200 and b["id"] == APP and b["bot"]["id"] == APP
    assert ctl.ratelimit_state()["invalid_requests"] == 3
    # Bad JSON body.
    req = urllib.request.Request(sim.api + f"/channels/{CHANNEL}/messages", data=b"{nope", method="POST",
                                 headers={"Authorization": f"Bot {token(ctl)}", "User-Agent": UA,
                                          "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert e.value.code == 400 and json.loads(e.value.read())["code"] == 50109


def test_gateway_bot_and_identify_budget(sim, ctl):
    ctl.config(session_start_total=1000, session_start_remaining=2, enforce_identify_concurrency=False)
    st, h, b = api(sim, "GET", "/gateway/bot")
    assert st == 200
    assert b["url"] == sim.gateway_url and b["shards"] == 1
    ssl = b["session_start_limit"]
    assert ssl["total"] == 1000 and ssl["remaining"] == 2 and ssl["max_concurrency"] == 1
    assert 0 < ssl["reset_after"] <= 86400000

    async def main():
        async with aiohttp.ClientSession() as s:
            for _ in range(2):
                gw, _ = await _connect_ready(sim, s)
                await gw.ws.close()
            assert api(sim, "GET", "/gateway/bot")[2]["session_start_limit"]["remaining"] == 0
            gw = await GW.open(s, sim.gateway_url)
            await gw.hello()
            await gw.identify(token(ctl))
            return await gw.close_code()

    # Past the budget Discord resets the token: 4004, and REST stops accepting it.
    assert run(main()) == 4004
    assert api(sim, "GET", "/users/@me")[0] == 401


def test_identify_concurrency_gives_op9(sim, ctl):
    async def main():
        async with aiohttp.ClientSession() as s:
            gw1, _ = await _connect_ready(sim, s)
            gw2 = await GW.open(s, sim.gateway_url)
            await gw2.hello()
            await gw2.identify(token(ctl))
            m = await gw2.expect(op=9)
            return m["d"]

    assert run(main()) is False
    assert ctl.gateway_state()["identifies"] == 1


# ====================================================================== REST rate limits

def test_rest_rate_limit_headers_429_and_storm(sim, ctl):
    path = f"/channels/{CHANNEL}/messages"
    seen = []
    for i in range(5):
        st, h, b = api(sim, "POST", path, {"content": f"m{i}"})
        assert st == 200, b
        seen.append((h["X-RateLimit-Limit"], h["X-RateLimit-Remaining"]))
        assert float(h["X-RateLimit-Reset-After"]) <= 2.0
        assert float(h["X-RateLimit-Reset"]) > time.time()
        assert h["X-RateLimit-Bucket"]
    assert seen == [("5", "4"), ("5", "3"), ("5", "2"), ("5", "1"), ("5", "0")]
    st, h, b = api(sim, "POST", path, {"content": "too many"})
    assert st == 429
    assert isinstance(b["retry_after"], float) and 0 < b["retry_after"] <= 2.0 and b["global"] is False
    assert h["X-RateLimit-Scope"] == "user" and int(h["Retry-After"]) >= 1
    assert h["X-RateLimit-Remaining"] == "0"
    # A different channel is a different bucket (major parameter).
    ctl.add_channel("1300000000000000002", name="alerts")
    assert api(sim, "POST", "/channels/1300000000000000002/messages", {"content": "x"})[0] == 200
    time.sleep(b["retry_after"] + 0.05)
    assert api(sim, "POST", path, {"content": "after the wait"})[0] == 200
    assert len(ctl.channel_messages(CHANNEL)) == 6

    # Storm: the next 2 calls get 429 whatever the bucket says, then it passes again.
    ctl.storm("POST /channels/{id}/messages", 2, retry_after=0.25)
    ctl.ratelimit(clear_buckets=True)
    codes = []
    for _ in range(3):
        st, h, b = api(sim, "POST", "/channels/1300000000000000002/messages", {"content": "s"})
        codes.append(st)
        if st == 429:
            assert b["retry_after"] == 0.25 and h["X-RateLimit-Scope"] == "user"
    assert codes == [429, 429, 200]
    assert ctl.ratelimit_state()["invalid_requests"] == 3


def test_invalid_requests_lead_to_cloudflare_ban(sim, ctl):
    ctl.config(invalid_request_limit=3, ban_seconds=1.0)
    ctl.storm("GET /users/@me", 1, scope="shared")          # 429 scope shared does not count
    assert api(sim, "GET", "/users/@me")[0] == 429
    for _ in range(3):
        assert api(sim, "GET", "/users/@me", tok="bad")[0] == 401
    st, h, b = api(sim, "GET", "/users/@me")
    assert st == 429 and b == "error code: 1015" and h.get("Via") is None and int(h["Retry-After"]) >= 1
    assert ctl.ratelimit_state()["banned"] is True
    time.sleep(1.05)
    assert api(sim, "GET", "/users/@me")[0] == 200


def test_rest_global_limit_and_bucket_override(sim, ctl):
    ctl.ratelimit(global_limit=3, bucket_limits={"GET /users/@me": {"limit": 10, "per": 5}})
    statuses = []
    for _ in range(4):
        st, h, b = api(sim, "GET", "/users/@me")
        statuses.append(st)
    assert statuses == [200, 200, 200, 429]
    assert b["global"] is True and h["X-RateLimit-Global"] == "true" and h["X-RateLimit-Scope"] == "global"
    assert h.get("X-RateLimit-Limit") is None
    time.sleep(1.05)
    st, h, b = api(sim, "GET", "/users/@me")
    assert st == 200 and h["X-RateLimit-Limit"] == "10"


# ====================================================================== gateway: heartbeats

def test_heartbeat_ack_and_server_heartbeat_request(sim, ctl):
    ctl.config(heartbeat_interval=500)

    async def main():
        async with aiohttp.ClientSession() as s:
            gw = await GW.open(s, sim.gateway_url)
            hello = await gw.hello()
            assert hello["heartbeat_interval"] == 500
            await gw.send({"op": 1, "d": None})
            ack = await gw.expect(op=11, skip_acks=False)
            assert ack["d"] is None
            await gw.identify(token(ctl))
            await gw.expect(op=0, t="READY")
            await gw.expect(op=0, t="GUILD_CREATE")
            await gw.send({"op": 1, "d": gw.seq})
            await gw.expect(op=11, skip_acks=False)
            ctl.request_heartbeat()
            m = await gw.expect(op=1)
            await gw.send({"op": 1, "d": gw.seq})
            await gw.expect(op=11, skip_acks=False)
            # zombie: the server stops acknowledging
            ctl.stop_acks()
            await gw.send({"op": 1, "d": gw.seq})
            with pytest.raises(asyncio.TimeoutError):
                while True:
                    m = await gw.recv(timeout=0.3)
                    assert m.get("op") != 11
            await gw.ws.close(code=4000)
        return m

    run(main())
    g = ctl.gateway_state()
    assert g["heartbeats"] == 4 and g["heartbeat_acks"] == 3 and g["heartbeat_requests"] == 1


def test_no_heartbeat_closes_4009(sim, ctl):
    ctl.config(heartbeat_interval=300)

    async def main():
        async with aiohttp.ClientSession() as s:
            gw = await GW.open(s, sim.gateway_url)
            await gw.ready(token(ctl))
            t0 = time.monotonic()
            code = await gw.close_code(timeout=5)
            return code, time.monotonic() - t0

    code, waited = run(main())
    assert code == 4009 and waited < 2.0
    assert ctl.gateway_state()["sessions"][0]["alive"] is False


# ====================================================================== gateway: resume, op 7, op 9

def test_resume_replays_missed_events_after_drop(sim, ctl):
    async def main():
        async with aiohttp.ClientSession() as s:
            gw, ready = await _connect_ready(sim, s)
            assert ready["resume_gateway_url"].endswith("/resume-gateway")
            assert ready["application"]["id"] == APP and ready["user"]["bot"] is True
            assert ready["guilds"] == [{"id": GUILD, "unavailable": True}]
            last = gw.seq
            assert last == 2
            ctl.drop()
            assert (await gw.recv(timeout=3)).get("_close") is not None
            # Traffic while the bot is away.
            missed = [ctl.command("ping", {"text": str(i)}, force=True)["id"] for i in range(3)]
            ctl.message("hello <@%s>" % APP, username="carol", user_id="2000000000000000003")
            gw2 = await GW.open(s, ready["resume_gateway_url"])
            await gw2.hello()
            await gw2.send({"op": 6, "d": {"token": token(ctl), "session_id": ready["session_id"], "seq": last}})
            got = []
            while True:
                m = await gw2.expect(op=0)
                got.append((m["s"], m["t"], m["d"].get("id")))
                if m["t"] == "RESUMED":
                    break
            # Nothing new is duplicated afterwards: a new event gets the next number.
            new = ctl.command("ping", {"text": "new"}, force=True)["id"]
            m = await gw2.expect(op=0, t="INTERACTION_CREATE")
            await gw2.ws.close(code=4000)
            return missed, got, (m["s"], m["d"]["id"]), new

    missed, got, after, new = run(main())
    assert [g[1] for g in got] == ["INTERACTION_CREATE"] * 3 + ["MESSAGE_CREATE", "RESUMED"]
    assert [g[0] for g in got] == [3, 4, 5, 6, 7]
    assert [g[2] for g in got[:3]] == missed
    assert after == (8, new)
    g = ctl.gateway_state()
    assert g["resumes"] == 1 and g["identifies"] == 1


def test_resume_rejections(sim, ctl):
    async def main():
        async with aiohttp.ClientSession() as s:
            gw, ready = await _connect_ready(sim, s)
            sid = ready["session_id"]
            out = {}
            bad = await GW.open(s, sim.gateway_url)
            await bad.hello()
            await bad.send({"op": 6, "d": {"token": token(ctl), "session_id": "nope", "seq": 1}})
            out["unknown"] = (await bad.expect(op=9))["d"]
            fut = await GW.open(s, sim.gateway_url)
            await fut.hello()
            await fut.send({"op": 6, "d": {"token": token(ctl), "session_id": sid, "seq": 999}})
            out["future_seq"] = await fut.close_code()
            # 4007 ended the session: resuming it again is refused.
            again = await GW.open(s, sim.gateway_url)
            await again.hello()
            await again.send({"op": 6, "d": {"token": token(ctl), "session_id": sid, "seq": 2}})
            out["after_4007"] = (await again.expect(op=9))["d"]
            return out

    assert run(main()) == {"unknown": False, "future_seq": 4007, "after_4007": False}


def test_op7_reconnect_then_resume(sim, ctl):
    async def main():
        async with aiohttp.ClientSession() as s:
            gw, ready = await _connect_ready(sim, s)
            ctl.reconnect()
            m = await gw.expect(op=7)
            assert m["d"] is None
            await gw.ws.close(code=4000)
            gw2 = await GW.open(s, ready["resume_gateway_url"])
            await gw2.hello()
            await gw2.send({"op": 6, "d": {"token": token(ctl), "session_id": ready["session_id"], "seq": gw.seq}})
            r = await gw2.expect(op=0, t="RESUMED")
            return r["s"]

    assert run(main()) == 3
    assert ctl.gateway_state()["resumes"] == 1


def test_op9_true_and_false(sim, ctl):
    ctl.config(enforce_identify_concurrency=False)

    async def main():
        async with aiohttp.ClientSession() as s:
            gw, ready = await _connect_ready(sim, s)
            ctl.invalid_session(True)
            assert (await gw.expect(op=9))["d"] is True
            await gw.ws.close(code=4000)
            gw2 = await GW.open(s, ready["resume_gateway_url"])
            await gw2.hello()
            await gw2.send({"op": 6, "d": {"token": token(ctl), "session_id": ready["session_id"], "seq": gw.seq}})
            await gw2.expect(op=0, t="RESUMED")
            ctl.invalid_session(False)
            assert (await gw2.expect(op=9))["d"] is False
            await gw2.ws.close(code=1000)
            gw3 = await GW.open(s, ready["resume_gateway_url"])
            await gw3.hello()
            await gw3.send({"op": 6, "d": {"token": token(ctl), "session_id": ready["session_id"], "seq": gw2.seq}})
            assert (await gw3.expect(op=9))["d"] is False
            await gw3.identify(token(ctl))
            ready2 = (await gw3.expect(op=0, t="READY"))["d"]
            return ready["session_id"], ready2["session_id"]

    old, new = run(main())
    assert old != new
    assert ctl.gateway_state()["identifies"] == 2


def test_client_close_1000_ends_session_other_codes_keep_it(sim, ctl):
    ctl.config(enforce_identify_concurrency=False)

    async def main():
        async with aiohttp.ClientSession() as s:
            a, ra = await _connect_ready(sim, s)
            await a.ws.close(code=1000)
            b, rb = await _connect_ready(sim, s)
            await b.ws.close(code=4000)
        await asyncio.sleep(0.2)
        return ra["session_id"], rb["session_id"]

    a, b = run(main())
    sessions = {x["session_id"]: x for x in ctl.gateway_state()["sessions"]}
    assert sessions[a]["alive"] is False
    assert sessions[b]["alive"] is True and sessions[b]["connected"] is False


# ====================================================================== gateway: close codes and limits

@pytest.mark.parametrize("case,expected", [
    ("bad_token", 4004),
    ("bad_intents", 4013),
    ("message_content_not_allowed", 4014),
    ("members_not_allowed", 4014),
    ("bad_shard", 4010),
    ("bad_version", 4012),
])
def test_fatal_close_codes(sim, ctl, case, expected):
    async def main():
        async with aiohttp.ClientSession() as s:
            query = "v=9&encoding=json" if case == "bad_version" else "v=10&encoding=json"
            gw = await GW.open(s, sim.gateway_url, query=query)
            if case == "bad_version":
                return await gw.close_code()
            await gw.hello()
            tok = token(ctl)
            if case == "bad_token":
                await gw.identify("not-the-token")
            elif case == "bad_intents":
                await gw.identify(tok, intents=1 << 30)
            elif case == "message_content_not_allowed":
                await gw.identify(tok, intents=INTENTS | MESSAGE_CONTENT)
            elif case == "members_not_allowed":
                await gw.identify(tok, intents=INTENTS | 2)
            elif case == "bad_shard":
                await gw.identify(tok, shard=[2, 2])
            return await gw.close_code()

    assert run(main()) == expected
    assert ctl.gateway_state()["last_close_code"] == expected


def test_sharding(sim, ctl):
    # Two guilds, one on each of two shards: shard = (guild_id >> 22) % 2.
    g0 = str((1 << 40) * 2 + 5)           # (id >> 22) even
    g1 = str((1 << 40) * 2 + (1 << 22))   # (id >> 22) odd
    assert (int(g0) >> 22) % 2 == 0 and (int(g1) >> 22) % 2 == 1
    ctl.config(guilds=[{"id": g0, "channels": ["1300000000000000010"]},
                       {"id": g1, "channels": ["1300000000000000011"]}],
               shards=2, sharding_required=True, enforce_identify_concurrency=False)
    assert api(sim, "GET", "/gateway/bot")[2]["shards"] == 2

    async def main():
        async with aiohttp.ClientSession() as s:
            none = await GW.open(s, sim.gateway_url)
            await none.hello()
            await none.identify(token(ctl))
            required = await none.close_code()
            shards = []
            for sid in (0, 1):
                gw = await GW.open(s, sim.gateway_url)
                ready = await gw.ready(token(ctl), shard=[sid, 2])
                gc = await gw.expect(op=0, t="GUILD_CREATE")
                shards.append((gw, ready, gc["d"]["id"]))
            ctl.command("ping", force=True, guild_id=g1, channel_id="1300000000000000011")
            ctl.command("ping", force=True, guild_id=None)          # DMs go to shard 0
            got1 = (await shards[1][0].expect(op=0, t="INTERACTION_CREATE"))["d"]["guild_id"]
            got0 = await shards[0][0].expect(op=0, t="INTERACTION_CREATE")
            return required, [(r["shard"], r["guilds"], gid) for _, r, gid in shards], got1, got0["d"]

    required, shards, got1, dm = run(main())
    assert required == 4011
    assert shards == [([0, 2], [{"id": g0, "unavailable": True}], g0),
                      ([1, 2], [{"id": g1, "unavailable": True}], g1)]
    assert got1 == g1 and "guild_id" not in dm


def test_message_content_allowed_when_enabled(sim, ctl):
    ctl.config(message_content_allowed=True)

    async def main():
        async with aiohttp.ClientSession() as s:
            gw, ready = await _connect_ready(sim, s, intents=INTENTS | MESSAGE_CONTENT)
            ctl.message("!wag status", username="dave", user_id="2000000000000000004")
            m = await gw.expect(op=0, t="MESSAGE_CREATE")
            return ready, m["d"]

    ready, msg = run(main())
    assert ready["application"]["flags"] & (1 << 19)
    assert msg["content"] == "!wag status" and msg["guild_id"] == GUILD
    assert msg["author"]["username"] == "dave" and "member" in msg


def test_message_content_hidden_without_intent(sim, ctl):
    async def main():
        async with aiohttp.ClientSession() as s:
            gw, _ = await _connect_ready(sim, s, intents=INTENTS)
            ctl.message("!wag status", user_id="2000000000000000004")
            plain = (await gw.expect(op=0, t="MESSAGE_CREATE"))["d"]
            ctl.message(f"<@{APP}> status", user_id="2000000000000000004")
            mention = (await gw.expect(op=0, t="MESSAGE_CREATE"))["d"]
            ctl.message("dm text", user_id="2000000000000000004", guild_id=None)
            dm = (await gw.expect(op=0, t="MESSAGE_CREATE"))["d"]
            return plain, mention, dm

    plain, mention, dm = run(main())
    assert plain["content"] == ""
    assert mention["content"] == f"<@{APP}> status" and mention["mentions"][0]["id"] == APP
    assert dm["content"] == "dm text" and "guild_id" not in dm


def test_payload_limits_and_protocol_errors(sim, ctl):
    async def one(action):
        async with aiohttp.ClientSession() as s:
            gw = await GW.open(s, sim.gateway_url)
            await gw.hello()
            await action(gw)
            return await gw.close_code()

    tok = token(ctl)

    async def oversize(gw):
        await gw.identify(tok, presence={"status": "online", "activities": [], "since": 0, "afk": False,
                                          "padding": "x" * 4100})

    async def bad_json(gw):
        await gw.ws.send_str("{not json")

    async def unknown_op(gw):
        await gw.send({"op": 42, "d": None})

    async def before_identify(gw):
        await gw.send({"op": 3, "d": {"since": None, "activities": [], "status": "online", "afk": False}})

    async def twice(gw):
        await gw.identify(tok)
        await gw.expect(op=0, t="READY")
        await gw.identify(tok)

    async def main():
        return [await one(a) for a in (oversize, bad_json, unknown_op, before_identify)]

    assert run(main()) == [4002, 4002, 4001, 4003]
    assert run(one(twice)) == 4005


def test_gateway_send_rate_limit_4008(sim, ctl):
    ctl.config(gateway_send_limit=5)

    async def main():
        async with aiohttp.ClientSession() as s:
            gw = await GW.open(s, sim.gateway_url)
            await gw.hello()
            for _ in range(6):
                await gw.send({"op": 1, "d": None})
            return await gw.close_code()

    assert run(main()) == 4008


def test_zlib_stream_framing(sim, ctl):
    async def main(split):
        ctl.reset(zlib_split_frames=split)
        async with aiohttp.ClientSession() as s:
            gw = await GW.open(s, sim.gateway_url, compress=True)
            hello = await gw.hello()
            await gw.identify(token(ctl))
            ready = await gw.expect(op=0, t="READY")
            await gw.expect(op=0, t="GUILD_CREATE")
            await gw.send({"op": 1, "d": gw.seq})
            await gw.expect(op=11, skip_acks=False)
            await gw.ws.close(code=4000)
            return hello, ready, gw.frames

    hello, ready, frames = run(main(False))
    assert hello["heartbeat_interval"] == 41250 and ready["d"]["session_id"]
    # One zlib context for the connection: each message is one frame ending in 00 00 ff ff,
    # and only the first one carries the zlib header.
    assert len(frames) == 4 and all(f.endswith(b"\x00\x00\xff\xff") for f in frames)
    assert frames[0][:1] == b"\x78" and frames[1][:1] != b"\x78"
    with pytest.raises(zlib.error):
        zlib.decompressobj().decompress(frames[1])   # needs the context of the first message
    _, _, frames = run(main(True))
    assert len(frames) == 8 and not frames[0].endswith(b"\x00\x00\xff\xff")


# ====================================================================== interactions over REST

async def _callback(sim, iid, tok, body, query="with_response=true"):
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{sim.api}/interactions/{iid}/{tok}/callback?{query}", json=body,
                          headers={"User-Agent": UA}) as r:
            text = await r.text()
            return r.status, (json.loads(text) if text else None)


def test_callback_once_then_40060_and_with_response(sim, ctl):
    inj = ctl.command("ping", {"text": "x"}, force=True)
    st, b = run(_callback(sim, inj["id"], inj["token"], {"type": 4, "data": {"content": "one"}}))
    assert st == 200
    assert b["interaction"]["id"] == inj["id"] and b["resource"]["type"] == 4
    assert b["resource"]["message"]["content"] == "one"
    st, b = run(_callback(sim, inj["id"], inj["token"], {"type": 4, "data": {"content": "two"}}))
    assert st == 400 and b["code"] == 40060
    d = ctl.get_interaction(inj["id"])
    assert [r["type"] for r in d["responses"]] == [4] and d["errors"][0]["code"] == 40060
    msgs = ctl.channel_messages(CHANNEL)
    assert [m["content"] for m in msgs] == ["one"] and msgs[0]["type"] == 20
    # Without with_response: 204.
    inj2 = ctl.command("ping", {"text": "y"}, force=True)
    assert run(_callback(sim, inj2["id"], inj2["token"], {"type": 5}, query=""))[0] == 204
    # Wrong token: unknown interaction.
    inj3 = ctl.command("ping", {"text": "z"}, force=True)
    st, b = run(_callback(sim, inj3["id"], "bogus", {"type": 4, "data": {"content": "x"}}))
    assert st == 404 and b["code"] == 10062


def test_callback_after_3s_is_unknown_interaction(sim, ctl):
    inj = ctl.command("ping", {"text": "slow"}, force=True)
    assert ctl.get_interaction(inj["id"])["status"] == "pending"
    time.sleep(3.05)
    assert ctl.get_interaction(inj["id"])["status"] == "expired"
    st, b = run(_callback(sim, inj["id"], inj["token"], {"type": 4, "data": {"content": "late"}}))
    assert st == 404 and b == {"message": "Unknown interaction", "code": 10062}


def test_deferred_reply_edit_and_followups(sim, ctl):
    inj = ctl.command("ping", {"text": "x"}, force=True)
    st, b = run(_callback(sim, inj["id"], inj["token"], {"type": 5, "data": {"flags": 64}}))
    assert st == 200 and b["interaction"]["response_message_loading"] is True
    d = ctl.get_interaction(inj["id"])
    assert d["status"] == "deferred" and d["original"]["flags"] == 64 | 128
    base = f"/webhooks/{APP}/{inj['token']}"
    st, _, m = api(sim, "GET", base + "/messages/@original", tok=None)
    assert st == 200 and m["flags"] & 128
    st, _, m = api(sim, "PATCH", base + "/messages/@original", {"content": "done"}, tok=None)
    assert st == 200 and m["content"] == "done" and m["flags"] == 64
    st, _, f = api(sim, "POST", base, {"content": "secret", "flags": 64}, tok=None, query={"wait": "true"})
    assert st == 200 and f["flags"] == 64 and f["id"] != m["id"]
    d = ctl.get_interaction(inj["id"])
    assert d["status"] == "completed" and d["original"]["content"] == "done"
    assert [x["content"] for x in d["followups"]] == ["secret"] and d["followups"][0]["ephemeral"]
    # Webhook calls before the interaction was acknowledged, or with an unknown token.
    inj2 = ctl.command("ping", {"text": "y"}, force=True)
    st, _, b = api(sim, "PATCH", f"/webhooks/{APP}/{inj2['token']}/messages/@original", {"content": "x"}, tok=None)
    assert st == 404 and b["code"] == 10015
    st, _, b = api(sim, "POST", f"/webhooks/{APP}/nope", {"content": "x"}, tok=None)
    assert st == 401 and b["code"] == 50027


def test_followup_after_defer_replaces_thinking_message(sim, ctl):
    inj = ctl.command("ping", {"text": "x"}, force=True)
    run(_callback(sim, inj["id"], inj["token"], {"type": 5}))
    st, _, f = api(sim, "POST", f"/webhooks/{APP}/{inj['token']}", {"content": "result"}, tok=None,
                   query={"wait": "true"})
    d = ctl.get_interaction(inj["id"])
    assert st == 200 and f["id"] == d["original"]["id"] and d["original"]["content"] == "result"
    assert [m["content"] for m in ctl.channel_messages(CHANNEL)] == ["result"]


def test_callback_validation(sim, ctl):
    def cb(kind_body, body):
        inj = ctl.interaction(**kind_body)
        return run(_callback(sim, inj["id"], inj["token"], body))

    six = [{"type": 2, "style": 1, "label": f"b{i}", "custom_id": f"b{i}"} for i in range(6)]
    st, b = cb({"kind": "command", "name": "ping", "force": True},
               {"type": 4, "data": {"content": "x", "components": [{"type": 1, "components": six}]}})
    assert st == 400 and b["code"] == 50035 and "components" in b["errors"]["data"]
    st, b = cb({"kind": "command", "name": "ping", "force": True},
               {"type": 4, "data": {"content": "x" * 2001}})
    assert st == 400 and b["errors"]["data"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    st, b = cb({"kind": "command", "name": "ping", "force": True},
               {"type": 4, "data": {"content": "x", "components": [{"type": 1, "components": [
                   {"type": 2, "style": 1, "label": "x" * 81, "custom_id": "c" * 101}]}]}})
    errs = b["errors"]["data"]["components"]["0"]["components"]["0"]
    assert st == 400 and "label" in errs and "custom_id" in errs
    modal = {"custom_id": "m", "title": "t" * 46, "components": [
        {"type": 1, "components": [{"type": 4, "custom_id": "k", "style": 1, "label": "Key"}]}]}
    st, b = cb({"kind": "command", "name": "ping", "force": True}, {"type": 9, "data": modal})
    assert st == 400 and "title" in b["errors"]["data"]
    choices = [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)]
    st, b = cb({"kind": "autocomplete", "name": "ping", "options": {"text": "c"}, "focused": "text", "force": True},
               {"type": 8, "data": {"choices": choices}})
    assert st == 400 and "choices" in b["errors"]["data"]
    st, b = cb({"kind": "autocomplete", "name": "ping", "options": {"text": "c"}, "focused": "text", "force": True},
               {"type": 4, "data": {"content": "not for autocomplete"}})
    assert st == 400 and "type" in b["errors"]
    st, b = cb({"kind": "command", "name": "ping", "force": True}, {"type": 4, "data": {"content": ""}})
    assert st == 400 and b["code"] == 50006


def test_channel_messages_edit_and_reaction(sim, ctl):
    st, h, m = api(sim, "POST", f"/channels/{CHANNEL}/messages", {
        "content": "Restart?", "allowed_mentions": {"parse": []},
        "embeds": [{"title": "t", "description": "d" * 100}],
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 4, "label": "Confirm", "custom_id": "confirm:1"},
            {"type": 2, "style": 2, "label": "Cancel", "custom_id": "cancel:1"}]}]})
    assert st == 200 and m["author"]["id"] == APP and m["channel_id"] == CHANNEL
    st, _, e = api(sim, "PATCH", f"/channels/{CHANNEL}/messages/{m['id']}", {"components": []})
    assert st == 200 and e["components"] == [] and e["edited_timestamp"]
    emoji = urllib.parse.quote("✅")
    st, _, _ = api(sim, "PUT", f"/channels/{CHANNEL}/messages/{m['id']}/reactions/{emoji}/@me")
    assert st == 204
    stored = ctl.channel_messages(CHANNEL)[0]
    assert stored["reactions"][0]["emoji"]["name"] == "✅" and stored["reactions"][0]["me"] is True
    assert api(sim, "GET", f"/channels/{CHANNEL}/messages/{m['id']}")[2]["components"] == []
    assert api(sim, "GET", f"/channels/{CHANNEL}/messages/1")[2]["code"] == 10008
    assert api(sim, "POST", "/channels/999/messages", {"content": "x"})[2]["code"] == 10003
    big = [{"title": "x", "description": "y" * 4000}, {"description": "z" * 2500}]
    st, _, b = api(sim, "POST", f"/channels/{CHANNEL}/messages", {"embeds": big})
    assert st == 400 and b["errors"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"
    # A user's message cannot be edited by the bot.
    user_msg = ctl.message("hi", user_id="2000000000000000005")["message"]
    st, _, b = api(sim, "PATCH", f"/channels/{CHANNEL}/messages/{user_msg['id']}", {"content": "x"})
    assert st == 403 and b["code"] == 50005


# ====================================================================== application commands

def test_bulk_overwrite_validation_and_registration(sim, ctl):
    path = f"/applications/{APP}/guilds/{GUILD}/commands"
    bad = [
        {"name": "Wag", "description": "upper case"},
        {"name": "ok", "description": "d" * 101},
        {"name": "opts", "description": "x", "options": [
            {"type": 3, "name": "a", "description": "a"},
            {"type": 3, "name": "b", "description": "b", "required": True}]},
        {"name": "auto", "description": "x", "options": [
            {"type": 3, "name": "host", "description": "h", "autocomplete": True,
             "choices": [{"name": "a", "value": "a"}]}]},
        {"name": "many", "description": "x", "options": [
            {"type": 3, "name": f"o{i}", "description": "o"} for i in range(26)]},
    ]
    st, h, b = api(sim, "PUT", path, bad)
    assert st == 400 and b["code"] == 50035 and b["message"] == "Invalid Form Body"
    e = b["errors"]
    assert e["0"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"
    assert "description" in e["1"]
    assert "required" in e["2"]["options"]["1"]
    assert "autocomplete" in e["3"]["options"]["0"]
    assert "options" in e["4"]
    assert ctl.commands(GUILD) == []
    good = [{"name": "wag", "description": "Manage Docker on your WAGMIOS hosts", "options": [
        {"type": 1, "name": "restart", "description": "Restart a container", "options": [
            {"type": 3, "name": "container", "description": "Container", "required": True, "autocomplete": True},
            {"type": 3, "name": "host", "description": "Host", "autocomplete": True}]},
        {"type": 1, "name": "status", "description": "Host status"}]}]
    st, h, b = api(sim, "PUT", path, good)
    assert st == 200 and b[0]["name"] == "wag" and b[0]["guild_id"] == GUILD and b[0]["id"]
    assert api(sim, "GET", path)[2] == b
    assert ctl.commands(GUILD)[0]["id"] == b[0]["id"]
    # Bulk overwrite keeps ids of commands that stay.
    assert api(sim, "PUT", path, good)[2][0]["id"] == b[0]["id"]
    # A guild the bot is not in; another application's id.
    assert api(sim, "PUT", f"/applications/{APP}/guilds/999/commands", good)[2]["code"] == 50001
    assert api(sim, "PUT", "/applications/42/commands", good)[2]["code"] == 20012

    # Injected interactions follow the registered schema.
    i = ctl.command("wag restart", {"container": "nginx", "host": "nas"})["interaction"]
    assert i["data"]["id"] == b[0]["id"] and i["data"]["guild_id"] == GUILD
    assert i["data"]["options"] == [{"name": "restart", "type": 1, "options": [
        {"name": "container", "type": 3, "value": "nginx"}, {"name": "host", "type": 3, "value": "nas"}]}]
    assert i["member"]["user"]["username"] == "alice" and i["token"] and i["version"] == 1
    a = ctl.autocomplete("wag restart", {"container": "ngi"}, focused="container")["interaction"]
    assert a["type"] == 4
    assert a["data"]["options"][0]["options"] == [{"name": "container", "type": 3, "value": "ngi", "focused": True}]
    for bad_call in (lambda: ctl.command("wag restart", {"host": "nas"}),     # required option missing
                     lambda: ctl.command("nope"),                             # not registered
                     lambda: ctl.command("wag restart", {"container": "x", "colour": "red"})):
        with pytest.raises(ControlError):
            bad_call()
    st, _, _ = api(sim, "PUT", path, [])
    assert st == 200 and ctl.commands(GUILD) == []


def test_component_and_modal_injection_rules(sim, ctl):
    inj = ctl.command("ping", force=True, user_id="2000000000000000001")
    run(_callback(sim, inj["id"], inj["token"], {"type": 4, "data": {
        "content": "Delete image?", "flags": 64,
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 4, "label": "Confirm", "custom_id": "confirm:9"}]}]}}))
    msg = ctl.get_interaction(inj["id"])["original"]
    # Only the user who got the ephemeral message can click it.
    with pytest.raises(ControlError):
        ctl.click(msg["id"], "confirm:9", user_id="2000000000000000002")
    click = ctl.click(msg["id"], "confirm:9")["interaction"]
    assert click["type"] == 3 and click["data"] == {"custom_id": "confirm:9", "component_type": 2}
    assert click["message"]["id"] == msg["id"]
    st, b = run(_callback(sim, click["id"], click["token"], {"type": 9, "data": {
        "custom_id": "key:add", "title": "Add a key", "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "key", "style": 1, "label": "Key",
                                        "min_length": 5}]}]}}))
    assert st == 200
    with pytest.raises(ControlError):
        ctl.submit_modal("key:add", {"key": "abc"})           # shorter than min_length
    with pytest.raises(ControlError):
        ctl.submit_modal("key:add", {"key": "abcdef"}, user_id="2000000000000000002")  # not shown to them
    sub = ctl.submit_modal("key:add", {"key": "wag_live_abcdef"})["interaction"]
    assert sub["type"] == 5
    assert sub["data"]["custom_id"] == "key:add"
    assert sub["data"]["components"][0]["type"] == 1
    assert sub["data"]["components"][0]["components"][0]["custom_id"] == "key"
    assert sub["data"]["components"][0]["components"][0]["value"] == "wag_live_abcdef"
    assert sub["message"]["id"] == msg["id"]
    # A modal submit from a component message may update that message (type 7).
    st, b = run(_callback(sim, sub["id"], sub["token"], {"type": 7, "data": {"content": "Key stored", "components": []}}))
    assert st == 200 and ctl.get_message(msg["id"])["content"] == "Key stored"
    # DM interaction: `user` instead of `member`.
    dm = ctl.command("ping", force=True, guild_id=None)["interaction"]
    assert "member" not in dm and dm["user"]["id"] == "2000000000000000001" and "guild_id" not in dm


def test_sigterm_exits_cleanly():
    proc, info = start_discord_sim()
    try:
        with urllib.request.urlopen(info["url"] + "/_control/health", timeout=5) as r:
            assert json.loads(r.read())["status"] == "ok"
        assert info["api"] == info["url"] + "/api/v10"
        assert info["gateway"] == info["url"].replace("http://", "ws://") + "/gateway"
    finally:
        assert stop_discord_sim(proc) == 0
