//! whatsapp-rust's storage [`Backend`](whatsapp_rust::store::traits::Backend) over wabot's
//! [`SessionKeyStore`]: one session per bot, in the bot's own database, every value encrypted
//! with a [`KeyCipher`] before it leaves the process.
//!
//! Key layout (one namespace per bot; `/` and `%` inside a component are percent-escaped so a
//! prefix never matches across components): `device`, `identity/<address>`,
//! `session/<address>`, `prekey/<id>` (a flag byte for "uploaded" + the record),
//! `signed-prekey/<id>`, `sender-key/<address>`, `sync-key/<hex id>`, `version/<name>`,
//! `mac/<name>/<hex index mac>`, `skdev/<group>/<device>`, `lid/<lid>`, `pn/<phone>`,
//! `base-key/<address>/<message id>`, `devices/<user>`, `group/<jid>`, `tc/<jid>`,
//! `sent/<chat>/<id>`, `pending/<chat>/<sender>/<id>`, `secret/<chat>/<sender>/<id>`.
//! Integer ids are zero-padded so byte order is numeric order. Structured values are JSON
//! (the crate's own serde derives).
//!
//! Batches the crate hands over together (`put_sessions_batch`, `store_prekeys_batch`, …) are
//! one atomic [`SessionKeyStore::write_session_keys`], so a signal flush is all or nothing and
//! durable when the call returns — what `agent_docs/signal_durability.md` asks of a backend
//! before the client acknowledges a message.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use wabot_core::{
    ids::BotId,
    ports::{SessionKeyStore, SessionKeyWrite},
};
use whatsapp_rust::{
    bytes::Bytes,
    wacore::{
        appstate::{hash::HashState, processor::AppStateMutationMAC},
        store::{
            Device,
            error::{Result, StoreError},
            traits::{
                AppStateSyncKey, AppSyncStore, DeviceListRecord, DeviceStore, LidPnMappingEntry,
                MsgSecretEntry, MsgSecretStore, PendingInboundKey, PendingInboundRow,
                ProtocolStore, SignalStore, TcTokenEntry, merge_msg_secret_expiry,
                merge_msg_secret_message_ts,
            },
        },
    },
};

/// Encrypts session values at rest. The server implements it with its master key
/// (ChaCha20-Poly1305); `aad` binds a value to its bot and key, so a blob copied to another
/// key or bot does not decrypt.
pub trait KeyCipher: Send + Sync {
    /// Encrypts `plain`, authenticated together with `aad`.
    fn seal(&self, aad: &[u8], plain: &[u8]) -> std::result::Result<Vec<u8>, String>;
    /// Decrypts what [`seal`](Self::seal) produced with the same `aad`; fails on tampering or
    /// a wrong key.
    fn open(&self, aad: &[u8], sealed: &[u8]) -> std::result::Result<Vec<u8>, String>;
}

/// A [`KeyCipher`] that stores values as they are. For tests and embedders whose database is
/// already encrypted; the server never uses it.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlaintextKeys;

impl KeyCipher for PlaintextKeys {
    fn seal(&self, _aad: &[u8], plain: &[u8]) -> std::result::Result<Vec<u8>, String> {
        Ok(plain.to_vec())
    }

    fn open(&self, _aad: &[u8], sealed: &[u8]) -> std::result::Result<Vec<u8>, String> {
        Ok(sealed.to_vec())
    }
}

/// One bot's whatsapp-rust session, stored through a [`SessionKeyStore`].
#[derive(Clone)]
pub struct SessionBackend {
    store: Arc<dyn SessionKeyStore>,
    cipher: Arc<dyn KeyCipher>,
    bot: BotId,
}

impl std::fmt::Debug for SessionBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionBackend")
            .field("bot", &self.bot)
            .finish_non_exhaustive()
    }
}

/// A percent-escaped key component.
fn part(s: &str) -> String {
    s.replace('%', "%25").replace('/', "%2F")
}

fn unpart(s: &str) -> String {
    s.replace("%2F", "/").replace("%25", "%")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn id_key(kind: &str, id: u32) -> String {
    format!("{kind}/{id:010}")
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn db(e: wabot_core::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

fn ser(what: impl std::fmt::Display) -> StoreError {
    StoreError::Serialization(what.to_string().into())
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(ser)
}

fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(ser)
}

/// A value with the time it was stored (for the crate's expiry sweeps).
#[derive(Serialize, Deserialize)]
struct Stamped {
    at: i64,
    data: Vec<u8>,
}

/// A message secret and its retention (see [`MsgSecretEntry`]).
#[derive(Serialize, Deserialize)]
struct Secret {
    secret: Vec<u8>,
    expires_at: i64,
    message_ts: i64,
}

impl SessionBackend {
    /// The session of `bot` in `store`, values sealed with `cipher`.
    pub fn new(store: Arc<dyn SessionKeyStore>, cipher: Arc<dyn KeyCipher>, bot: BotId) -> Self {
        Self { store, cipher, bot }
    }

    fn aad(&self, key: &str) -> Vec<u8> {
        let mut aad = self.bot.0.as_bytes().to_vec();
        aad.extend_from_slice(key.as_bytes());
        aad
    }

    fn seal(&self, key: String, plain: &[u8]) -> Result<SessionKeyWrite> {
        let value = self.cipher.seal(&self.aad(&key), plain).map_err(ser)?;
        Ok(SessionKeyWrite::Put { key, value })
    }

    fn open(&self, key: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        self.cipher.open(&self.aad(key), sealed).map_err(|e| {
            ser(format!(
                "session key {key} does not decrypt ({e}): the master key changed or the value \
                 was tampered with; log the bot out and pair it again"
            ))
        })
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self
            .store
            .get_session_key(self.bot, key)
            .await
            .map_err(db)?
        {
            Some(sealed) => self.open(key, &sealed).map(Some),
            None => Ok(None),
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.get(key).await?.map(|v| from_json(&v)).transpose()
    }

    async fn put(&self, key: String, plain: &[u8]) -> Result<()> {
        self.write(vec![self.seal(key, plain)?]).await
    }

    async fn write(&self, writes: Vec<SessionKeyWrite>) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        self.store
            .write_session_keys(self.bot, writes)
            .await
            .map_err(db)
    }

    async fn delete(&self, key: String) -> Result<()> {
        self.write(vec![SessionKeyWrite::Delete { key }]).await
    }

    /// Every `(key, plaintext)` under `prefix`.
    async fn list(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let rows = self
            .store
            .list_session_keys(self.bot, prefix)
            .await
            .map_err(db)?;
        rows.into_iter()
            .map(|(k, v)| {
                let plain = self.open(&k, &v)?;
                Ok((k, plain))
            })
            .collect()
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64> {
        self.store
            .delete_session_keys(self.bot, prefix)
            .await
            .map_err(db)
    }

    /// Deletes the whole session (logout, re-pairing, bot deleted).
    pub async fn wipe(&self) -> wabot_core::Result<u64> {
        self.store.clear_session_keys(self.bot).await
    }
}

#[async_trait]
impl SignalStore for SessionBackend {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()> {
        self.put(format!("identity/{}", part(address)), &key).await
    }

    async fn put_identities_batch(&self, identities: &[(Arc<str>, [u8; 32])]) -> Result<()> {
        let writes = identities
            .iter()
            .map(|(a, k)| self.seal(format!("identity/{}", part(a)), k))
            .collect::<Result<_>>()?;
        self.write(writes).await
    }

    async fn load_identity(&self, address: &str) -> Result<Option<[u8; 32]>> {
        match self.get(&format!("identity/{}", part(address))).await? {
            Some(v) => v
                .try_into()
                .map(Some)
                .map_err(|_| ser("an identity key is not 32 bytes")),
            None => Ok(None),
        }
    }

    async fn delete_identity(&self, address: &str) -> Result<()> {
        self.delete(format!("identity/{}", part(address))).await
    }

    async fn get_session(&self, address: &str) -> Result<Option<Bytes>> {
        Ok(self
            .get(&format!("session/{}", part(address)))
            .await?
            .map(Bytes::from))
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()> {
        self.put(format!("session/{}", part(address)), session)
            .await
    }

    async fn put_sessions_batch(&self, sessions: &[(Arc<str>, Bytes)]) -> Result<()> {
        let writes = sessions
            .iter()
            .map(|(a, s)| self.seal(format!("session/{}", part(a)), s))
            .collect::<Result<_>>()?;
        self.write(writes).await
    }

    async fn delete_session(&self, address: &str) -> Result<()> {
        self.delete(format!("session/{}", part(address))).await
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()> {
        self.store_prekeys_batch(&[(id, Bytes::copy_from_slice(record))], uploaded)
            .await
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Bytes)], uploaded: bool) -> Result<()> {
        let writes = keys
            .iter()
            .map(|(id, record)| {
                let mut value = vec![u8::from(uploaded)];
                value.extend_from_slice(record);
                self.seal(id_key("prekey", *id), &value)
            })
            .collect::<Result<_>>()?;
        self.write(writes).await
    }

    async fn load_prekey(&self, id: u32) -> Result<Option<Bytes>> {
        Ok(self
            .get(&id_key("prekey", id))
            .await?
            .filter(|v| !v.is_empty())
            .map(|v| Bytes::copy_from_slice(&v[1..])))
    }

    async fn mark_prekeys_uploaded(&self, ids: &[u32]) -> Result<()> {
        let mut writes = Vec::new();
        for id in ids {
            let key = id_key("prekey", *id);
            if let Some(mut value) = self.get(&key).await?
                && !value.is_empty()
            {
                value[0] = 1;
                writes.push(self.seal(key, &value)?);
            }
        }
        self.write(writes).await
    }

    async fn remove_prekey(&self, id: u32) -> Result<()> {
        self.delete(id_key("prekey", id)).await
    }

    async fn get_max_prekey_id(&self) -> Result<u32> {
        let keys = self
            .store
            .list_session_keys(self.bot, "prekey/")
            .await
            .map_err(db)?;
        Ok(keys
            .last()
            .and_then(|(k, _)| k.strip_prefix("prekey/")?.parse().ok())
            .unwrap_or(0))
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()> {
        self.put(id_key("signed-prekey", id), record).await
    }

    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        self.get(&id_key("signed-prekey", id)).await
    }

    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        Ok(self
            .list("signed-prekey/")
            .await?
            .into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("signed-prekey/")?.parse().ok()?, v)))
            .collect())
    }

    async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
        self.delete(id_key("signed-prekey", id)).await
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()> {
        self.put(format!("sender-key/{}", part(address)), record)
            .await
    }

    async fn put_sender_keys_batch(&self, sender_keys: &[(Arc<str>, Bytes)]) -> Result<()> {
        let writes = sender_keys
            .iter()
            .map(|(a, r)| self.seal(format!("sender-key/{}", part(a)), r))
            .collect::<Result<_>>()?;
        self.write(writes).await
    }

    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.get(&format!("sender-key/{}", part(address))).await
    }

    async fn delete_sender_key(&self, address: &str) -> Result<()> {
        self.delete(format!("sender-key/{}", part(address))).await
    }
}

#[async_trait]
impl AppSyncStore for SessionBackend {
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>> {
        self.get_json(&format!("sync-key/{}", hex(key_id))).await
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()> {
        self.put(format!("sync-key/{}", hex(key_id)), &json(&key)?)
            .await
    }

    async fn get_version(&self, name: &str) -> Result<HashState> {
        Ok(self
            .get_json(&format!("version/{}", part(name)))
            .await?
            .unwrap_or_default())
    }

    async fn set_version(&self, name: &str, state: HashState) -> Result<()> {
        self.put(format!("version/{}", part(name)), &json(&state)?)
            .await
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        _version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()> {
        let writes = mutations
            .iter()
            .map(|m| {
                self.seal(
                    format!("mac/{}/{}", part(name), hex(&m.index_mac)),
                    &m.value_mac,
                )
            })
            .collect::<Result<_>>()?;
        self.write(writes).await
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get(&format!("mac/{}/{}", part(name), hex(index_mac)))
            .await
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()> {
        let writes = index_macs
            .iter()
            .map(|m| SessionKeyWrite::Delete {
                key: format!("mac/{}/{}", part(name), hex(m)),
            })
            .collect();
        self.write(writes).await
    }

    async fn clear_mutation_macs(&self, name: &str) -> Result<()> {
        self.delete_prefix(&format!("mac/{}/", part(name)))
            .await
            .map(|_| ())
    }

    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>> {
        let mut latest: Option<(i64, String)> = None;
        for (k, v) in self.list("sync-key/").await? {
            let key: AppStateSyncKey = from_json(&v)?;
            if latest.as_ref().is_none_or(|(t, _)| key.timestamp >= *t) {
                latest = Some((key.timestamp, k));
            }
        }
        latest
            .map(|(_, k)| unhex(k.trim_start_matches("sync-key/")))
            .transpose()
    }
}

fn unhex(s: &str) -> Result<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| ser("a stored sync key id is not hex"))
        })
        .collect()
}

#[async_trait]
impl ProtocolStore for SessionBackend {
    async fn get_sender_key_devices(&self, group_jid: &str) -> Result<Vec<(String, bool)>> {
        let prefix = format!("skdev/{}/", part(group_jid));
        Ok(self
            .list(&prefix)
            .await?
            .into_iter()
            .map(|(k, v)| (unpart(&k[prefix.len()..]), v.first() == Some(&1)))
            .collect())
    }

    async fn set_sender_key_status(&self, group_jid: &str, entries: &[(&str, bool)]) -> Result<()> {
        let writes = entries
            .iter()
            .map(|(device, has)| {
                self.seal(
                    format!("skdev/{}/{}", part(group_jid), part(device)),
                    &[u8::from(*has)],
                )
            })
            .collect::<Result<_>>()?;
        self.write(writes).await
    }

    async fn clear_sender_key_devices(&self, group_jid: &str) -> Result<()> {
        self.delete_prefix(&format!("skdev/{}/", part(group_jid)))
            .await
            .map(|_| ())
    }

    async fn delete_sender_key_device_rows(&self, device_jids: &[&str]) -> Result<()> {
        let wanted: Vec<String> = device_jids.iter().map(|d| part(d)).collect();
        let rows = self
            .store
            .list_session_keys(self.bot, "skdev/")
            .await
            .map_err(db)?;
        let writes = rows
            .into_iter()
            .filter(|(k, _)| {
                k.rsplit('/')
                    .next()
                    .is_some_and(|d| wanted.iter().any(|w| w == d))
            })
            .map(|(key, _)| SessionKeyWrite::Delete { key })
            .collect();
        self.write(writes).await
    }

    async fn clear_all_sender_key_devices(&self) -> Result<()> {
        self.delete_prefix("skdev/").await.map(|_| ())
    }

    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>> {
        self.get_json(&format!("lid/{}", part(lid))).await
    }

    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>> {
        match self.get(&format!("pn/{}", part(phone))).await? {
            Some(lid) => {
                let lid = String::from_utf8(lid).map_err(ser)?;
                self.get_lid_mapping(&lid).await
            }
            None => Ok(None),
        }
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()> {
        self.put_lid_mappings(std::slice::from_ref(entry)).await
    }

    async fn put_lid_mappings(&self, entries: &[LidPnMappingEntry]) -> Result<()> {
        let mut writes = Vec::with_capacity(entries.len() * 2);
        for e in entries {
            writes.push(self.seal(format!("lid/{}", part(&e.lid)), &json(e)?)?);
            writes.push(self.seal(format!("pn/{}", part(&e.phone_number)), e.lid.as_bytes())?);
        }
        self.write(writes).await
    }

    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>> {
        self.list("lid/")
            .await?
            .into_iter()
            .map(|(_, v)| from_json(&v))
            .collect()
    }

    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()> {
        self.put(
            format!("base-key/{}/{}", part(address), part(message_id)),
            base_key,
        )
        .await
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool> {
        let key = format!("base-key/{}/{}", part(address), part(message_id));
        Ok(self.get(&key).await?.as_deref() == Some(current_base_key))
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()> {
        self.delete(format!("base-key/{}/{}", part(address), part(message_id)))
            .await
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()> {
        self.update_device_lists(vec![record]).await
    }

    async fn update_device_lists(&self, records: Vec<DeviceListRecord>) -> Result<()> {
        let writes = records
            .iter()
            .map(|r| self.seal(format!("devices/{}", part(&r.user)), &json(r)?))
            .collect::<Result<_>>()?;
        self.write(writes).await
    }

    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>> {
        self.get_json(&format!("devices/{}", part(user))).await
    }

    async fn delete_devices(&self, user: &str) -> Result<()> {
        self.delete(format!("devices/{}", part(user))).await
    }

    async fn get_group_metadata(&self, group_jid: &str) -> Result<Option<Vec<u8>>> {
        self.get(&format!("group/{}", part(group_jid))).await
    }

    async fn put_group_metadata(&self, group_jid: &str, blob: &[u8]) -> Result<()> {
        self.put(format!("group/{}", part(group_jid)), blob).await
    }

    async fn delete_group_metadata(&self, group_jid: &str) -> Result<()> {
        self.delete(format!("group/{}", part(group_jid))).await
    }

    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        self.get_json(&format!("tc/{}", part(jid))).await
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        self.put(format!("tc/{}", part(jid)), &json(entry)?).await
    }

    async fn delete_tc_token(&self, jid: &str) -> Result<()> {
        self.delete(format!("tc/{}", part(jid))).await
    }

    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>> {
        let rows = self
            .store
            .list_session_keys(self.bot, "tc/")
            .await
            .map_err(db)?;
        Ok(rows.into_iter().map(|(k, _)| unpart(&k[3..])).collect())
    }

    async fn delete_expired_tc_tokens(&self, token_cutoff: i64, sender_cutoff: i64) -> Result<u32> {
        let mut writes = Vec::new();
        for (key, v) in self.list("tc/").await? {
            let entry: TcTokenEntry = from_json(&v)?;
            let token_old = entry.token_timestamp < token_cutoff;
            let sender_old = entry.sender_timestamp.is_none_or(|t| t < sender_cutoff);
            if token_old && sender_old {
                writes.push(SessionKeyWrite::Delete { key });
            }
        }
        let n = writes.len() as u32;
        self.write(writes).await?;
        Ok(n)
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        let value = json(&Stamped {
            at: now_secs(),
            data: payload.to_vec(),
        })?;
        self.put(
            format!("sent/{}/{}", part(chat_jid), part(message_id)),
            &value,
        )
        .await
    }

    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>> {
        let key = format!("sent/{}/{}", part(chat_jid), part(message_id));
        let Some(value) = self.get(&key).await? else {
            return Ok(None);
        };
        self.delete(key).await?;
        Ok(Some(from_json::<Stamped>(&value)?.data))
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.delete_stamped_before("sent/", cutoff_timestamp).await
    }

    async fn store_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
        message: &[u8],
    ) -> Result<()> {
        self.store_pending_inbound_batch(&[PendingInboundRow {
            chat,
            sender,
            id,
            message,
        }])
        .await
    }

    async fn get_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        let key = format!("pending/{}/{}/{}", part(chat), part(sender), part(id));
        Ok(self
            .get(&key)
            .await?
            .map(|v| from_json::<Stamped>(&v))
            .transpose()?
            .map(|s| s.data))
    }

    async fn delete_pending_inbound(&self, chat: &str, sender: &str, id: &str) -> Result<()> {
        self.delete_pending_inbound_batch(&[PendingInboundKey { chat, sender, id }])
            .await
    }

    async fn delete_expired_pending_inbound(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.delete_stamped_before("pending/", cutoff_timestamp)
            .await
    }

    async fn store_pending_inbound_batch(&self, rows: &[PendingInboundRow<'_>]) -> Result<()> {
        let at = now_secs();
        let writes = rows
            .iter()
            .map(|r| {
                let key = format!("pending/{}/{}/{}", part(r.chat), part(r.sender), part(r.id));
                let value = json(&Stamped {
                    at,
                    data: r.message.to_vec(),
                })?;
                self.seal(key, &value)
            })
            .collect::<Result<_>>()?;
        self.write(writes).await
    }

    async fn delete_pending_inbound_batch(&self, keys: &[PendingInboundKey<'_>]) -> Result<()> {
        let writes = keys
            .iter()
            .map(|k| SessionKeyWrite::Delete {
                key: format!("pending/{}/{}/{}", part(k.chat), part(k.sender), part(k.id)),
            })
            .collect();
        self.write(writes).await
    }
}

impl SessionBackend {
    async fn delete_stamped_before(&self, prefix: &str, cutoff: i64) -> Result<u32> {
        let mut writes = Vec::new();
        for (key, v) in self.list(prefix).await? {
            if from_json::<Stamped>(&v)?.at < cutoff {
                writes.push(SessionKeyWrite::Delete { key });
            }
        }
        let n = writes.len() as u32;
        self.write(writes).await?;
        Ok(n)
    }
}

#[async_trait]
impl MsgSecretStore for SessionBackend {
    async fn put_msg_secrets(&self, entries: Vec<MsgSecretEntry>) -> Result<usize> {
        let mut merged: HashMap<String, Secret> = HashMap::new();
        for e in &entries {
            let key = format!(
                "secret/{}/{}/{}",
                part(&e.chat),
                part(&e.sender),
                part(&e.msg_id)
            );
            let existing = match merged.remove(&key) {
                Some(s) => Some(s),
                None => self.get_json::<Secret>(&key).await?,
            };
            let secret = match existing {
                Some(old) => Secret {
                    secret: e.secret.to_vec(),
                    expires_at: merge_msg_secret_expiry(old.expires_at, e.expires_at),
                    message_ts: merge_msg_secret_message_ts(old.message_ts, e.message_ts),
                },
                None => Secret {
                    secret: e.secret.to_vec(),
                    expires_at: e.expires_at,
                    message_ts: e.message_ts,
                },
            };
            merged.insert(key, secret);
        }
        let writes = merged
            .iter()
            .map(|(k, s)| self.seal(k.clone(), &json(s)?))
            .collect::<Result<_>>()?;
        self.write(writes).await?;
        Ok(entries.len())
    }

    async fn get_msg_secret(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self
            .get_msg_secret_with_ts(chat, sender, msg_id)
            .await?
            .map(|(s, _)| s))
    }

    async fn get_msg_secret_with_ts(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<(Vec<u8>, i64)>> {
        let key = format!("secret/{}/{}/{}", part(chat), part(sender), part(msg_id));
        Ok(self
            .get_json::<Secret>(&key)
            .await?
            .map(|s| (s.secret, s.message_ts)))
    }

    async fn delete_expired_msg_secrets(&self, cutoff_timestamp: i64) -> Result<u32> {
        let mut writes = Vec::new();
        for (key, v) in self.list("secret/").await? {
            let s: Secret = from_json(&v)?;
            if s.expires_at != 0 && s.expires_at <= cutoff_timestamp {
                writes.push(SessionKeyWrite::Delete { key });
            }
        }
        let n = writes.len() as u32;
        self.write(writes).await?;
        Ok(n)
    }
}

#[async_trait]
impl DeviceStore for SessionBackend {
    async fn save(&self, device: &Device) -> Result<()> {
        self.put("device".to_string(), &json(device)?).await
    }

    async fn load(&self) -> Result<Option<Device>> {
        self.get_json("device").await
    }

    async fn exists(&self) -> Result<bool> {
        Ok(self
            .store
            .get_session_key(self.bot, "device")
            .await
            .map_err(db)?
            .is_some())
    }

    async fn create(&self) -> Result<i32> {
        // One device per bot: its id within the bot's namespace is always 1.
        Ok(1)
    }
}
