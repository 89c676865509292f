//! The bot's cross-signing identity: what it has, a fresh bootstrap (with secret storage and a
//! recovery key), and joining an identity already set up elsewhere with that recovery key.
use matrix_sdk_crypto::secret_storage::SecretStorageKey;
use matrix_sdk_crypto::store::types::CrossSigningKeyExport;
use matrix_sdk_crypto::vodozemac::Ed25519SecretKey;
use ruma::events::secret::request::SecretName;
use ruma::events::AnyGlobalAccountDataEvent;
use serde_json::{json, Map, Value};

use crate::machine::Crypto;
use crate::requests;
use crate::{Failure, Outcome};

const SECRETS: [(&str, SecretName); 3] = [
    ("m.cross_signing.master", SecretName::CrossSigningMasterKey),
    ("m.cross_signing.self_signing", SecretName::CrossSigningSelfSigningKey),
    ("m.cross_signing.user_signing", SecretName::CrossSigningUserSigningKey),
];

fn store_error(e: impl ToString) -> Failure {
    Failure::new("store", e)
}

/// The public half of our stored master key, if we hold one.
fn own_master_public(c: &Crypto) -> Result<Option<String>, Failure> {
    let export = c.run(c.machine().export_cross_signing_keys()).map_err(store_error)?;
    Ok(export
        .and_then(|e| e.master_key.clone())
        .and_then(|seed| Ed25519SecretKey::from_base64(&seed).ok())
        .map(|k| k.public_key().to_base64()))
}

/// Our ids and keys, and which private cross-signing keys we hold (`master_public`: the public
/// half of our master key, to compare with what the homeserver publishes).
pub fn status(c: &Crypto, _: Value) -> Outcome {
    let m = c.machine();
    let cs = c.run(m.cross_signing_status());
    let device = c.run(m.get_device(m.user_id(), m.device_id(), None)).map_err(store_error)?;
    let keys = m.identity_keys();
    Ok(json!({
        "user_id": m.user_id().as_str(),
        "device_id": m.device_id().as_str(),
        "ed25519": keys.ed25519.to_base64(),
        "curve25519": keys.curve25519.to_base64(),
        "has_master": cs.has_master,
        "has_self_signing": cs.has_self_signing,
        "has_user_signing": cs.has_user_signing,
        "master_public": own_master_public(c)?,
        "device_signed_by_owner": device.map(|d| d.is_cross_signed_by_owner()).unwrap_or(false),
    }))
}

/// Secret storage holding our three private keys, under a new key whose recovery key (base58)
/// the operator keeps. Returns the account data to put and that recovery key.
fn secret_storage(c: &Crypto) -> Result<(Vec<Value>, String), Failure> {
    let export = c
        .run(c.machine().export_cross_signing_keys())
        .map_err(store_error)?
        .ok_or_else(|| Failure::new("olm", "no cross-signing keys to store"))?;
    let seeds = [&export.master_key, &export.self_signing_key, &export.user_signing_key];
    let key = SecretStorageKey::new();
    let mut puts = vec![
        json!({ "type": format!("m.secret_storage.key.{}", key.key_id()), "content": key.event_content() }),
        json!({ "type": "m.secret_storage.default_key", "content": { "key": key.key_id() } }),
    ];
    for ((kind, name), seed) in SECRETS.iter().zip(seeds) {
        let Some(seed) = seed else { continue };
        let sealed = key.encrypt(seed.as_bytes().to_vec(), name);
        let mut encrypted = Map::new();
        encrypted.insert(key.key_id().to_owned(), json!(sealed));
        puts.push(json!({ "type": kind, "content": { "encrypted": encrypted } }));
    }
    Ok((puts, key.to_base58()))
}

/// A fresh identity. Requests come in the order they must be sent; the first (our device
/// keys) must be marked sent like any other.
pub fn bootstrap(c: &Crypto, _: Value) -> Outcome {
    let reqs = c.run(c.machine().bootstrap_cross_signing(false)).map_err(store_error)?;
    let mut ordered = Vec::new();
    if let Some(upload) = &reqs.upload_keys_req {
        ordered.push(requests::describe(upload));
    }
    ordered.push(requests::signing_keys_upload(&reqs.upload_signing_keys_req));
    ordered.push(requests::signature_upload("", &reqs.upload_signatures_req));
    let (account_data, recovery_key) = secret_storage(c)?;
    Ok(json!({ "requests": ordered, "account_data": account_data, "recovery_key": recovery_key }))
}

fn storage_key(recovery_key: &str, data: &Value) -> Result<SecretStorageKey, Failure> {
    let id = data["m.secret_storage.default_key"]["key"]
        .as_str()
        .ok_or_else(|| Failure::new("no_secret_storage", "the account has no secret storage"))?;
    let kind = format!("m.secret_storage.key.{id}");
    let event = json!({ "type": kind, "content": data[&kind] });
    let parsed: AnyGlobalAccountDataEvent =
        serde_json::from_value(event).map_err(|e| Failure::new("no_secret_storage", e))?;
    let AnyGlobalAccountDataEvent::SecretStorageKey(event) = parsed else {
        return Err(Failure::new("no_secret_storage", "the secret storage key is unreadable"));
    };
    SecretStorageKey::from_account_data(recovery_key, event.content)
        .map_err(|e| Failure::new("wrong_recovery_key", format!("the recovery key does not fit: {e}")))
}

fn open_secret(key: &SecretStorageKey, data: &Value, kind: &str, name: &SecretName) -> Option<String> {
    let sealed = serde_json::from_value(data[kind]["encrypted"][key.key_id()].clone()).ok()?;
    let clear = key.decrypt(&sealed, name).ok()?;
    String::from_utf8(clear).ok()
}

/// `{recovery_key, account_data: {type: content}}`: imports the private cross-signing keys the
/// account keeps in secret storage and signs our device with them.
pub fn import_from_secret_storage(c: &Crypto, input: Value) -> Outcome {
    let recovery_key = input["recovery_key"].as_str().unwrap_or_default().trim();
    let data = &input["account_data"];
    let key = storage_key(recovery_key, data)?;
    let [master, self_signing, user_signing] =
        SECRETS.each_ref().map(|(kind, name)| open_secret(&key, data, kind, name));
    if master.is_none() || self_signing.is_none() {
        return Err(Failure::new("wrong_recovery_key", "secret storage holds no cross-signing keys"));
    }
    let export = CrossSigningKeyExport {
        master_key: master,
        self_signing_key: self_signing,
        user_signing_key: user_signing,
    };
    let m = c.machine();
    c.run(m.import_cross_signing_keys(export))
        .map_err(|e| Failure::new("identity_mismatch", format!("cannot import the keys: {e}")))?;
    let device = c
        .run(m.get_device(m.user_id(), m.device_id(), None))
        .map_err(store_error)?
        .ok_or_else(|| Failure::new("olm", "our own device is not known yet"))?;
    let sign = c.run(device.verify()).map_err(|e| Failure::new("olm", e))?;
    Ok(json!({ "requests": [requests::signature_upload("", &sign)] }))
}
