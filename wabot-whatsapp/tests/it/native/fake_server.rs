//! An in-process fake WhatsApp server for the real whatsapp-rust client: it speaks the
//! responder side of the Noise XX handshake with the crate's own primitives, then the
//! encrypted binary-node stream, and sends a `pair-device` with QR refs. No socket is opened:
//! the client's transport factory hands it an in-memory pipe to this server.
//!
//! What it covers: WA_CONN_HEADER + framing, the XX handshake (ephemeral/static DH, the
//! encrypted server static and certificate chain, the client's encrypted static and payload),
//! the split into transport keys and counters, binary-node encoding (and zlib unpacking),
//! and the server's `pair-device` IQ. What it does not: the certificate chain is not signed
//! by WhatsApp's root (test builds skip that check), and nothing after pairing (pair-success,
//! prekey upload, Signal-encrypted messages) is served.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use wabot_whatsapp::native::NativeNetwork;
use whatsapp_rust::{
    NodeBuilder, OwnedNodeRef, anyhow,
    async_channel::{self, Receiver, Sender},
    buffa::{Message as _, MessageField},
    bytes::{Bytes, BytesMut},
    wacore::{
        framing::{FrameDecoder, encode_frame},
        handshake::NoiseHandshake,
        libsignal::protocol::PrivateKey,
        net::{HttpClient, HttpRequest, HttpResponse, Transport, TransportEvent, TransportFactory},
        noise::NoiseCipher,
    },
    wacore_binary::{
        consts::{NOISE_PATTERN_XX, WA_CONN_HEADER},
        marshal::marshal,
        util::unpack_bytes,
    },
    waproto::whatsapp::{self as wa, cert_chain::noise_certificate},
};

/// A Curve25519 key pair: (private, public).
fn key_pair() -> (PrivateKey, [u8; 32]) {
    let private = PrivateKey::deserialize(&rand::random::<[u8; 32]>()).expect("32 random bytes");
    let public = private.public_key().expect("public key");
    let public: [u8; 32] = public.public_key_bytes().try_into().expect("32-byte key");
    (private, public)
}

/// What the fake server saw, for assertions.
#[derive(Debug, Default, Clone)]
pub(crate) struct Observed {
    /// Connections the client opened.
    pub(crate) connections: usize,
    /// The client's static Noise public key, learned in the handshake.
    pub(crate) client_static: Option<[u8; 32]>,
    /// Tags of the nodes the client sent after the handshake.
    pub(crate) client_nodes: Vec<String>,
}

/// The fake server: one task per connection.
#[derive(Clone)]
pub(crate) struct FakeWhatsApp {
    refs: Vec<String>,
    observed: Arc<Mutex<Observed>>,
}

impl FakeWhatsApp {
    /// A server that offers these QR refs in its `pair-device`.
    pub(crate) fn new(refs: &[&str]) -> Self {
        Self {
            refs: refs.iter().map(|r| r.to_string()).collect(),
            observed: Arc::default(),
        }
    }

    /// What the server has seen so far.
    pub(crate) fn observed(&self) -> Observed {
        self.observed.lock().unwrap().clone()
    }
}

impl NativeNetwork for FakeWhatsApp {
    fn transport_factory(&self) -> Arc<dyn TransportFactory> {
        Arc::new(self.clone())
    }

    fn http_client(&self) -> Arc<dyn HttpClient> {
        Arc::new(NoHttp)
    }
}

/// Refuses every HTTP request: the tests must not reach the internet.
struct NoHttp;

#[async_trait]
impl HttpClient for NoHttp {
    async fn execute(&self, request: HttpRequest) -> anyhow::Result<HttpResponse> {
        anyhow::bail!("no network in tests (refused {})", request.url)
    }
}

/// The client's end of an in-memory connection.
struct Pipe {
    to_server: Sender<Bytes>,
}

#[async_trait]
impl Transport for Pipe {
    async fn send(&self, data: Bytes) -> anyhow::Result<()> {
        self.to_server
            .send(data)
            .await
            .map_err(|_| anyhow::anyhow!("fake server gone"))
    }

    async fn disconnect(&self) {
        self.to_server.close();
    }
}

#[async_trait]
impl TransportFactory for FakeWhatsApp {
    async fn create_transport(
        &self,
    ) -> anyhow::Result<(Arc<dyn Transport>, Receiver<TransportEvent>)> {
        let (to_server, from_client) = async_channel::unbounded();
        let (to_client, events) = async_channel::unbounded();
        to_client.try_send(TransportEvent::Connected)?;
        self.observed.lock().unwrap().connections += 1;
        let server = self.clone();
        tokio::spawn(async move {
            if let Err(e) = server.serve(from_client, to_client).await {
                eprintln!("fake WhatsApp server: connection ended: {e}");
            }
        });
        Ok((Arc::new(Pipe { to_server }), events))
    }
}

/// Reads whole frames from the client's byte stream.
struct Frames {
    rx: Receiver<Bytes>,
    decoder: FrameDecoder,
    header_seen: bool,
}

impl Frames {
    async fn next(&mut self) -> anyhow::Result<BytesMut> {
        loop {
            if let Some(frame) = self.decoder.decode_frame() {
                return Ok(frame);
            }
            let mut data = self.rx.recv().await?;
            if !self.header_seen {
                anyhow::ensure!(data.starts_with(&WA_CONN_HEADER), "no WA header");
                data = data.slice(WA_CONN_HEADER.len()..);
                self.header_seen = true;
            }
            self.decoder.feed(&data);
        }
    }
}

/// A zero-signed certificate chain whose leaf is the server's static key.
fn cert_chain(leaf_key: &[u8; 32]) -> Vec<u8> {
    let cert = |serial, issuer, key: Vec<u8>| wa::cert_chain::NoiseCertificate {
        details: Some(
            noise_certificate::Details {
                serial: Some(serial),
                issuer_serial: Some(issuer),
                key: Some(key),
                not_before: Some(1_700_000_000),
                not_after: Some(4_000_000_000),
            }
            .encode_to_vec(),
        ),
        signature: Some(vec![0; 64]),
    };
    wa::CertChain {
        intermediate: MessageField::some(cert(1, 0, vec![7; 32])),
        leaf: MessageField::some(cert(2, 1, leaf_key.to_vec())),
    }
    .encode_to_vec()
}

impl FakeWhatsApp {
    async fn serve(
        self,
        from_client: Receiver<Bytes>,
        to_client: Sender<TransportEvent>,
    ) -> anyhow::Result<()> {
        let mut frames = Frames {
            rx: from_client,
            decoder: FrameDecoder::new(),
            header_seen: false,
        };
        let send_frame = |payload: &[u8]| -> anyhow::Result<()> {
            let framed = encode_frame(payload, None)?;
            to_client.try_send(TransportEvent::DataReceived(framed.into()))?;
            Ok(())
        };

        // -> e
        let hello = wa::HandshakeMessage::decode_from_slice(&frames.next().await?)?;
        let client_eph: [u8; 32] = hello
            .client_hello
            .into_option()
            .and_then(|h| h.ephemeral)
            .ok_or_else(|| anyhow::anyhow!("ClientHello without an ephemeral key"))?
            .try_into()
            .map_err(|_| anyhow::anyhow!("ephemeral key is not 32 bytes"))?;

        // <- e, ee, s, es (+ certificate chain)
        let (static_private, static_public) = key_pair();
        let (eph_private, eph_public) = key_pair();
        let mut noise = NoiseHandshake::new(NOISE_PATTERN_XX, &WA_CONN_HEADER)?;
        noise.authenticate(&client_eph);
        noise.authenticate(&eph_public);
        noise.mix_shared_secret(eph_private.serialize(), &client_eph)?;
        let sealed_static = noise.encrypt(&static_public)?;
        noise.mix_shared_secret(static_private.serialize(), &client_eph)?;
        let sealed_chain = noise.encrypt(&cert_chain(&static_public))?;
        let server_hello = wa::HandshakeMessage {
            server_hello: MessageField::some(wa::handshake_message::ServerHello {
                ephemeral: Some(eph_public.to_vec()),
                r#static: Some(sealed_static),
                payload: Some(sealed_chain),
                ..Default::default()
            }),
            ..Default::default()
        };
        send_frame(&server_hello.encode_to_vec())?;

        // -> s, se (+ the client payload)
        let finish = wa::HandshakeMessage::decode_from_slice(&frames.next().await?)?
            .client_finish
            .into_option()
            .ok_or_else(|| anyhow::anyhow!("expected ClientFinish"))?;
        let client_static: [u8; 32] = noise
            .decrypt(&finish.r#static.unwrap_or_default())?
            .try_into()
            .map_err(|_| anyhow::anyhow!("client static is not 32 bytes"))?;
        noise.mix_shared_secret(eph_private.serialize(), &client_static)?;
        let _client_payload = noise.decrypt(&finish.payload.unwrap_or_default())?;
        self.observed.lock().unwrap().client_static = Some(client_static);

        // The initiator writes with the first key: the server reads with it.
        let (read, write): (NoiseCipher, NoiseCipher) = noise.finish()?;
        let mut write_counter = 0u32;
        let mut send_node = |node: &whatsapp_rust::wacore_binary::Node| -> anyhow::Result<()> {
            // `marshal` writes the leading flags byte (0: not compressed) itself.
            let plain = marshal(node)?;
            let sealed = write.encrypt_with_counter(write_counter, &plain)?;
            write_counter += 1;
            send_frame(&sealed)
        };

        let pair_device = NodeBuilder::new("iq")
            .attrs([
                ("from", "s.whatsapp.net".to_string()),
                ("type", "set".to_string()),
                ("id", "fake-pair-1".to_string()),
                ("xmlns", "md".to_string()),
            ])
            .children([NodeBuilder::new("pair-device")
                .children(self.refs.iter().map(|r| {
                    NodeBuilder::new("ref")
                        .bytes(r.clone().into_bytes())
                        .build()
                }))
                .build()])
            .build();
        send_node(&pair_device)?;

        // Record what the client sends; nothing more is served.
        let mut read_counter = 0u32;
        loop {
            let mut frame = frames.next().await?;
            read.decrypt_in_place_with_counter(read_counter, &mut frame)?;
            read_counter += 1;
            let node = OwnedNodeRef::new(unpack_bytes(frame)?)?;
            self.observed
                .lock()
                .unwrap()
                .client_nodes
                .push(node.tag().to_string());
        }
    }
}
