//! The seam between whatsapp-rust's events and wabot's [`TransportEvent`]s: the crate's
//! [`Event`] is first reduced to a small [`NativeEvent`] (only what wabot uses), which
//! [`to_transport_event`] maps. The mapping is plain data in, data out, so it is tested
//! without a client.

use chrono::{DateTime, Utc};
use wabot_core::{
    domain::{ContactId, DeliveryStatus},
    ports::{DisconnectReason, InboundKind, InboundMessage, TransportEvent},
};
use whatsapp_rust::{
    prelude::{Event, MessageExt, wa},
    wacore::types::presence::ReceiptType,
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
    /// The session was opened elsewhere (`stream:error` conflict / replaced).
    Replaced,
    /// Every QR code expired without a scan.
    QrExpired,
    /// Delivery progress of messages this account sent.
    Delivery {
        /// The messages' ids.
        ids: Vec<String>,
        /// Their new status.
        status: DeliveryStatus,
    },
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
    /// What the message is, from its content: `text`, `image`, `video`, `audio`, `document`,
    /// `sticker`, `location`, `contact`, `reaction`, `edit`, `delete`, `poll`, `protocol`
    /// (key distribution, history sync, app-state keys: nothing for a person), or the crate's
    /// type name for anything else.
    pub content: String,
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
        Event::StreamReplaced(_) => vec![NativeEvent::Replaced],
        Event::PairingQrCodesExhausted(_) => vec![NativeEvent::QrExpired],
        Event::Disconnected(d) => vec![NativeEvent::Disconnected(d.reason.to_string())],
        Event::Receipt(r) if !r.source.is_from_me => {
            let status = match r.r#type {
                ReceiptType::Sent => DeliveryStatus::Sent,
                ReceiptType::Delivered => DeliveryStatus::Delivered,
                ReceiptType::Read | ReceiptType::Played => DeliveryStatus::Read,
                _ => return Vec::new(),
            };
            vec![NativeEvent::Delivery {
                ids: r.message_ids.iter().map(|id| id.to_string()).collect(),
                status,
            }]
        }
        Event::ServerAck(ack) if ack.class.as_deref() == Some("message") => {
            vec![NativeEvent::Delivery {
                ids: vec![ack.id.clone()],
                status: if ack.error.is_some() {
                    DeliveryStatus::Failed
                } else {
                    DeliveryStatus::Sent
                },
            }]
        }
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
                    content: content_of(&m.message, &info.r#type),
                    sent_at: info.timestamp,
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What a message carries, named from its content (see [`NativeMessage::content`]).
fn content_of(message: &wa::Message, crate_type: &str) -> String {
    let m = message.get_base_message();
    let name = if let Some(p) = m.protocol_message.as_option() {
        // Type 0 is REVOKE (deleted for everyone); an edit carries the new message.
        if p.edited_message.is_set() {
            "edit"
        } else if p.r#type == Some(wa::message::protocol_message::Type::REVOKE) {
            "delete"
        } else {
            "protocol"
        }
    } else if m.edited_message.is_set() {
        "edit"
    } else if m.conversation.is_some() || m.extended_text_message.is_set() {
        "text"
    } else if m.image_message.is_set() {
        "image"
    } else if m.video_message.is_set() || m.ptv_message.is_set() {
        "video"
    } else if m.audio_message.is_set() {
        "audio"
    } else if m.document_message.is_set() || m.document_with_caption_message.is_set() {
        "document"
    } else if m.sticker_message.is_set() {
        "sticker"
    } else if m.location_message.is_set() || m.live_location_message.is_set() {
        "location"
    } else if m.contact_message.is_set() || m.contacts_array_message.is_set() {
        "contact"
    } else if m.reaction_message.is_set() || m.enc_reaction_message.is_set() {
        "reaction"
    } else if m.poll_creation_message.is_set() || m.poll_update_message.is_set() {
        "poll"
    } else if m.sender_key_distribution_message.is_set() {
        "protocol"
    } else {
        return if crate_type.is_empty() {
            "unknown".into()
        } else {
            crate_type.into()
        };
    };
    name.into()
}

/// The wabot event for a reduced one; `None` for what wabot ignores (status broadcasts,
/// newsletters, protocol messages, messages without a usable sender) and for a delivery of
/// several messages (use [`to_transport_events`]). Messages typed on the owner's phone are
/// not reported: wabot's transport port has no event for them yet.
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
        NativeEvent::Replaced => TransportEvent::Disconnected {
            reason: DisconnectReason::Conflict,
        },
        NativeEvent::QrExpired => TransportEvent::Disconnected {
            reason: DisconnectReason::Timeout,
        },
        NativeEvent::Disconnected(why) => TransportEvent::Disconnected {
            reason: DisconnectReason::Network(why),
        },
        // One event per message: `to_transport_events` splits batches.
        NativeEvent::Delivery { mut ids, status } if ids.len() == 1 => TransportEvent::Ack {
            provider_message_id: ids.remove(0),
            status,
        },
        NativeEvent::Delivery { .. } => return None,
        NativeEvent::Message(m) => return inbound(m).map(TransportEvent::Inbound),
    })
}

/// Every wabot event for a reduced one (a receipt for several messages gives one ack each).
pub fn to_transport_events(event: NativeEvent) -> Vec<TransportEvent> {
    match event {
        NativeEvent::Delivery { ids, status } => ids
            .into_iter()
            .map(|provider_message_id| TransportEvent::Ack {
                provider_message_id,
                status,
            })
            .collect(),
        other => to_transport_event(other).into_iter().collect(),
    }
}

fn inbound(m: NativeMessage) -> Option<InboundMessage> {
    let ignored = m.chat.ends_with("@broadcast") || m.chat.ends_with("@newsletter");
    if ignored || m.from_me || m.content == "protocol" {
        return None;
    }
    // A contact is its phone number when known (also behind a LID), else the LID itself.
    let contact = match (&m.sender_phone, m.group) {
        (Some(phone), false) => format!("+{phone}"),
        _ => m.chat.clone(),
    };
    let from = ContactId::parse(&contact).ok()?;
    let kind = match (m.group, m.content.as_str()) {
        (true, _) => InboundKind::Group,
        (false, "text") => InboundKind::Text,
        (false, "image" | "video" | "audio" | "document" | "sticker") => {
            InboundKind::Media(m.content.clone())
        }
        (false, _) => InboundKind::Other(m.content.clone()),
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
            content: "text".into(),
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
            content: "protocol".into(),
            ..text("34612345678@s.whatsapp.net", Some("34612345678"), "")
        };

        for m in [status, newsletter, own, protocol] {
            assert_eq!(to_transport_event(NativeEvent::Message(m)), None);
        }
    }

    #[test]
    fn a_receipt_for_several_messages_becomes_one_ack_each() {
        let events = to_transport_events(NativeEvent::Delivery {
            ids: vec!["3EB0A".into(), "3EB0B".into()],
            status: DeliveryStatus::Read,
        });

        let acked: Vec<_> = events
            .iter()
            .map(|e| match e {
                TransportEvent::Ack {
                    provider_message_id,
                    status,
                } => (provider_message_id.as_str(), *status),
                other => panic!("expected an ack, got {other:?}"),
            })
            .collect();
        assert_eq!(
            acked,
            [
                ("3EB0A", DeliveryStatus::Read),
                ("3EB0B", DeliveryStatus::Read)
            ]
        );
    }

    #[test]
    fn a_session_opened_elsewhere_or_unscanned_qr_codes_end_with_their_reason() {
        let reasons: Vec<_> = [NativeEvent::Replaced, NativeEvent::QrExpired]
            .into_iter()
            .flat_map(to_transport_events)
            .collect();

        assert_eq!(
            reasons,
            [
                TransportEvent::Disconnected {
                    reason: DisconnectReason::Conflict
                },
                TransportEvent::Disconnected {
                    reason: DisconnectReason::Timeout
                },
            ]
        );
    }

    #[test]
    fn locations_reactions_edits_and_deletes_are_stored_with_their_kind() {
        let kinds: Vec<_> = ["location", "reaction", "edit", "delete", "contact"]
            .into_iter()
            .map(|content| NativeMessage {
                text: None,
                content: content.into(),
                ..text("34612345678@s.whatsapp.net", Some("34612345678"), "")
            })
            .filter_map(|m| match to_transport_event(NativeEvent::Message(m)) {
                Some(TransportEvent::Inbound(m)) => Some(m.kind),
                _ => None,
            })
            .collect();

        let other = |k: &str| InboundKind::Other(k.into());
        assert_eq!(
            kinds,
            [
                other("location"),
                other("reaction"),
                other("edit"),
                other("delete"),
                other("contact")
            ]
        );
    }

    #[test]
    fn content_is_named_from_the_message_itself() {
        let image = wa::Message {
            image_message: whatsapp_rust::buffa::MessageField::some(Default::default()),
            ..Default::default()
        };
        let text = wa::Message {
            conversation: Some("hola".into()),
            ..Default::default()
        };

        assert_eq!(content_of(&image, "media"), "image");
        assert_eq!(content_of(&text, "text"), "text");
        assert_eq!(content_of(&wa::Message::default(), "weird"), "weird");
    }

    #[test]
    fn groups_and_media_are_reported_with_their_kind() {
        let group = NativeMessage {
            group: true,
            ..text("1203630@g.us", Some("34612345678"), "hi all")
        };
        let image = NativeMessage {
            text: None,
            content: "image".into(),
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
