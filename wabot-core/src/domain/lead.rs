//! Leads: a contact talking to a bot, the fields captured so far, and who handles them.

use std::{fmt, str::FromStr};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::text::text_type;
use crate::{
    error::ValidationError,
    ids::{BotId, LeadId, UserId, WorkspaceId},
};

text_type!(
    /// The id of a customer on the messaging network, e.g. `34612345678@c.us` or a Cloud API
    /// `wa_id` (1–128 characters).
    ContactId, "contact_id", 1, 128
);
text_type!(
    /// A person's name as given by the customer (1–100 characters).
    PersonName, "name", 1, 100
);
text_type!(
    /// Where the customer is (city, region, address; 2–200 characters).
    Location, "location", 2, 200
);

impl ContactId {
    /// The digits of the contact's phone number when the id is phone-based (`34612…@c.us`,
    /// `+34 612…`), `None` for opaque ids such as `@lid` or sandbox names.
    pub fn phone_digits(&self) -> Option<String> {
        let raw = self.as_str();
        if raw.ends_with("@lid") || raw.ends_with("@g.us") {
            return None;
        }
        let local = raw.split('@').next().unwrap_or(raw);
        let digits: String = local.chars().filter(char::is_ascii_digit).collect();
        let only_phone_chars = local
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
        (only_phone_chars && (7..=15).contains(&digits.len())).then_some(digits)
    }
}

/// An e-mail address, syntax-checked (RFC 5322 via `email_address`) and lower-cased domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses an address such as `ana@example.com`; rejects display names, missing domains and
    /// domains without a dot.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        let invalid = || {
            ValidationError::new(
                "email",
                format!("`{trimmed}` is not an e-mail address like name@example.com"),
            )
        };
        if trimmed.len() > 254 {
            return Err(invalid());
        }
        let parsed = email_address::EmailAddress::parse_with_options(
            trimmed,
            email_address::Options::default().without_display_text(),
        )
        .map_err(|_| invalid())?;
        let (local, domain) = (parsed.local_part(), parsed.domain());
        let labels_ok = domain.split('.').count() >= 2
            && domain
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
        if !labels_ok || local.starts_with('"') {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number, validated with libphonenumber's metadata and kept in E.164 (`+34612345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parses an international number (`+34 612 34 56 78`, `0034…`) or, with a `region`
    /// (ISO 3166 code such as `ES`), a number in that region's national format (`612 34 56 78`).
    pub fn parse(raw: &str, region: Option<&str>) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        let invalid = || {
            ValidationError::new(
                "phone",
                format!(
                    "`{trimmed}` is not a valid phone number; include the country code, e.g. +34 612 345 678"
                ),
            )
        };
        if trimmed.len() > 40 {
            return Err(invalid());
        }
        let mut candidate = trimmed.to_string();
        if let Some(rest) = candidate.strip_prefix("00") {
            candidate = format!("+{rest}");
        }
        let region_id = region.and_then(|r| {
            r.trim()
                .to_uppercase()
                .parse::<phonenumber::country::Id>()
                .ok()
        });
        let number = phonenumber::parse(region_id, &candidate).map_err(|_| invalid())?;
        if !phonenumber::is_valid(&number) {
            return Err(invalid());
        }
        Ok(Self(
            number.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    /// The ISO region (`ES`, `US`, …) of an E.164 number or of a phone-based contact id's
    /// digits, when it can be told.
    pub fn region_of_digits(digits: &str) -> Option<String> {
        let number = phonenumber::parse(None, format!("+{digits}")).ok()?;
        number.country().id().map(|id| format!("{id:?}"))
    }

    /// The number in E.164.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value, None)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One of the fields a bot captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadField {
    /// The customer's name.
    Name,
    /// The customer's e-mail.
    Email,
    /// Where the customer is.
    Location,
    /// The customer's phone number.
    Phone,
}

impl LeadField {
    /// Every field, in the order a bot asks for them.
    pub const ALL: [LeadField; 4] = [Self::Name, Self::Email, Self::Phone, Self::Location];

    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::Location => "location",
            Self::Phone => "phone",
        }
    }
}

impl fmt::Display for LeadField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields captured so far; each is either absent or valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadFields {
    /// The customer's name.
    pub name: Option<PersonName>,
    /// The customer's e-mail.
    pub email: Option<Email>,
    /// Where the customer is.
    pub location: Option<Location>,
    /// The customer's phone number.
    pub phone: Option<Phone>,
}

impl LeadFields {
    /// Whether `field` has a value.
    pub fn has(&self, field: LeadField) -> bool {
        match field {
            LeadField::Name => self.name.is_some(),
            LeadField::Email => self.email.is_some(),
            LeadField::Location => self.location.is_some(),
            LeadField::Phone => self.phone.is_some(),
        }
    }

    /// The fields of `required` that are still missing, in asking order.
    pub fn missing(&self, required: &[LeadField]) -> Vec<LeadField> {
        LeadField::ALL
            .into_iter()
            .filter(|f| required.contains(f) && !self.has(*f))
            .collect()
    }

    /// Splits into the strictly validated fields (e-mail, phone) and the heuristic ones (name,
    /// location).
    pub fn split_strict(self) -> (LeadFields, LeadFields) {
        (
            LeadFields {
                email: self.email,
                phone: self.phone,
                ..Default::default()
            },
            LeadFields {
                name: self.name,
                location: self.location,
                ..Default::default()
            },
        )
    }

    /// Fills the fields `other` has and `self` lacks; fields already set are kept unless
    /// `overwrite` is true. Returns the fields that changed.
    pub fn merge(&mut self, other: LeadFields, overwrite: bool) -> Vec<LeadField> {
        let mut changed = Vec::new();
        macro_rules! take {
            ($f:ident, $variant:expr) => {
                if let Some(v) = other.$f {
                    if (self.$f.is_none() || overwrite) && self.$f.as_ref() != Some(&v) {
                        self.$f = Some(v);
                        changed.push($variant);
                    }
                }
            };
        }
        take!(name, LeadField::Name);
        take!(email, LeadField::Email);
        take!(location, LeadField::Location);
        take!(phone, LeadField::Phone);
        changed
    }
}

/// Where a lead is in the sales pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// The bot is still collecting the required fields.
    #[default]
    Capturing,
    /// All required fields are present.
    Qualified,
    /// A sales agent owns the lead.
    Assigned,
    /// The deal was won.
    Won,
    /// The deal was lost.
    Lost,
}

impl LeadStatus {
    /// Every status in pipeline order.
    pub const ALL: [LeadStatus; 5] = [
        Self::Capturing,
        Self::Qualified,
        Self::Assigned,
        Self::Won,
        Self::Lost,
    ];

    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Capturing => "capturing",
            Self::Qualified => "qualified",
            Self::Assigned => "assigned",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LeadStatus {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| {
            ValidationError::new(
                "status",
                format!("unknown lead status `{s}`; expected capturing, qualified, assigned, won or lost"),
            )
        })
    }
}

/// Who answers the conversation: the state of the conversation, persisted with the lead so a
/// restart resumes where it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "by", content = "agent", rename_all = "snake_case")]
pub enum Handler {
    /// The bot answers automatically.
    #[default]
    Bot,
    /// A human agent has taken over; the bot stays silent.
    Agent(UserId),
}

/// One contact talking to one bot, with what has been captured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    /// Identifier.
    pub id: LeadId,
    /// The owning workspace.
    pub workspace_id: WorkspaceId,
    /// The bot the contact talks to.
    pub bot_id: BotId,
    /// The contact's id on the messaging network.
    pub contact: ContactId,
    /// The name the contact shows on WhatsApp, if known (not validated as a lead field).
    pub display_name: Option<String>,
    /// Captured fields.
    pub fields: LeadFields,
    /// Pipeline status.
    pub status: LeadStatus,
    /// The sales agent who owns the lead.
    pub assignee: Option<UserId>,
    /// Who answers the conversation.
    pub handler: Handler,
    /// Local date (bot's time zone) the away message was last sent.
    pub away_sent_on: Option<NaiveDate>,
    /// When the contact first wrote.
    pub created_at: DateTime<Utc>,
    /// When the lead last changed.
    pub updated_at: DateTime<Utc>,
    /// When the lead became qualified.
    pub qualified_at: Option<DateTime<Utc>>,
    /// Since when a customer message waits for a person: the bot could not answer it (it
    /// arrived before a crash and was too old to answer when the server came back, or its reply
    /// was interrupted mid-send). The dashboard flags the lead; cleared when an agent replies,
    /// takes the conversation over or releases it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unanswered_since: Option<DateTime<Utc>>,
}

impl Lead {
    /// A new lead in `capturing` state, answered by the bot.
    pub fn new(
        workspace_id: WorkspaceId,
        bot_id: BotId,
        contact: ContactId,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: LeadId::new(),
            workspace_id,
            bot_id,
            contact,
            display_name: None,
            fields: LeadFields::default(),
            status: LeadStatus::Capturing,
            assignee: None,
            handler: Handler::Bot,
            away_sent_on: None,
            created_at: now,
            updated_at: now,
            qualified_at: None,
            unanswered_since: None,
        }
    }

    /// The contact's region (ISO code) derived from a phone-based contact id.
    pub fn contact_region(&self) -> Option<String> {
        self.contact
            .phone_digits()
            .and_then(|d| Phone::region_of_digits(&d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_junk_rejected() {
        assert_eq!(
            Email::parse(" Ana.Lopez@Example.COM ").unwrap().as_str(),
            "Ana.Lopez@example.com"
        );
        for bad in [
            "ana",
            "ana@",
            "@example.com",
            "ana@localhost",
            "Ana <ana@x.com>",
            "",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn phone_is_stored_in_e164_and_uses_the_region_for_national_numbers() {
        assert_eq!(
            Phone::parse("+34 612 34 56 78", None).unwrap().as_str(),
            "+34612345678"
        );
        assert_eq!(
            Phone::parse("612 34 56 78", Some("ES")).unwrap().as_str(),
            "+34612345678"
        );
        assert_eq!(
            Phone::parse("0034612345678", None).unwrap().as_str(),
            "+34612345678"
        );
        assert!(Phone::parse("612 34 56 78", None).is_err());
        assert!(Phone::parse("12345", Some("ES")).is_err());
    }

    #[test]
    fn contact_region_comes_from_a_phone_based_contact_id() {
        let lead = Lead::new(
            WorkspaceId::new(),
            BotId::new(),
            ContactId::parse("34612345678@c.us").unwrap(),
            Utc::now(),
        );
        assert_eq!(lead.contact_region().as_deref(), Some("ES"));
        let opaque = ContactId::parse("1234567890123@lid").unwrap();
        assert_eq!(opaque.phone_digits(), None);
    }

    #[test]
    fn merge_never_overwrites_unless_asked() {
        let mut fields = LeadFields {
            email: Some(Email::parse("a@b.co").unwrap()),
            ..Default::default()
        };
        let changed = fields.merge(
            LeadFields {
                email: Some(Email::parse("c@d.co").unwrap()),
                name: Some(PersonName::parse("Ana").unwrap()),
                ..Default::default()
            },
            false,
        );
        assert_eq!(changed, vec![LeadField::Name]);
        assert_eq!(fields.email.unwrap().as_str(), "a@b.co");
    }

    #[test]
    fn missing_lists_required_fields_in_asking_order() {
        let fields = LeadFields::default();
        assert_eq!(
            fields.missing(&[LeadField::Phone, LeadField::Name]),
            vec![LeadField::Name, LeadField::Phone]
        );
    }
}
