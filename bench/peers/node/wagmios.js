// The job every Node peer does for "ps" (bench/peers/compare.py, issue 15): one GET
// /api/containers on the WAGMIOS simulator with the key, rendered as a short list.
'use strict';

const URL = process.env.PEER_WAGMIOS_URL.replace(/\/$/, '') + '/api/containers';
const KEY = process.env.PEER_WAGMIOS_KEY;

async function psText() {
  try {
    const resp = await fetch(URL, { headers: { 'X-API-Key': KEY }, signal: AbortSignal.timeout(10000) });
    const doc = await resp.json();
    if (!doc.success) return `error: HTTP ${resp.status}`;
    const rows = doc.data || [];
    return [`${rows.length} containers on nas:`,
      ...rows.map((c) => `${c.name} — ${c.status} (${c.image})`)].join('\n');
  } catch (e) {
    return `error: ${e.message}`;
  }
}

module.exports = { psText };
