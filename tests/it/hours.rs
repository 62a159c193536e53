use std::sync::Arc;

use chrono::{NaiveTime, TimeZone, Utc, Weekday};
use wabot::core::{
    domain::{CannedMessage, WorkingHours},
    memory::ManualClock,
};

use crate::harness::{Harness, contact};

const AWAY: &str = "We're closed now; we'll answer at 9:00.";

async fn office_bot(clock: Arc<ManualClock>) -> Harness {
    let mut h = Harness::with_clock(clock).await;
    h.bot.features.working_hours = Some(WorkingHours {
        start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        days: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        time_zone: chrono_tz::America::New_York,
    });
    h.bot.features.away_message = Some(CannedMessage::parse(AWAY).unwrap());
    h.start().await;
    h
}

#[tokio::test]
async fn working_hours_follow_local_time_across_a_dst_change() {
    // Friday 2026-03-06, New York on EST (UTC-5).
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 6, 13, 30, 0).unwrap(),
    ));
    let h = office_bot(clock.clone()).await;
    let ana = contact("15551234567@c.us");

    // 08:30 local: closed → away message.
    h.say(&ana, "anyone there?").await;
    assert_eq!(h.replies(&ana), vec![AWAY]);

    // 09:30 local (14:30 UTC): open → the bot answers.
    clock.set(Utc.with_ymd_and_hms(2026, 3, 6, 14, 30, 0).unwrap());
    h.say(&ana, "hello again").await;
    assert_eq!(h.replies(&ana).len(), 2);
    assert!(h.replies(&ana)[1].starts_with("Got it"));

    // Monday 2026-03-09, after DST began (EDT, UTC-4): 13:30 UTC is 09:30 local → open,
    // though the same UTC time was closed on Friday.
    clock.set(Utc.with_ymd_and_hms(2026, 3, 9, 13, 30, 0).unwrap());
    h.say(&ana, "monday question").await;
    assert_eq!(h.replies(&ana).len(), 3);
    assert!(h.replies(&ana)[2].starts_with("Got it"));

    // 21:30 UTC is 17:30 local → closed; a new day, so the away message goes out again.
    clock.set(Utc.with_ymd_and_hms(2026, 3, 9, 21, 30, 0).unwrap());
    h.say(&ana, "evening question").await;
    assert_eq!(h.replies(&ana).last().unwrap(), AWAY);
}

#[tokio::test]
async fn the_away_message_goes_out_at_most_once_per_contact_per_day() {
    // Saturday 2026-01-17 12:00 New York.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 17, 17, 0, 0).unwrap(),
    ));
    let h = office_bot(clock.clone()).await;
    let ana = contact("15551234567@c.us");
    let bob = contact("15557654321@c.us");

    h.say(&ana, "hi").await;
    h.say(&ana, "hello??").await;
    clock.advance(chrono::Duration::hours(3));
    h.say(&ana, "still closed?").await;
    h.say(&bob, "hi").await;
    assert_eq!(h.replies(&ana), vec![AWAY], "once per day for Ana");
    assert_eq!(h.replies(&bob), vec![AWAY], "Bob gets his own");

    // Sunday: a new local day.
    clock.advance(chrono::Duration::hours(20));
    h.say(&ana, "sunday hi").await;
    assert_eq!(h.replies(&ana), vec![AWAY, AWAY]);

    // Every message was stored all the same.
    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    let stored = h.store.recent_messages(lead.id, 50).await.unwrap();
    assert_eq!(stored.len(), 4 + 2);
}
