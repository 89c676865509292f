//! The machine's requests as plain HTTP (method, path, body) and the homeserver's answers back.
use matrix_sdk_crypto::types::requests::{
    AnyIncomingResponse, AnyOutgoingRequest, KeysQueryRequest, OutgoingRequest, RoomMessageRequest,
    ToDeviceRequest, UploadSigningKeysRequest,
};
use ruma::api::client::keys::claim_keys::v3::Request as KeysClaimRequest;
use ruma::api::client::keys::upload_signatures::v3::Request as SignatureUploadRequest;
use ruma::api::client::{keys, message, to_device};
use ruma::api::IncomingResponse;
use ruma::OwnedTransactionId;
use serde_json::{json, Map, Value};

use crate::machine::Crypto;
use crate::{Failure, Outcome};

const V3: &str = "/_matrix/client/v3";

/// Percent-encodes one path segment (room ids, event types and transaction ids hold `!:#$`).
pub fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn ms(timeout: Option<std::time::Duration>) -> Option<u64> {
    timeout.map(|t| t.as_millis() as u64)
}

/// Drops null members: Synapse refuses `"device_keys": null` in /keys/upload.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter().filter(|(_, v)| !v.is_null()).collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

fn http(id: &str, kind: &str, method: &str, path: String, body: Value) -> Value {
    json!({ "id": id, "kind": kind, "method": method, "path": path, "body": without_nulls(body) })
}

pub fn to_device(r: &ToDeviceRequest) -> Value {
    let path = format!(
        "{V3}/sendToDevice/{}/{}",
        segment(&r.event_type.to_string()),
        segment(r.txn_id.as_str())
    );
    http(r.txn_id.as_str(), "to_device", "PUT", path, json!({ "messages": r.messages }))
}

pub fn keys_claim(id: &str, r: &KeysClaimRequest) -> Value {
    let body = json!({ "one_time_keys": r.one_time_keys, "timeout": ms(r.timeout) });
    http(id, "keys_claim", "POST", format!("{V3}/keys/claim"), body)
}

pub fn keys_query(id: &str, r: &KeysQueryRequest) -> Value {
    let body = json!({ "device_keys": r.device_keys, "timeout": ms(r.timeout) });
    http(id, "keys_query", "POST", format!("{V3}/keys/query"), body)
}

pub fn signature_upload(id: &str, r: &SignatureUploadRequest) -> Value {
    http(id, "signature_upload", "POST", format!("{V3}/keys/signatures/upload"), json!(r.signed_keys))
}

pub fn signing_keys_upload(r: &UploadSigningKeysRequest) -> Value {
    let body = json!({
        "master_key": r.master_key,
        "self_signing_key": r.self_signing_key,
        "user_signing_key": r.user_signing_key,
    });
    http("", "signing_keys_upload", "POST", format!("{V3}/keys/device_signing/upload"), body)
}

fn room_message(r: &RoomMessageRequest) -> Value {
    use ruma::events::MessageLikeEventContent;
    let path = format!(
        "{V3}/rooms/{}/send/{}/{}",
        segment(r.room_id.as_str()),
        segment(&r.content.event_type().to_string()),
        segment(r.txn_id.as_str())
    );
    http(r.txn_id.as_str(), "room_message", "PUT", path, json!(r.content))
}

pub fn describe(request: &OutgoingRequest) -> Value {
    let id = request.request_id().as_str();
    match request.request() {
        AnyOutgoingRequest::KeysUpload(u) => {
            let body = json!({
                "device_keys": u.device_keys,
                "one_time_keys": u.one_time_keys,
                "fallback_keys": u.fallback_keys,
            });
            http(id, "keys_upload", "POST", format!("{V3}/keys/upload"), body)
        }
        AnyOutgoingRequest::KeysQuery(q) => keys_query(id, q),
        AnyOutgoingRequest::KeysClaim(c) => keys_claim(id, c),
        AnyOutgoingRequest::ToDeviceRequest(t) => to_device(t),
        AnyOutgoingRequest::SignatureUpload(s) => signature_upload(id, s),
        AnyOutgoingRequest::RoomMessage(m) => room_message(m),
    }
}

pub fn outgoing(c: &Crypto, _: Value) -> Outcome {
    let pending = c.run(c.machine().outgoing_requests()).map_err(|e| Failure::new("store", e))?;
    Ok(Value::Array(pending.iter().map(describe).collect()))
}

fn parse<R: IncomingResponse>(status: u16, body: &Value) -> Result<R, Failure> {
    let bytes = serde_json::to_vec(body).map_err(Failure::bad_input)?;
    let response = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(bytes)
        .map_err(Failure::bad_input)?;
    R::try_from_http_response(response)
        .map_err(|e| Failure::bad_input(format!("unexpected answer from the homeserver: {e}")))
}

/// `{id, kind, status, body}`: the answer to a request from `outgoing` (or bootstrap).
pub fn mark_sent(c: &Crypto, input: Value) -> Outcome {
    let id = input["id"].as_str().unwrap_or_default();
    let kind = input["kind"].as_str().unwrap_or_default();
    let status = input["status"].as_u64().unwrap_or(200) as u16;
    let body = &input["body"];
    let txn: OwnedTransactionId = id.into();
    let m = c.machine();
    macro_rules! mark {
        ($ty:ty, $variant:ident) => {{
            let r: $ty = parse(status, body)?;
            c.run(m.mark_request_as_sent(&txn, AnyIncomingResponse::$variant(&r)))
        }};
    }
    let done = match kind {
        "keys_upload" => mark!(keys::upload_keys::v3::Response, KeysUpload),
        "keys_query" => mark!(keys::get_keys::v3::Response, KeysQuery),
        "keys_claim" => mark!(keys::claim_keys::v3::Response, KeysClaim),
        "to_device" => mark!(to_device::send_event_to_device::v3::Response, ToDevice),
        "signature_upload" => mark!(keys::upload_signatures::v3::Response, SignatureUpload),
        "room_message" => mark!(message::send_message_event::v3::Response, RoomMessage),
        "signing_keys_upload" => return Ok(Value::Null),
        other => return Err(Failure::bad_input(format!("unknown request kind `{other}`"))),
    };
    done.map_err(|e| Failure::new("olm", e))?;
    Ok(Value::Null)
}
