//! The C ABI wagbot's Matrix transport uses for end-to-end encryption (include/wagbot_crypto.h).
//!
//! Every call takes and returns JSON text. A result is `{"ok": …}` or `{"error": "…", "kind": "…"}`
//! and is freed with `wagbot_crypto_free`. No panic crosses the boundary: each entry point runs
//! inside `guard`, which turns one into an error result. The machine's store and everything it
//! owns are used and dropped inside the handle's own Tokio runtime.
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::{json, Value};

mod identity;
mod machine;
mod requests;
mod rooms;

use machine::Crypto;

pub(crate) type Outcome = Result<Value, Failure>;

/// An error on its way to C++: `kind` lets the caller branch, `message` is for the log.
pub(crate) struct Failure {
    pub kind: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(kind: &'static str, message: impl ToString) -> Self {
        Failure { kind, message: message.to_string() }
    }
    pub fn bad_input(message: impl ToString) -> Self {
        Failure::new("bad_input", message)
    }
}

fn into_c(text: String) -> *mut c_char {
    // JSON never holds a raw NUL (serde_json escapes it), so this cannot fail.
    CString::new(text).map(CString::into_raw).unwrap_or(std::ptr::null_mut())
}

fn render(outcome: Outcome) -> *mut c_char {
    let value = match outcome {
        Ok(v) => json!({ "ok": v }),
        Err(f) => json!({ "error": f.message, "kind": f.kind }),
    };
    into_c(value.to_string())
}

fn read_json(text: *const c_char) -> Result<Value, Failure> {
    if text.is_null() {
        return Ok(Value::Null);
    }
    // SAFETY: the caller passes a NUL-terminated string it owns for the duration of the call.
    let bytes = unsafe { CStr::from_ptr(text) }.to_bytes();
    serde_json::from_slice(bytes).map_err(Failure::bad_input)
}

fn guard(body: impl FnOnce() -> Outcome) -> *mut c_char {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(outcome) => render(outcome),
        Err(_) => render(Err(Failure::new("panic", "the crypto library failed internally"))),
    }
}

fn with_machine(
    handle: *mut Crypto,
    args: *const c_char,
    body: impl FnOnce(&Crypto, Value) -> Outcome,
) -> *mut c_char {
    guard(|| {
        // SAFETY: handle comes from wagbot_crypto_open and is not closed while calls run.
        let crypto = unsafe { handle.as_ref() }.ok_or_else(|| Failure::bad_input("no handle"))?;
        let input = read_json(args)?;
        body(crypto, input)
    })
}

/// Opens (or creates) the store: `{"user_id", "device_id", "store_path", "store_key_hex"}`.
/// Returns the handle, or null with `*error` set to a result to free.
#[no_mangle]
pub extern "C" fn wagbot_crypto_open(settings: *const c_char, error: *mut *mut c_char) -> *mut Crypto {
    let mut opened: *mut Crypto = std::ptr::null_mut();
    let result = guard(|| {
        let input = read_json(settings)?;
        opened = Box::into_raw(Box::new(Crypto::open(&input)?));
        Ok(Value::Null)
    });
    if opened.is_null() && !error.is_null() {
        // SAFETY: error points to the caller's pointer.
        unsafe { *error = result };
    } else {
        wagbot_crypto_free(result);
    }
    opened
}

/// Closes the store inside its runtime (dropping it outside panics).
#[no_mangle]
pub extern "C" fn wagbot_crypto_close(handle: *mut Crypto) {
    if handle.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the handle came from Box::into_raw in wagbot_crypto_open.
        let crypto = unsafe { Box::from_raw(handle) };
        crypto.close();
    }));
}

#[no_mangle]
pub extern "C" fn wagbot_crypto_free(text: *mut c_char) {
    if !text.is_null() {
        // SAFETY: every string we hand out comes from CString::into_raw.
        drop(unsafe { CString::from_raw(text) });
    }
}

macro_rules! export {
    ($name:ident, $method:path) => {
        #[no_mangle]
        pub extern "C" fn $name(handle: *mut Crypto, args: *const c_char) -> *mut c_char {
            with_machine(handle, args, |c, v| $method(c, v))
        }
    };
}

// What the machine knows about itself: ids, keys, cross-signing and identity checks.
export!(wagbot_crypto_status, identity::status);
// Requests the machine wants sent, as {id, kind, method, path, body}.
export!(wagbot_crypto_outgoing_requests, requests::outgoing);
// {id, kind, status, body}: the homeserver's answer to one of them.
export!(wagbot_crypto_mark_sent, requests::mark_sent);
// {to_device, device_lists, one_time_keys_count, unused_fallback_key_types}, before room events.
export!(wagbot_crypto_receive_sync, rooms::receive_sync);
// [user ids]: members of encrypted rooms, whose devices the machine must know.
export!(wagbot_crypto_track_users, rooms::track_users);
// [user ids] → a /keys/claim request, or null when every device has a session.
export!(wagbot_crypto_missing_sessions, rooms::missing_sessions);
// {room_id, users, history_visibility} → to-device requests carrying the room key.
export!(wagbot_crypto_share_room_key, rooms::share_room_key);
// {room_id, type, content} → the m.room.encrypted content.
export!(wagbot_crypto_encrypt, rooms::encrypt);
// {room_id, event} → {event, sender, sender_device, verified}.
export!(wagbot_crypto_decrypt, rooms::decrypt);
// {} → ordered requests plus secret storage (account data) and its recovery key.
export!(wagbot_crypto_bootstrap_cross_signing, identity::bootstrap);
// {recovery_key, account_data: {type: content}} → requests signing our device.
export!(wagbot_crypto_import_from_secret_storage, identity::import_from_secret_storage);
