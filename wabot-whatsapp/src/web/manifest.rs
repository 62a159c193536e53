//! The one list of WhatsApp Web internals the adapter touches.
//!
//! WhatsApp Web has no public API: the adapter reads its internal modules with
//! `window.require('<module>')`, the way whatsapp-web.js has done since 2024. Module names change
//! with WhatsApp Web builds, so every module and member the injected script uses is listed here,
//! once, under a stable *role* name. The injected script (`assets/inject.js`) receives this list
//! as JSON, looks modules up only through it, and checks every listed member before it attaches
//! anything, so a WhatsApp Web update that renames something fails with
//! [`WebError::MissingModule`](super::WebError::MissingModule) naming what is gone instead of
//! hanging. When that happens, update the names here (and bump [`Manifest::version`]) or pin a
//! known-good build with [`WebConfig::pin_index_html`](super::WebConfig::pin_index_html).

use serde::Serialize;

/// A versioned list of the WhatsApp Web modules and members the adapter uses.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Manifest {
    /// Version of this list; bump it whenever a name changes.
    pub version: &'static str,
    /// Which WhatsApp Web builds the names were taken from.
    pub source: &'static str,
    /// The global the page defines once its bundle has loaded (`Debug.VERSION`).
    pub ready_global: &'static str,
    /// Every module, by role.
    pub modules: &'static [ModuleSpec],
}

/// One WhatsApp Web module the adapter requires.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ModuleSpec {
    /// Stable name the injected script uses for this module (`socket`, `conn`, …).
    pub role: &'static str,
    /// The module name passed to `window.require`, e.g. `WAWebSocketModel`.
    pub module: &'static str,
    /// Members that must exist, as dotted paths below the module (`Socket.state`).
    pub members: &'static [&'static str],
    /// Only needed for pairing-code login (not checked when logging in by QR).
    pub pairing_only: bool,
}

impl Manifest {
    /// The spec of the module playing `role`, if listed.
    pub fn module(&self, role: &str) -> Option<&ModuleSpec> {
        self.modules.iter().find(|m| m.role == role)
    }

    /// The manifest as the JSON object the injected script reads.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("the manifest serializes")
    }
}

const fn module(
    role: &'static str,
    module: &'static str,
    members: &'static [&'static str],
) -> ModuleSpec {
    ModuleSpec {
        role,
        module,
        members,
        pairing_only: false,
    }
}

/// The names this version of wabot uses.
pub const MANIFEST: Manifest = Manifest {
    version: "2026.11.1",
    source: "WhatsApp Web 2.3000.x builds as driven by whatsapp-web.js 1.34",
    ready_global: "Debug.VERSION",
    modules: &[
        // Connection state: UNPAIRED/UNPAIRED_IDLE → QR; OPENING/PAIRING → wait;
        // CONNECTED + hasSynced → ready; CONFLICT, TIMEOUT, … → disconnected.
        module(
            "socket",
            "WAWebSocketModel",
            &["Socket", "Socket.state", "Socket.hasSynced", "Socket.on"],
        ),
        // The QR ref, rotated by the server (`change:ref`).
        module("conn", "WAWebConnModel", &["Conn", "Conn.ref", "Conn.on"]),
        // Logout notifications and QR refresh after the page gave up (UNPAIRED_IDLE).
        module("cmd", "WAWebCmd", &["Cmd", "Cmd.on", "Cmd.refreshQR"]),
        // Messages (`add`, `change:ack`) and chats.
        module(
            "collections",
            "WAWebCollections",
            &["Msg", "Msg.on", "Msg.get", "Chat", "Chat.get"],
        ),
        module("wid", "WAWebWidFactory", &["createWid"]),
        module(
            "findChat",
            "WAWebFindChatAction",
            &["findOrCreateLatestChat"],
        ),
        module(
            "sendMsg",
            "WAWebSendMsgChatAction",
            &["addAndSendMsgToChat"],
        ),
        // The message-key class (constructed) and its id generator.
        module("msgKey", "WAWebMsgKey", &["newId"]),
        // The account's own id (phone-number user).
        module("me", "WAWebUserPrefsMeUser", &["getMaybeMePnUser"]),
        module(
            "chatState",
            "WAWebChatStateBridge",
            &["sendChatStateComposing", "sendChatStatePaused"],
        ),
        module("unread", "WAWebUpdateUnreadChatAction", &["sendSeen"]),
        // Presence around read receipts.
        module(
            "stream",
            "WAWebStreamModel",
            &["Stream", "Stream.markAvailable", "Stream.markUnavailable"],
        ),
        // The QR payload: ref,noise public key,identity public key,ADV secret,platform.
        module(
            "signalStore",
            "WAWebSignalStoreApi",
            &["waSignalStore", "waSignalStore.getRegistrationInfo"],
        ),
        module(
            "infoStore",
            "WAWebUserPrefsInfoStore",
            &["waNoiseInfo", "waNoiseInfo.get"],
        ),
        module(
            "multiDevice",
            "WAWebUserPrefsMultiDevice",
            &["getADVSecretKey"],
        ),
        module(
            "companionReg",
            "WAWebCompanionRegClientUtils",
            &["DEVICE_PLATFORM"],
        ),
        module("base64", "WABase64", &["encodeB64"]),
        // Pairing-code login (phone number instead of QR).
        ModuleSpec {
            role: "altLinking",
            module: "WAWebAltDeviceLinkingApi",
            members: &[
                "setPairingType",
                "initializeAltDeviceLinking",
                "startAltLinkingFlow",
            ],
            pairing_only: true,
        },
    ],
};

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn roles_and_modules_are_unique() {
        let roles: HashSet<_> = MANIFEST.modules.iter().map(|m| m.role).collect();
        let modules: HashSet<_> = MANIFEST.modules.iter().map(|m| m.module).collect();
        assert_eq!(roles.len(), MANIFEST.modules.len());
        assert_eq!(modules.len(), MANIFEST.modules.len());
    }

    #[test]
    fn every_role_the_injected_script_uses_is_listed() {
        let script = include_str!("../../assets/inject.js");
        for cap in script.split("mod('").skip(1) {
            let role = cap.split('\'').next().unwrap();
            assert!(
                MANIFEST.module(role).is_some(),
                "inject.js uses role `{role}` that the manifest does not list"
            );
        }
        for m in MANIFEST.modules {
            assert!(
                script.contains(&format!("mod('{}')", m.role)),
                "the manifest lists `{}` but inject.js never uses it",
                m.role
            );
        }
    }

    #[test]
    fn the_json_form_carries_module_names() {
        let json = MANIFEST.to_json();
        assert!(json.contains("\"WAWebSocketModel\""));
        assert!(json.contains("\"version\":\"2026.11.1\""));
    }
}
