"""A minimal Discord bot on discord.py for bench/peers/compare.py (issue 15).

Registers the guild slash command /ps host:…; answers it as wagbot does: defer, one GET
/api/containers on the WAGMIOS simulator, then edit the original response with a short list.
Bench-only; configured from the PEER_* environment the driver sets (the REST base points at
the Discord simulator, and so does the gateway address).
"""

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))

import aiohttp  # noqa: E402
import discord  # noqa: E402
import yarl  # noqa: E402
from discord import app_commands  # noqa: E402
from wagmios import ps_text  # noqa: E402

# discord.py connects to its built-in gateway address (not GET /gateway/bot's): both point at
# the simulator.
discord.http.Route.BASE = os.environ["PEER_DISCORD_API"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["PEER_DISCORD_GATEWAY"])
GUILD = discord.Object(id=int(os.environ["PEER_DISCORD_GUILD"]))


class Bot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.http_session: aiohttp.ClientSession | None = None

    async def setup_hook(self) -> None:
        self.http_session = aiohttp.ClientSession()
        await self.tree.sync(guild=GUILD)


bot = Bot()


@bot.tree.command(name="ps", description="List the containers of a host", guild=GUILD)
@app_commands.describe(host="WAGMIOS host")
async def ps(interaction: discord.Interaction, host: str) -> None:
    await interaction.response.defer()
    text = await ps_text(bot.http_session)
    await interaction.edit_original_response(content=text)


async def main() -> None:
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(os.environ["PEER_DISCORD_TOKEN"])
    if bot.http_session:
        await bot.http_session.close()


if __name__ == "__main__":
    asyncio.run(main())
