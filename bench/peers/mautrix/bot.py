"""A minimal Matrix bot on mautrix-python for bench/peers/compare.py (issue 15).

Answers "ps" with one GET /api/containers on the WAGMIOS simulator and a short list, as a
reply. Bench-only; configured from the PEER_* environment the driver sets.
"""

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))

import aiohttp  # noqa: E402
from mautrix.client import Client  # noqa: E402
from mautrix.types import EventType, Membership, MessageEvent, StrippedStateEvent, UserID  # noqa: E402
from wagmios import ps_text  # noqa: E402


async def main() -> None:
    me = UserID(os.environ["PEER_MATRIX_USER"])
    client = Client(mxid=me, base_url=os.environ["PEER_MATRIX_HOMESERVER"],
                    token=os.environ["PEER_MATRIX_TOKEN"])
    # Commands sent before the start (the first sync's backlog) are not answered; invitations
    # are accepted whenever they are seen (so the first sync is not skipped as a whole).
    client.ignore_initial_sync = False
    client.ignore_first_sync = False
    started = int(time.time() * 1000)
    http = aiohttp.ClientSession()

    async def on_message(evt: MessageEvent) -> None:
        if evt.sender == me or evt.timestamp < started or (evt.content.body or "").strip() != "ps":
            return
        text = await ps_text(http)
        await client.send_message_event(evt.room_id, EventType.ROOM_MESSAGE, {
            "msgtype": "m.notice", "body": text,
            "m.relates_to": {"m.in_reply_to": {"event_id": evt.event_id}}})

    async def on_member(evt: StrippedStateEvent) -> None:
        if evt.state_key == me and evt.content.membership == Membership.INVITE:
            await client.join_room(evt.room_id)

    client.add_event_handler(EventType.ROOM_MESSAGE, on_message)
    client.add_event_handler(EventType.ROOM_MEMBER, on_member)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    client.start(None)
    await stop.wait()
    client.stop()
    await http.close()
    await client.api.session.close()


if __name__ == "__main__":
    asyncio.run(main())
