"""A minimal Matrix bot on matrix-nio for bench/peers/compare.py (issue 15).

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
import nio  # noqa: E402
from wagmios import ps_text  # noqa: E402


async def main() -> None:
    me = os.environ["PEER_MATRIX_USER"]
    client = nio.AsyncClient(os.environ["PEER_MATRIX_HOMESERVER"], me)
    client.access_token = os.environ["PEER_MATRIX_TOKEN"]
    client.user_id = me
    http = aiohttp.ClientSession()

    started = int(time.time() * 1000)

    async def on_message(room: nio.MatrixRoom, event: nio.RoomMessageText) -> None:
        # Commands sent before the start (the first sync's backlog) are not answered.
        if event.sender == me or event.server_timestamp < started or event.body.strip() != "ps":
            return
        text = await ps_text(http)
        await client.room_send(room.room_id, "m.room.message", {
            "msgtype": "m.notice", "body": text,
            "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}}})

    async def on_invite(room: nio.MatrixRoom, event: nio.InviteMemberEvent) -> None:
        if event.state_key == me and event.membership == "invite":
            await client.join(room.room_id)

    client.add_event_callback(on_message, nio.RoomMessageText)
    client.add_event_callback(on_invite, nio.InviteMemberEvent)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    syncing = asyncio.create_task(client.sync_forever(timeout=30000))
    await stop.wait()
    syncing.cancel()
    await http.close()
    await client.close()


if __name__ == "__main__":
    asyncio.run(main())
