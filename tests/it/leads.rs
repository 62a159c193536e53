use wabot::core::ports::EventBus as _;
use wabot::core::{
    domain::{LeadField, LeadStatus},
    ports::DomainEvent,
};

use crate::harness::{Harness, contact, drain};

#[tokio::test]
async fn a_lead_qualifies_over_several_messages_and_is_assigned_round_robin() {
    let h = Harness::new().await;
    h.start().await;
    let sam = h.add_agent("sam@acme.test").await;
    let kim = h.add_agent("kim@acme.test").await;
    let mut events = h.bus.subscribe();

    let ana = contact("34612345678@c.us");
    h.say(&ana, "Hi! I'd like a quote for solar panels").await;
    h.say(&ana, "My name is Ana López").await;
    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    assert_eq!(lead.status, LeadStatus::Capturing);
    assert_eq!(
        lead.fields.missing(&h.bot.features.required_fields),
        vec![LeadField::Email, LeadField::Phone]
    );
    h.say(&ana, "sure, it's ana.lopez@example.com").await;
    h.say(&ana, "and my mobile is 699 123 456").await;

    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    assert_eq!(lead.fields.name.as_ref().unwrap().as_str(), "Ana López");
    assert_eq!(lead.fields.phone.as_ref().unwrap().as_str(), "+34699123456");
    assert_eq!(lead.status, LeadStatus::Assigned);
    assert_eq!(lead.assignee, Some(sam));
    assert!(lead.qualified_at.is_some());
    let seen = drain(&mut events);
    assert!(
        seen.iter()
            .any(|e| matches!(e, DomainEvent::LeadQualified { lead: l, .. } if l.id == lead.id))
    );
    assert!(
        seen.iter()
            .any(|e| matches!(e, DomainEvent::LeadAssigned { assignee, .. } if *assignee == sam))
    );

    // Two more leads, each complete in one message: Kim, then Sam again.
    for (who, expected) in [("34611111111@c.us", kim), ("34622222222@c.us", sam)] {
        let c = contact(who);
        h.say(&c, "I'm Bea Ruiz, bea@example.org, +34 655 444 333")
            .await;
        let lead = h.store.find_lead(h.bot.id, &c).await.unwrap().unwrap();
        assert_eq!(lead.assignee, Some(expected), "round-robin for {who}");
    }
}

#[tokio::test]
async fn a_model_extraction_fills_gaps_but_never_overwrites_what_the_customer_typed() {
    let h = Harness::new().await;
    h.start().await;
    h.llm.set_extraction(
        r#"{"name": "Carlos", "email": "wrong@example.com", "location": "Valencia", "phone": "not a number"}"#,
    );
    let carlos = contact("34612345678@c.us");

    h.say(&carlos, "carlos.g@example.com is my email").await;

    let lead = h.store.find_lead(h.bot.id, &carlos).await.unwrap().unwrap();
    assert_eq!(lead.fields.email.unwrap().as_str(), "carlos.g@example.com");
    assert_eq!(lead.fields.name.unwrap().as_str(), "Carlos");
    assert_eq!(lead.fields.location.unwrap().as_str(), "Valencia");
    assert!(lead.fields.phone.is_none(), "an invalid phone is not saved");
}

#[tokio::test]
async fn with_no_agent_a_complete_lead_stays_qualified() {
    let h = Harness::new().await;
    h.start().await;
    let c = contact("34612345678@c.us");
    h.say(&c, "I'm Bea Ruiz, bea@example.org, +34 655 444 333")
        .await;
    let lead = h.store.find_lead(h.bot.id, &c).await.unwrap().unwrap();
    assert_eq!(lead.status, LeadStatus::Qualified);
    assert_eq!(lead.assignee, None);
}

#[tokio::test]
async fn a_corrected_email_replaces_the_old_one_but_a_later_name_phrase_does_not() {
    let h = Harness::new().await;
    h.start().await;
    let c = contact("34612345678@c.us");
    h.say(&c, "My name is Ana, email ana@old-domain.com").await;
    h.say(&c, "sorry, the right one is ana@new-domain.com")
        .await;
    h.say(&c, "my name is Bea").await;

    let lead = h.store.find_lead(h.bot.id, &c).await.unwrap().unwrap();
    assert_eq!(lead.fields.email.unwrap().as_str(), "ana@new-domain.com");
    assert_eq!(lead.fields.name.unwrap().as_str(), "Ana");
}
