//! The handle: one OlmMachine on an encrypted SQLite store, and the runtime it lives in.
use matrix_sdk_crypto::OlmMachine;
use matrix_sdk_sqlite::{SqliteCryptoStore, SqliteStoreConfig};
use ruma::{OwnedDeviceId, OwnedUserId};
use serde_json::Value;

use crate::Failure;

pub struct Crypto {
    runtime: tokio::runtime::Runtime,
    machine: Option<OlmMachine>,
}

fn text<'a>(input: &'a Value, field: &str) -> Result<&'a str, Failure> {
    input
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::bad_input(format!("`{field}` is missing")))
}

fn store_key(hex: &str) -> Result<[u8; 32], Failure> {
    if hex.len() != 64 {
        return Err(Failure::bad_input("store_key_hex must be 64 hex digits"));
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(Failure::bad_input)?;
    }
    Ok(key)
}

impl Crypto {
    pub(crate) fn open(input: &Value) -> Result<Crypto, Failure> {
        let user: OwnedUserId = text(input, "user_id")?.try_into().map_err(Failure::bad_input)?;
        let device: OwnedDeviceId = text(input, "device_id")?.into();
        let path = text(input, "store_path")?.to_owned();
        let key = store_key(text(input, "store_key_hex")?)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::new("store", e))?;
        let machine = runtime.block_on(async {
            // The low-memory profile (two connections, a 500 KB page cache): a bot's crypto store
            // is small and rarely busy, and wagbot runs on Raspberry Pis.
            let config = SqliteStoreConfig::with_low_memory_config(&path).key(Some(&key));
            let store = SqliteCryptoStore::open_with_config(&config)
                .await
                .map_err(|e| Failure::new("store", format!("cannot open the crypto store: {e}")))?;
            OlmMachine::with_store(&user, &device, store, None).await.map_err(|e| {
                // The store remembers one account; another user or device cannot use it.
                Failure::new("store_mismatch", format!("the crypto store does not fit: {e}"))
            })
        })?;
        Ok(Crypto { runtime, machine: Some(machine) })
    }

    pub(crate) fn machine(&self) -> &OlmMachine {
        self.machine.as_ref().expect("the machine lives until close")
    }

    pub(crate) fn run<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(work)
    }

    pub(crate) fn close(mut self) {
        let machine = self.machine.take();
        self.runtime.block_on(async move { drop(machine) });
    }
}
