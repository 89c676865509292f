"""A minimal maubot plugin for bench/peers/compare.py (issue 15), run in standalone mode.

Answers "ps" (a passive command: the whole body) with one GET /api/containers on the WAGMIOS
simulator and a short list, as a reply. PEER_WAGMIOS_URL / PEER_WAGMIOS_KEY from the driver.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "common"))

from maubot import MessageEvent, Plugin  # noqa: E402
from maubot.handlers import command  # noqa: E402
from mautrix.types import EventType  # noqa: E402
from wagmios import ps_text  # noqa: E402


class PsBot(Plugin):
    async def start(self) -> None:
        self.started = int(time.time() * 1000)

    @command.passive(r"^ps$")
    async def ps(self, evt: MessageEvent, _match) -> None:
        # Commands sent before the start (the first sync's backlog) are not answered.
        if evt.sender == self.client.mxid or evt.timestamp < self.started:
            return
        text = await ps_text(self.http)
        await self.client.send_message_event(evt.room_id, EventType.ROOM_MESSAGE, {
            "msgtype": "m.notice", "body": text,
            "m.relates_to": {"m.in_reply_to": {"event_id": evt.event_id}}})
