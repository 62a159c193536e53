//! Errors of the WhatsApp Web transport.

use std::time::Duration;

use wabot_core::TransportError;

/// Why a WhatsApp Web session failed.
///
/// [`WebTransport`](super::WebTransport) returns these as [`TransportError`]s (the port's
/// error type); [`WebTransport::last_error`](super::WebTransport::last_error) keeps the typed
/// value of the last failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// Chromium could not be started (missing executable, bad switch, no memory).
    ///
    /// The message shown (and carried into [`TransportError`]) names neither the executable
    /// nor the cause, because it can reach whoever edits the bot: it must not tell them
    /// whether some file exists on the server. The fields keep both for the host's log
    /// (the transport logs them at `warn` when the launch fails).
    #[error(
        "could not launch Chromium: the server's Chromium executable is missing or does not \
         start; ask the operator to check the Chromium path in the server configuration \
         (details are in the server log)"
    )]
    Launch {
        /// The executable that was tried.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The profile directory could not be created or reset.
    #[error("profile directory {path}: {message}")]
    Profile {
        /// The directory.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Chromium or its tab died ("Session closed", killed process, renderer crash).
    #[error("the browser crashed: {0}")]
    BrowserCrashed(String),
    /// WhatsApp Web did not load (`window.Debug.VERSION` never appeared) within the deadline.
    #[error("auth timeout: WhatsApp Web did not load within {} s", .0.as_secs())]
    AuthTimeout(Duration),
    /// The WhatsApp Web build lacks a module or member the manifest lists: the injection cannot
    /// work with it. Update the manifest or pin a known-good build.
    #[error(
        "WhatsApp Web {build} is incompatible with manifest {manifest}: {}{} is missing; \
         update the module names or pin a known-good index.html",
        module,
        member.as_deref().map(|m| format!(".{m}")).unwrap_or_default()
    )]
    MissingModule {
        /// The module passed to `window.require`.
        module: String,
        /// The missing member below it, or `None` when the whole module is missing.
        member: Option<String>,
        /// `window.Debug.VERSION` of the page.
        build: String,
        /// [`MANIFEST`](super::MANIFEST)'s version.
        manifest: String,
    },
    /// A call into the page failed or returned something unexpected.
    #[error("WhatsApp Web script error in {context}: {message}")]
    Script {
        /// What the adapter was doing.
        context: String,
        /// The page's error.
        message: String,
    },
    /// No QR code was scanned after this many codes.
    #[error("no QR code was scanned after {0} codes; start the bot again for new ones")]
    QrTimeout(u32),
    /// The phone logged this session out; the profile was reset and a new QR is needed.
    #[error("logged out from the phone; the profile was reset, scan a new QR code")]
    LoggedOut,
    /// The session was opened in another browser.
    #[error("WhatsApp Web was opened elsewhere (conflict)")]
    Conflict,
    /// WhatsApp reported a state the session cannot continue in (blocked, deprecated, …).
    #[error("WhatsApp Web entered state {0}")]
    State(String),
    /// The session is not connected yet (or any more).
    #[error("not connected: {0}")]
    NotReady(String),
    /// The recipient is not a WhatsApp id or phone number.
    #[error("invalid recipient: {0}")]
    Recipient(String),
}

impl WebError {
    /// Whether starting the session again may help (everything but a wrong setup).
    pub fn is_transient(&self) -> bool {
        !matches!(
            self,
            Self::Launch { .. }
                | Self::Profile { .. }
                | Self::MissingModule { .. }
                | Self::Recipient(_)
        )
    }
}

impl From<WebError> for TransportError {
    fn from(e: WebError) -> Self {
        let message = e.to_string();
        match e {
            WebError::Launch { .. } | WebError::Profile { .. } | WebError::MissingModule { .. } => {
                TransportError::Config(message)
            }
            WebError::LoggedOut
            | WebError::QrTimeout(_)
            | WebError::Conflict
            | WebError::State(_)
            | WebError::NotReady(_) => TransportError::NotConnected(message),
            WebError::Recipient(_) => TransportError::Rejected(message),
            WebError::BrowserCrashed(_) | WebError::AuthTimeout(_) | WebError::Script { .. } => {
                TransportError::Unavailable(message)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launch_error_names_neither_the_executable_nor_whether_it_exists() {
        let e = WebError::Launch {
            path: "/etc/shadow".into(),
            message: "no such file".into(),
        };

        let shown = TransportError::from(e).to_string();

        assert!(!shown.contains("/etc/shadow"), "{shown}");
        assert!(!shown.contains("no such file"), "{shown}");
        assert!(shown.contains("ask the operator"), "{shown}");
    }

    #[test]
    fn a_missing_module_names_it() {
        let e = WebError::MissingModule {
            module: "WAWebCmd".into(),
            member: Some("Cmd.refreshQR".into()),
            build: "2.3000.1".into(),
            manifest: "2026.11.1".into(),
        };
        let t: TransportError = e.clone().into();
        assert!(matches!(t, TransportError::Config(_)));
        assert!(
            t.to_string().contains("WAWebCmd.Cmd.refreshQR is missing"),
            "{t}"
        );
        assert!(!e.is_transient());
    }

    #[test]
    fn crashes_are_transient() {
        let t: TransportError = WebError::BrowserCrashed("killed".into()).into();
        assert!(t.is_transient());
    }
}
