//! The seam between whatsapp-rust's events and wabot's [`TransportEvent`]s: the crate's
//! [`Event`] is first reduced to a small [`NativeEvent`] (only what wabot uses), which
//! [`to_transport_event`] maps. The mapping is plain data in, data out, so it is tested
//! without a client.

use chrono::{DateTime, Utc};
use wabot_core::{
    domain::ContactId,
    ports::{DisconnectReason, InboundKind, InboundMessage, TransportEvent},
};
use whatsapp_rust::{
    prelude::{Event, MessageExt},
    wacore_binary::Jid,
};

/// What wabot needs from one of the crate's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeEvent {
    /// A QR payload to show (`ref,noisePub,identityPub,advSecret[,platform]`).
    Qr(String),
    /// A pairing code to type on the phone.
    PairCode(String),
    /// The phone accepted the pairing; `phone` is the account's number (digits).
    Paired {
        /// The account's number, digits only.
        phone: String,
    },
    /// Connected and logged in.
    Connected {
        /// The account's number, when the device knows it.
        phone: Option<String>,
    },
    /// The phone removed this device (or the server refused the session for good).
    LoggedOut,
    /// The connection dropped (the client reconnects by itself).
    Disconnected(String),
    /// A message arrived.
    Message(NativeMessage),
}

/// An inbound message, reduced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeMessage {
    /// The message id.
    pub id: String,
    /// The chat's JID (`…@s.whatsapp.net`, `…@lid`, `…@g.us`, `status@broadcast`, …).
    pub chat: String,
    /// The sender's phone number (digits) when WhatsApp gave one, also for `@lid` senders.
    pub sender_phone: Option<String>,
    /// Sent by this account (from the phone or another linked device).
    pub from_me: bool,
    /// A group chat.
    pub group: bool,
    /// The sender's profile name.
    pub push_name: Option<String>,
    /// The text (or caption), if any.
    pub text: Option<String>,
    /// What the message is when it has no text (`image`, `reaction`, `protocol`, …).
    pub media_type: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
}

/// The digits of a phone-number JID (`34612345678@s.whatsapp.net` → `34612345678`).
pub(crate) fn phone_of(jid: &Jid) -> Option<String> {
    let s = jid.to_string();
    let (user, server) = s.split_once('@')?;
    let user = user.split([':', '.']).next().unwrap_or(user);
    (server == "s.whatsapp.net" && !user.is_empty() && user.bytes().all(|b| b.is_ascii_digit()))
        .then(|| user.to_string())
}

/// Reduces one of the crate's events (several for a message batch).
pub fn from_crate_event(event: &Event, own_phone: Option<String>) -> Vec<NativeEvent> {
    match event {
        Event::PairingQrCode(qr) => vec![NativeEvent::Qr(qr.code.clone())],
        Event::PairingCode(code) => vec![NativeEvent::PairCode(code.code.clone())],
        Event::PairSuccess(p) => vec![NativeEvent::Paired {
            phone: phone_of(&p.id).unwrap_or_else(|| p.id.user.to_string()),
        }],
        Event::Connected(_) => vec![NativeEvent::Connected { phone: own_phone }],
        Event::LoggedOut(_) => vec![NativeEvent::LoggedOut],
        Event::Disconnected(d) => vec![NativeEvent::Disconnected(d.reason.to_string())],
        Event::Messages(_) => event
            .messages()
            .map(|m| {
                let info = &m.info;
                let source = &info.source;
                let sender_phone = phone_of(&source.sender)
                    .or_else(|| source.sender_alt.as_ref().and_then(phone_of));
                NativeEvent::Message(NativeMessage {
                    id: info.id.to_string(),
                    chat: source.chat.to_string(),
                    sender_phone,
                    from_me: source.is_from_me,
                    group: source.is_group,
                    push_name: Some(info.push_name.clone()).filter(|n| !n.trim().is_empty()),
                    text: m.message.text_content().map(str::to_string),
                    media_type: if info.media_type.is_empty() {
                        info.r#type.clone()
                    } else {
                        info.media_type.clone()
                    },
                    sent_at: info.timestamp,
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The wabot event for a reduced one; `None` for what wabot ignores (status broadcasts,
/// newsletters, messages without a usable sender). Messages typed on the owner's phone are
/// not reported yet (see issue 11: they should become agent messages).
pub fn to_transport_event(event: NativeEvent) -> Option<TransportEvent> {
    Some(match event {
        NativeEvent::Qr(code) => TransportEvent::Qr { code },
        NativeEvent::PairCode(code) => TransportEvent::PairingCode { code },
        NativeEvent::Paired { .. } => TransportEvent::Authenticated,
        NativeEvent::Connected { phone } => TransportEvent::Ready {
            account: phone.map(|p| format!("+{p}")),
        },
        NativeEvent::LoggedOut => TransportEvent::Disconnected {
            reason: DisconnectReason::Logout,
        },
        NativeEvent::Disconnected(why) => TransportEvent::Disconnected {
            reason: DisconnectReason::Network(why),
        },
        NativeEvent::Message(m) => return inbound(m).map(TransportEvent::Inbound),
    })
}

fn inbound(m: NativeMessage) -> Option<InboundMessage> {
    let ignored = m.chat.ends_with("@broadcast") || m.chat.ends_with("@newsletter");
    if ignored || m.from_me {
        return None;
    }
    // A contact is its phone number when known (also behind a LID), else the LID itself.
    let contact = match (&m.sender_phone, m.group) {
        (Some(phone), false) => format!("+{phone}"),
        _ => m.chat.clone(),
    };
    let from = ContactId::parse(&contact).ok()?;
    let kind = match (&m.text, m.group) {
        (_, true) => InboundKind::Group,
        (Some(_), false) => InboundKind::Text,
        (None, false) if m.media_type == "protocol" => return None,
        (None, false) => InboundKind::Media(m.media_type.clone()),
    };
    Some(InboundMessage {
        provider_message_id: m.id,
        from,
        display_name: m.push_name,
        body: m.text.unwrap_or_default(),
        kind,
        sent_at: m.sent_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(chat: &str, phone: Option<&str>, body: &str) -> NativeMessage {
        NativeMessage {
            id: "3EB0A".into(),
            chat: chat.into(),
            sender_phone: phone.map(str::to_string),
            from_me: false,
            group: false,
            push_name: Some("Ana".into()),
            text: Some(body.into()),
            media_type: "text".into(),
            sent_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn qr_codes_pairing_and_connection_map_to_their_transport_events() {
        let qr = to_transport_event(NativeEvent::Qr("2@a,b,c,d".into()));
        let paired = to_transport_event(NativeEvent::Paired {
            phone: "34612345678".into(),
        });
        let ready = to_transport_event(NativeEvent::Connected {
            phone: Some("34612345678".into()),
        });
        let logout = to_transport_event(NativeEvent::LoggedOut);

        assert_eq!(
            qr,
            Some(TransportEvent::Qr {
                code: "2@a,b,c,d".into()
            })
        );
        assert_eq!(paired, Some(TransportEvent::Authenticated));
        assert_eq!(
            ready,
            Some(TransportEvent::Ready {
                account: Some("+34612345678".into())
            })
        );
        assert_eq!(
            logout,
            Some(TransportEvent::Disconnected {
                reason: DisconnectReason::Logout
            })
        );
    }

    #[test]
    fn a_text_from_a_lid_sender_is_reported_under_the_phone_number() {
        let event = to_transport_event(NativeEvent::Message(text(
            "100000012345678@lid",
            Some("34612345678"),
            "hola",
        )));

        let Some(TransportEvent::Inbound(m)) = event else {
            panic!("expected an inbound message, got {event:?}");
        };
        assert_eq!(m.from.as_str(), "+34612345678");
        assert_eq!((m.body.as_str(), m.kind), ("hola", InboundKind::Text));
        assert_eq!(m.display_name.as_deref(), Some("Ana"));
    }

    #[test]
    fn a_lid_sender_without_a_known_number_keeps_the_lid() {
        let event = to_transport_event(NativeEvent::Message(text(
            "100000012345678@lid",
            None,
            "hi",
        )));

        let Some(TransportEvent::Inbound(m)) = event else {
            panic!("expected an inbound message, got {event:?}");
        };
        assert_eq!(m.from.as_str(), "100000012345678@lid");
    }

    #[test]
    fn status_broadcasts_newsletters_own_messages_and_protocol_messages_are_ignored() {
        let status = text("status@broadcast", Some("34612345678"), "story");
        let newsletter = text("1203@newsletter", None, "news");
        let own = NativeMessage {
            from_me: true,
            ..text(
                "34612345678@s.whatsapp.net",
                Some("34612345678"),
                "typed on the phone",
            )
        };
        let protocol = NativeMessage {
            text: None,
            media_type: "protocol".into(),
            ..text("34612345678@s.whatsapp.net", Some("34612345678"), "")
        };

        for m in [status, newsletter, own, protocol] {
            assert_eq!(to_transport_event(NativeEvent::Message(m)), None);
        }
    }

    #[test]
    fn groups_and_media_are_reported_with_their_kind() {
        let group = NativeMessage {
            group: true,
            ..text("1203630@g.us", Some("34612345678"), "hi all")
        };
        let image = NativeMessage {
            text: None,
            media_type: "image".into(),
            ..text("34612345678@s.whatsapp.net", Some("34612345678"), "")
        };

        let kinds: Vec<_> = [group, image]
            .into_iter()
            .filter_map(|m| match to_transport_event(NativeEvent::Message(m)) {
                Some(TransportEvent::Inbound(m)) => Some(m.kind),
                _ => None,
            })
            .collect();
        assert_eq!(
            kinds,
            vec![InboundKind::Group, InboundKind::Media("image".into())]
        );
    }
}
