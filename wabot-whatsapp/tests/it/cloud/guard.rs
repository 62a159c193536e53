//! A factory with a network policy: a `graph_base_url` into the server's own network is
//! refused (literals when the transport is built, names when they resolve), and Graph error
//! texts from internal addresses are not quoted.

use std::sync::Arc;

use secrecy::SecretString;
use wabot_core::{
    TransportError,
    domain::{Bot, BotName, Prompt, TransportConfig},
    ids::{BotId, WorkspaceId},
    ports::{MessagingTransport, TransportFactory},
};
use wabot_net::{NetworkPolicy, testing::StaticResolver};
use wabot_whatsapp::cloud::{CloudCredentials, CloudTransportFactory};

use super::{
    WAIT,
    fake_graph::{ACCESS_TOKEN, API_VERSION, APP_SECRET, FakeGraph, PHONE_NUMBER_ID, VERIFY_TOKEN},
};

fn credentials(_bot: BotId) -> Option<CloudCredentials> {
    Some(CloudCredentials {
        access_token: SecretString::from(ACCESS_TOKEN),
        app_secret: SecretString::from(APP_SECRET),
        verify_token: SecretString::from(VERIFY_TOKEN),
    })
}

fn factory(policy: NetworkPolicy) -> CloudTransportFactory {
    CloudTransportFactory::new(credentials)
        .with_api_version(API_VERSION)
        .with_network_policy(policy)
}

fn bot(graph_base_url: String) -> Bot {
    let mut bot = Bot::new(
        WorkspaceId::new(),
        BotName::parse("Acme").unwrap(),
        Prompt::parse("Be helpful.").unwrap(),
        chrono::Utc::now(),
    );
    bot.transport = TransportConfig::Cloud {
        phone_number_id: PHONE_NUMBER_ID.into(),
        graph_base_url: Some(graph_base_url),
    };
    bot
}

async fn run(transport: Arc<dyn MessagingTransport>) -> Result<(), TransportError> {
    let (sink, _events) = tokio::sync::mpsc::channel(8);
    tokio::time::timeout(WAIT, transport.run(sink))
        .await
        .expect("run ends")
}

#[tokio::test]
async fn a_loopback_graph_base_url_is_refused_when_the_transport_is_built() {
    let graph = FakeGraph::start().await;

    let error = factory(NetworkPolicy::public_only())
        .create(&bot(graph.base_url()))
        .err()
        .expect("refused");

    assert!(
        matches!(&error, TransportError::Config(m) if m.contains("graph_base_url") && m.contains("127.0.0.1")),
        "{error:?}"
    );
    assert_eq!(graph.request_count().await, 0);
}

#[tokio::test]
async fn a_graph_name_resolving_to_loopback_fails_the_run_without_a_request() {
    let graph = FakeGraph::start().await;
    let port = graph.base_url().rsplit(':').next().unwrap().to_string();
    let policy = NetworkPolicy::public_only().with_resolver(Arc::new(
        StaticResolver::new().with("graph.rebound.test", ["127.0.0.1"]),
    ));
    let transport = factory(policy)
        .create(&bot(format!("http://graph.rebound.test:{port}")))
        .unwrap();

    let error = run(transport).await.unwrap_err();

    assert!(
        matches!(&error, TransportError::Config(m) if m.contains("resolves to no public address")),
        "{error:?}"
    );
    assert_eq!(graph.request_count().await, 0);
}

#[tokio::test]
async fn graph_error_texts_from_an_internal_address_are_not_quoted() {
    let graph = FakeGraph::start().await;
    graph.rejects_profile_lookup(190, 401).await;
    let transport = factory(NetworkPolicy::public_only().allowing_private(true))
        .create(&bot(graph.base_url()))
        .unwrap();

    let error = run(transport).await.unwrap_err();

    let shown = error.to_string();
    assert!(matches!(error, TransportError::Config(_)), "{error:?}");
    assert!(shown.contains("190"), "{shown}");
    assert!(!shown.contains("Session has expired"), "{shown}");
    assert!(!shown.contains("Az8or2yhqkZfEZ"), "{shown}");
}
