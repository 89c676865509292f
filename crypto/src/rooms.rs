//! Room traffic: sync changes, members' devices, room keys, encrypting and decrypting events.
use std::collections::BTreeMap;

use matrix_sdk_common::deserialized_responses::VerificationState;
use matrix_sdk_crypto::types::events::room::encrypted::EncryptedEvent;
use matrix_sdk_crypto::{
    CollectStrategy, DecryptionSettings, EncryptionSettings, EncryptionSyncChanges, MegolmError,
    TrustRequirement,
};
use ruma::api::client::sync::sync_events::DeviceLists;
use ruma::events::room::history_visibility::HistoryVisibility;
use ruma::events::AnyToDeviceEvent;
use ruma::serde::Raw;
use ruma::{OneTimeKeyAlgorithm, OwnedRoomId, OwnedUserId, UInt};
use serde_json::{json, Value};

use crate::machine::Crypto;
use crate::requests;
use crate::{Failure, Outcome};

fn users(value: &Value) -> Vec<OwnedUserId> {
    let list = value.as_array().or_else(|| value["users"].as_array());
    list.into_iter()
        .flatten()
        .filter_map(|u| u.as_str().and_then(|s| OwnedUserId::try_from(s).ok()))
        .collect()
}

fn room(value: &Value) -> Result<OwnedRoomId, Failure> {
    value["room_id"]
        .as_str()
        .and_then(|r| OwnedRoomId::try_from(r).ok())
        .ok_or_else(|| Failure::bad_input("`room_id` is missing or invalid"))
}

fn from_value<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, Failure> {
    serde_json::from_value(value.clone()).map_err(Failure::bad_input)
}

/// The trust rule for every command: only devices their owner cross-signed. A homeserver admin
/// who adds a device to a user's account cannot speak for that user.
fn decryption_settings() -> DecryptionSettings {
    DecryptionSettings { sender_device_trust_requirement: TrustRequirement::CrossSigned }
}

pub fn receive_sync(c: &Crypto, input: Value) -> Outcome {
    let events: Vec<Raw<AnyToDeviceEvent>> = from_value(&input["to_device"]).unwrap_or_default();
    let lists: DeviceLists = from_value(&input["device_lists"]).unwrap_or_default();
    let counts: BTreeMap<OneTimeKeyAlgorithm, UInt> =
        from_value(&input["one_time_keys_count"]).unwrap_or_default();
    let fallback: Option<Vec<OneTimeKeyAlgorithm>> =
        from_value(&input["unused_fallback_key_types"]).ok();
    let changes = EncryptionSyncChanges {
        to_device_events: events,
        changed_devices: &lists,
        one_time_keys_counts: &counts,
        unused_fallback_keys: fallback.as_deref(),
        next_batch_token: input["next_batch"].as_str().map(str::to_owned),
    };
    let (_, keys) = c
        .run(c.machine().receive_sync_changes(changes, &decryption_settings()))
        .map_err(|e| Failure::new("olm", e))?;
    // The rooms that got new keys: the caller retries events that waited for them.
    let rooms: Vec<String> = keys.iter().map(|k| k.room_id.to_string()).collect();
    Ok(json!({ "rooms_with_new_keys": rooms }))
}

pub fn track_users(c: &Crypto, input: Value) -> Outcome {
    let list = users(&input);
    c.run(c.machine().update_tracked_users(list.iter().map(|u| u.as_ref())))
        .map_err(|e| Failure::new("store", e))?;
    Ok(Value::Null)
}

pub fn missing_sessions(c: &Crypto, input: Value) -> Outcome {
    let list = users(&input);
    let claim = c
        .run(c.machine().get_missing_sessions(list.iter().map(|u| u.as_ref())))
        .map_err(|e| Failure::new("store", e))?;
    Ok(claim.map(|(id, r)| requests::keys_claim(id.as_str(), &r)).unwrap_or(Value::Null))
}

pub fn share_room_key(c: &Crypto, input: Value) -> Outcome {
    let room_id = room(&input)?;
    let list = users(&input["users"]);
    let visibility = match input["history_visibility"].as_str() {
        Some("joined") => HistoryVisibility::Joined,
        Some("invited") => HistoryVisibility::Invited,
        Some("world_readable") => HistoryVisibility::WorldReadable,
        _ => HistoryVisibility::Shared,
    };
    // Element's "exclude insecure devices": keys go only to devices their owner signed.
    let settings = EncryptionSettings {
        history_visibility: visibility,
        sharing_strategy: CollectStrategy::IdentityBasedStrategy,
        ..Default::default()
    };
    let sent = c
        .run(c.machine().share_room_key(&room_id, list.iter().map(|u| u.as_ref()), settings))
        .map_err(|e| Failure::new("olm", e))?;
    Ok(Value::Array(sent.iter().map(|r| requests::to_device(r)).collect()))
}

pub fn encrypt(c: &Crypto, input: Value) -> Outcome {
    let room_id = room(&input)?;
    let kind = input["type"].as_str().unwrap_or("m.room.message");
    let content = from_value(&input["content"])?;
    let result = c
        .run(c.machine().encrypt_room_event_raw(&room_id, kind, &content))
        .map_err(|e| Failure::new("olm", e))?;
    serde_json::from_str(result.content.json().get()).map_err(|e| Failure::new("olm", e))
}

fn decrypt_failure(e: MegolmError) -> Failure {
    match e {
        MegolmError::MissingRoomKey(None) => Failure::new("missing_key", e),
        MegolmError::MissingRoomKey(Some(code)) => {
            Failure::new("withheld", format!("the sender withheld the room key ({code})"))
        }
        MegolmError::SenderIdentityNotTrusted(level) => {
            Failure::new("untrusted", format!("the sender's device is not cross-signed ({level})"))
        }
        other => Failure::new("undecryptable", other),
    }
}

pub fn decrypt(c: &Crypto, input: Value) -> Outcome {
    let room_id = room(&input)?;
    let event: Raw<EncryptedEvent> = from_value(&input["event"])?;
    let clear = c
        .run(c.machine().decrypt_room_event(&event, &room_id, &decryption_settings()))
        .map_err(decrypt_failure)?;
    let info = &clear.encryption_info;
    let event: Value = serde_json::from_str(clear.event.json().get()).map_err(Failure::bad_input)?;
    Ok(json!({
        "event": event,
        "sender": info.sender.as_str(),
        "sender_device": info.sender_device.as_ref().map(|d| d.as_str()),
        "verified": matches!(info.verification_state, VerificationState::Verified),
    }))
}
