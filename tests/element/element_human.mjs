// A human on Element's own crypto: matrix-js-sdk 37.5.0 with its Rust crypto (WebAssembly),
// cross-signed by bootstrapCrossSigning, in "exclude insecure devices" mode
// (OnlySignedDevicesIsolationMode, MSC4153). It opens an encrypted direct chat with the bot and
// plays the scenario below; tests/e2e_matrix/test_mx_element.py runs it.
//
// Environment: HS (homeserver URL), USER, PASSWORD, TOKEN, DEVICE (the human), BOT (the bot's
// user id), NEW_KEY (a WAGMIOS key for `key add media`), TIMEOUT_MS (per reply).
// Prints one JSON line per step; exits 0 when every step got its answer, 1 otherwise (the last
// line then says which step and what could not be decrypted).
import * as sdk from "matrix-js-sdk";
import { OnlySignedDevicesIsolationMode } from "matrix-js-sdk/lib/crypto-api/index.js";
import { logger } from "matrix-js-sdk/lib/logger.js";

logger.setLevel("warn");

const env = process.env;
const timeoutMs = Number(env.TIMEOUT_MS || 20000);
const say = (o) => console.log(JSON.stringify(o));
const failures = new Map(); // event id → decryption failure code

const client = sdk.createClient({
  baseUrl: env.HS, userId: env.USER, accessToken: env.TOKEN, deviceId: env.DEVICE,
});

async function setUp() {
  await client.initRustCrypto({ useIndexedDB: false });
  const crypto = client.getCrypto();
  crypto.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
  await crypto.bootstrapCrossSigning({
    authUploadDeviceSigningKeys: async (makeRequest) => makeRequest({
      type: "m.login.password", identifier: { type: "m.id.user", user: env.USER }, password: env.PASSWORD,
    }),
  });
  const ready = new Promise((resolve) => client.on(sdk.ClientEvent.Sync, (s) => s === "PREPARED" && resolve()));
  await client.startClient({ initialSyncLimit: 20 });
  await ready;
  say({ step: "ready", crossSigningReady: await crypto.isCrossSigningReady() });
}

// Resolves with the first bot event (decrypted) in `room` that `match` accepts.
function awaitBot(roomId, match, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${what} within ${timeoutMs} ms; undecryptable: ${JSON.stringify([...failures.values()])}`));
    }, timeoutMs);
    const check = (ev) => {
      if (ev.getRoomId() !== roomId || ev.getSender() !== env.BOT) return;
      if (ev.isDecryptionFailure()) { failures.set(ev.getId(), ev.decryptionFailureReason); return; }
      if (ev.isEncrypted() && match(ev)) { cleanup(); resolve(ev); }
    };
    const onTimeline = (ev) => { if (!ev.isBeingDecrypted()) check(ev); };
    const cleanup = () => {
      clearTimeout(timer);
      client.off(sdk.RoomEvent.Timeline, onTimeline);
      client.off(sdk.MatrixEventEvent.Decrypted, check);
    };
    client.on(sdk.RoomEvent.Timeline, onTimeline);
    client.on(sdk.MatrixEventEvent.Decrypted, check);
  });
}

const body = (ev) => ev.getContent().body || "";
// A reply is a message (not a reaction, not an edit) whose rich-reply target is `id`.
const repliesTo = (id) => (ev) => ev.getType() === "m.room.message" && body(ev) !== ""
  && ev.getContent()["m.relates_to"]?.rel_type !== "m.replace"
  && ev.getContent()["m.relates_to"]?.["m.in_reply_to"]?.event_id === id;

async function ask(roomId, text, match, what) {
  const waiting = (sent) => awaitBot(roomId, (ev) => repliesTo(sent.event_id)(ev) && match(ev), what);
  const sent = await client.sendTextMessage(roomId, text);
  const reply = await waiting(sent);
  say({ step: what, body: body(reply) });
  return reply;
}

async function scenario() {
  await setUp();
  const { room_id: roomId } = await client.createRoom({
    is_direct: true, preset: "trusted_private_chat", invite: [env.BOT],
    initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
  });
  say({ step: "room", roomId });
  const deadline = Date.now() + timeoutMs;
  while (client.getRoom(roomId)?.getMember(env.BOT)?.membership !== "join") {
    if (Date.now() > deadline) throw new Error("the bot did not join");
    await new Promise((r) => setTimeout(r, 100));
  }
  await ask(roomId, "ps", (ev) => body(ev).includes("nginx"), "ps");
  const prompt = await ask(roomId, "stop nginx", (ev) => body(ev).includes("stop `nginx` on @nas"), "prompt");
  // Decrypted (its relation is readable before, in the clear part of the encrypted event).
  const edited = awaitBot(roomId, (ev) => ev.getType() === "m.room.message"
      && ev.getContent()["m.relates_to"]?.rel_type === "m.replace"
      && ev.getContent()["m.relates_to"]?.event_id === prompt.getId(), "prompt edit");
  await client.sendEvent(roomId, "m.reaction", {
    "m.relates_to": { rel_type: "m.annotation", event_id: prompt.getId(), key: "✅" },
  });
  // The prompt's edit is the outcome: it holds the action's result (one message per outcome).
  const edit = await edited;
  const outcome = edit.getContent()["m.new_content"]?.body;
  say({ step: "stop result", body: outcome });
  say({ step: "prompt edit", body: outcome });
  await ask(roomId, `key add media ${env.NEW_KEY}`, (ev) => body(ev).includes("media"), "key add");
  say({ step: "done", roomId });
}

scenario().then(
  () => { client.stopClient(); process.exit(0); },
  (e) => { say({ step: "failed", error: String(e.message || e) }); client.stopClient(); process.exit(1); },
);
