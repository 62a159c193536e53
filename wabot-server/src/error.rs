//! The one error shape of the HTTP API: `{code, message, details}`.
//!
//! Every operation returns `Result<_, ApiError>`; the variants are typed responses in the
//! OpenAPI document. Internal failures are logged and answered with a generic 500/503 body
//! that leaks nothing; bad input is a 400/422 naming the field.

use poem_openapi::{ApiResponse, Object, payload::Json};
use wabot_core::Error as CoreError;

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `not_found`, `validation_failed`.
    pub code: String,
    /// What went wrong and how to fix it, for humans.
    pub message: String,
    /// Extra structured context, e.g. `{"field": "email"}`.
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<ErrorDetails>,
}

/// The structured context of an error. Each key appears only with the errors that set it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ErrorDetails {
    /// The request field or parameter that is wrong (`validation_failed`, `bad_request`), e.g.
    /// `email`, `features.away_message`, `limit`, or `path` for a malformed id in the URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The largest accepted request body in bytes (`payload_too_large`, 413).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_bytes: Option<u64>,
    /// How many seconds to wait before retrying (`rate_limited`, 429; also the `Retry-After`
    /// header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl ErrorDetails {
    /// Details naming the offending field.
    pub fn field(field: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::default()
        }
    }

    /// Details of a 413: the body limit.
    pub fn limit_bytes(limit: u64) -> Self {
        Self {
            limit_bytes: Some(limit),
            ..Self::default()
        }
    }

    /// Details of a 429: when to retry.
    pub fn retry_after_secs(secs: u64) -> Self {
        Self {
            retry_after_secs: Some(secs),
            ..Self::default()
        }
    }
}

/// An API error, one variant per HTTP status.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed (bad JSON, bad query parameter).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid credentials were given.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The credentials do not allow this operation.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// The resource does not exist (or belongs to another workspace).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The change conflicts with the resource's current state.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// A field has an invalid value; `details.field` names it.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many requests; retry later.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>),
    /// An unexpected failure; it was logged.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// A dependency (database, transport) is temporarily unavailable; retry later.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

fn body(code: &str, message: impl Into<String>, details: Option<ErrorDetails>) -> Json<ErrorBody> {
    Json(ErrorBody {
        code: code.to_string(),
        message: message.into(),
        details,
    })
}

impl ApiError {
    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(body("bad_request", message, None))
    }

    /// 401 with a message.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(body("unauthorized", message, None))
    }

    /// 403 with a message.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(body("forbidden", message, None))
    }

    /// 404 for a kind of resource (`"bot"`, `"lead"`…).
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(body(
            "not_found",
            format!("{what} not found (check the id; resources of other workspaces are invisible)"),
            None,
        ))
    }

    /// 409 with a message.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(body("conflict", message, None))
    }

    /// 422 naming the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Unprocessable(body(
            "validation_failed",
            format!("{field}: {message}"),
            Some(ErrorDetails::field(field)),
        ))
    }

    /// 500; logs `cause`, answers without it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {cause}");
        Self::Internal(body(
            "internal",
            "an unexpected error occurred; it has been logged",
            None,
        ))
    }

    /// 503; logs `cause`.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!("temporarily unavailable: {cause}");
        Self::Unavailable(body(
            "unavailable",
            "a dependency is temporarily unavailable; retry in a moment",
            None,
        ))
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::Unprocessable(_) => 422,
            Self::TooManyRequests(_) => 429,
            Self::Internal(_) => 500,
            Self::Unavailable(_) => 503,
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Validation(v) => Self::invalid(v.field, v.message),
            CoreError::BotNotFound(_) => Self::not_found("bot"),
            CoreError::LeadNotFound(_) => Self::not_found("lead"),
            CoreError::ScheduleNotFound(_) => Self::not_found("schedule"),
            CoreError::NotFound(what) => Self::not_found(&what),
            CoreError::Conflict(m) => Self::conflict(m),
            CoreError::Transport(t) => Self::Conflict(body(
                "transport",
                format!("the bot's WhatsApp session could not do it: {t}"),
                None,
            )),
            e if e.is_transient() => Self::unavailable(e),
            e => Self::internal(e),
        }
    }
}

impl From<wabot_core::ValidationError> for ApiError {
    fn from(v: wabot_core::ValidationError) -> Self {
        Self::invalid(v.field, v.message)
    }
}
