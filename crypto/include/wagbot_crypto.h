/* wagbot's end-to-end encryption library (crypto/, Rust, over matrix-sdk-crypto).
 *
 * Every function taking `args` reads a JSON text and returns a newly allocated JSON text,
 * {"ok": value} or {"error": "message", "kind": "…"}, to be released with wagbot_crypto_free.
 * The library does no I/O of its own besides its SQLite store: the requests it wants sent come
 * back as {id, kind, method, path, body} and their answers go in through wagbot_crypto_mark_sent.
 * A handle is used by one thread at a time. */
#ifndef WAGBOT_CRYPTO_H
#define WAGBOT_CRYPTO_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wagbot_crypto wagbot_crypto;

/* {"user_id", "device_id", "store_path", "store_key_hex"}; null on failure, with *error set. */
wagbot_crypto* wagbot_crypto_open(const char* settings, char** error);
void wagbot_crypto_close(wagbot_crypto* handle);
void wagbot_crypto_free(char* text);

char* wagbot_crypto_status(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_outgoing_requests(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_mark_sent(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_receive_sync(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_track_users(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_missing_sessions(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_share_room_key(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_encrypt(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_decrypt(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_bootstrap_cross_signing(wagbot_crypto* handle, const char* args);
char* wagbot_crypto_import_from_secret_storage(wagbot_crypto* handle, const char* args);

#ifdef __cplusplus
}
#endif

#endif
