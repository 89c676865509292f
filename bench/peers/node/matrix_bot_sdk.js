// A minimal Matrix bot on matrix-bot-sdk for bench/peers/compare.py (issue 15): answers "ps"
// with one GET /api/containers on the WAGMIOS simulator and a short list, as a reply.
// Bench-only; configured from the PEER_* environment the driver sets.
'use strict';

const { MatrixClient, MemoryStorageProvider, AutojoinRoomsMixin, LogService, LogLevel } =
  require('matrix-bot-sdk');
const { psText } = require('./wagmios');

LogService.setLevel(LogLevel.WARN);
const started = Date.now();
const me = process.env.PEER_MATRIX_USER;
const client = new MatrixClient(process.env.PEER_MATRIX_HOMESERVER, process.env.PEER_MATRIX_TOKEN,
  new MemoryStorageProvider());
AutojoinRoomsMixin.setupOnClient(client);

client.on('room.message', async (roomId, ev) => {
  // Commands sent before the start (the first sync's backlog) are not answered.
  if (ev.sender === me || ev.origin_server_ts < started) return;
  if (((ev.content || {}).body || '').trim() !== 'ps') return;
  const text = await psText();
  await client.sendMessage(roomId, {
    msgtype: 'm.notice', body: text, 'm.relates_to': { 'm.in_reply_to': { event_id: ev.event_id } },
  });
});

process.on('SIGTERM', () => { client.stop(); process.exit(0); });
client.start().catch((e) => { console.error(e); process.exit(1); });
