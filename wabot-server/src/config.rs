//! Typed settings: an optional `wabot.toml` with `WABOT_SECTION__KEY` environment overrides.
//!
//! ```toml
//! [server]
//! bind = "0.0.0.0:8080"
//! public_url = "https://bots.example.com"
//!
//! [storage]
//! url = "postgres://wabot@db/wabot"   # default: sqlite://data/wabot.db
//!
//! [log]
//! format = "json"                      # or "pretty"
//! level = "info"
//! ```
//!
//! `WABOT_STORAGE__URL=postgres://…` overrides `storage.url`, `WABOT_LOG__FORMAT=json`
//! overrides `log.format`, and so on. Secrets are read from the environment only: the master key
//! (`WABOT_MASTER_KEY`) and the demo API token (`WABOT_DEMO__API_TOKEN`) are refused in the
//! file. Everything is checked by [`Settings::load`]: a bad value is an error naming the key and
//! what is allowed, never a panic.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use figment::{
    Figment,
    providers::{Format, Serialized, Toml},
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The environment variable holding the 32-byte master key (base64 or hex) for secrets at rest.
pub const MASTER_KEY_ENV: &str = "WABOT_MASTER_KEY";

/// Keys that, given in the file or the environment, mark a deployment (demo mode stays off
/// unless `demo.enabled` says otherwise). `auth` covers every `[auth]` / `WABOT_AUTH__*` key.
const DEPLOYMENT_KEYS: &[&str] = &["storage.url", "auth"];

/// A configuration problem, naming the key and what is allowed.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Everything the server can be configured with.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// HTTP listener.
    pub server: ServerSettings,
    /// Database.
    pub storage: StorageSettings,
    /// Logging.
    pub log: LogSettings,
    /// Demo mode (a demo workspace with a sandbox bot on the offline model).
    pub demo: DemoSettings,
    /// Chromium for WhatsApp Web bots.
    pub chromium: ChromiumSettings,
    /// Conversation engine and bot supervision.
    pub engine: EngineSettings,
    /// Login, sessions and tokens.
    pub auth: crate::auth::AuthSettings,
    /// Outgoing webhooks.
    pub webhooks: crate::webhooks::WebhookSettings,
    /// Which addresses tenants' outgoing requests may reach (LLM, Graph API, webhooks).
    pub network: crate::network::NetworkSettings,
    /// Request body sizes and rate limits.
    pub limits: crate::limits::LimitSettings,
    /// Who may read `/metrics`.
    pub metrics: crate::metrics::MetricsSettings,
    /// Where the settings came from (for the startup log); not configurable.
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// Settings keys given in the file or the environment that only a real deployment sets
    /// (`storage.url`, anything under `auth`); filled by [`Settings::load`], they turn the
    /// default demo mode off (see [`Settings::demo_enabled`]).
    #[serde(skip)]
    pub deployment_keys: Vec<String>,
    /// The demo API token (`WABOT_DEMO__API_TOKEN`); environment only.
    #[serde(skip)]
    pub demo_api_token: Option<SecretString>,
    /// The master key as given (`WABOT_MASTER_KEY`); environment only.
    #[serde(skip)]
    pub master_key: Option<SecretString>,
}

/// `[server]`: the HTTP listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub bind: SocketAddr,
    /// The URL users reach the server at (links, OAuth redirects); default `http://{bind}`.
    pub public_url: Option<String>,
    /// How long graceful shutdown waits for in-flight requests, in seconds.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            shutdown_grace_secs: 20,
        }
    }
}

/// `[storage]`: the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// `sqlite://path/to/file.db` (default `sqlite://data/wabot.db`), `postgres://…`, or
    /// `memory:` (nothing persisted; for trials and tests).
    pub url: String,
    /// Directory for local state: the SQLite file's default home, the demo master key, Chromium
    /// profiles.
    pub data_dir: PathBuf,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/wabot.db".into(),
            data_dir: PathBuf::from("data"),
        }
    }
}

impl StorageSettings {
    /// Whether the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        let url = self.url.trim();
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` or `json`.
    pub format: LogFormat,
    /// A `tracing` filter: `info`, `debug`, `info,wabot_core=debug`…
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            level: "info".into(),
        }
    }
}

/// `[demo]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Demo mode: a demo workspace with one sandbox bot on the offline model, local login on
    /// loopback, a generated master key. Unset means "on only for a trial on this machine":
    /// no `wabot.toml` and nothing a deployment sets (see [`Settings::demo_enabled`]).
    /// `true` together with a non-loopback bind, PostgreSQL or an https public URL is refused.
    pub enabled: Option<bool>,
    /// Set from `WABOT_DEMO__API_TOKEN` only (refused in the file): seeds an owner API token of
    /// the demo workspace with this exact value (≥ 24 characters).
    #[serde(skip_serializing)]
    pub api_token: Option<String>,
}

/// `[chromium]`: WhatsApp Web bots.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChromiumSettings {
    /// The Chromium executable.
    pub path: PathBuf,
    /// Where each bot's browser profile lives; default `{storage.data_dir}/profiles`.
    pub profiles_dir: Option<PathBuf>,
}

impl Default for ChromiumSettings {
    fn default() -> Self {
        Self {
            path: PathBuf::from("/usr/bin/chromium"),
            profiles_dir: None,
        }
    }
}

/// `[engine]`: conversation engine and bot supervision.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// Wait the bots' human-like typing delays (turn off for load tests).
    pub pacing: bool,
    /// How many recent messages the model sees (1–200).
    pub history_messages: u32,
    /// Character budget of the history sent to the model (500–200,000).
    pub history_chars: usize,
    /// Also ask the model to extract lead fields as JSON.
    pub llm_extraction: bool,
    /// Attempts to send a reply on temporary transport failures (1–10).
    pub send_attempts: u32,
    /// First restart delay of a failed bot, in milliseconds.
    pub restart_initial_ms: u64,
    /// Largest restart delay of a failed bot, in milliseconds.
    pub restart_max_ms: u64,
    /// After a crash, customer messages the previous run stored but never answered are
    /// answered when their bot is back if they are at most this many seconds old; older ones
    /// are flagged for an agent instead (0 flags them all; default 900 = 15 minutes).
    pub recovery_window_secs: u64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        let core = wabot_core::engine::EngineConfig::default();
        Self {
            pacing: core.pacing,
            history_messages: core.history_messages,
            history_chars: core.history_chars,
            llm_extraction: core.llm_extraction,
            send_attempts: core.send_attempts,
            restart_initial_ms: 1_000,
            restart_max_ms: 300_000,
            recovery_window_secs: core.recovery_window.as_secs(),
        }
    }
}

impl EngineSettings {
    /// The engine's configuration.
    pub fn engine_config(&self) -> wabot_core::engine::EngineConfig {
        wabot_core::engine::EngineConfig {
            history_messages: self.history_messages,
            history_chars: self.history_chars,
            llm_extraction: self.llm_extraction,
            pacing: self.pacing,
            send_attempts: self.send_attempts,
            recovery_window: Duration::from_secs(self.recovery_window_secs),
        }
    }

    /// The supervisor's restart backoff.
    pub fn backoff(&self) -> wabot_core::supervisor::Backoff {
        wabot_core::supervisor::Backoff {
            initial: Duration::from_millis(self.restart_initial_ms),
            max: Duration::from_millis(self.restart_max_ms),
            ..Default::default()
        }
    }
}

fn bad(key: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("`{key}` {message}"))
}

impl Settings {
    /// Loads `path` (or `./wabot.toml` when it exists and `path` is `None`) and the process
    /// environment, then validates.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(path, &env)
    }

    /// Like [`load`](Self::load) with an explicit environment (tests).
    pub fn load_from(path: Option<&Path>, env: &[(String, String)]) -> Result<Self, ConfigError> {
        let file = match path {
            Some(p) if !p.exists() => {
                return Err(ConfigError(format!(
                    "the config file {} does not exist",
                    p.display()
                )));
            }
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("wabot.toml")).filter(|p| p.exists()),
        };
        let mut figment = Figment::new();
        if let Some(file) = &file {
            let text = std::fs::read_to_string(file)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", file.display())))?;
            let file_only = Figment::from(Toml::string(&text));
            if let Err(e) = file_only.extract::<figment::value::Value>() {
                return Err(ConfigError(format!(
                    "{} is not valid TOML: {e}",
                    file.display()
                )));
            }
            for key in ["demo.api_token", "master_key"] {
                if file_only.contains(key) {
                    return Err(bad(
                        key,
                        "is a secret and is read from the environment only; remove it from the \
                         file and set WABOT_MASTER_KEY / WABOT_DEMO__API_TOKEN instead",
                    ));
                }
            }
            figment = figment.merge(Toml::string(&text));
        }
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("WABOT_") else {
                continue;
            };
            // `WABOT_MASTER_KEY` is read below, `WABOT_CONFIG` names the file; only
            // `WABOT_SECTION__KEY` variables are settings.
            if name == MASTER_KEY_ENV || !rest.contains("__") {
                continue;
            }
            let key = rest.to_lowercase().replace("__", ".");
            // Secrets stay strings even when they look like numbers or booleans.
            let value: figment::value::Value = if key == "demo.api_token" || key == "metrics.token"
            {
                figment::value::Value::from(value.clone())
            } else {
                value
                    .parse()
                    .unwrap_or_else(|_| figment::value::Value::from(value.clone()))
            };
            figment = figment.merge(Serialized::default(&key, value));
        }
        let deployment_keys: Vec<String> = DEPLOYMENT_KEYS
            .iter()
            .filter(|key| figment.contains(key))
            .map(|key| key.to_string())
            .collect();
        let mut settings: Settings = figment.extract().map_err(|e| {
            let mut msg = String::new();
            for err in e {
                if !msg.is_empty() {
                    msg.push_str("; ");
                }
                let key = err.path.join(".");
                if key.is_empty() {
                    msg.push_str(&err.kind.to_string());
                } else {
                    msg.push_str(&format!("`{key}`: {}", err.kind));
                }
            }
            ConfigError(msg)
        })?;
        settings.source = file;
        settings.deployment_keys = deployment_keys;
        settings.master_key = env
            .iter()
            .find(|(k, _)| k == MASTER_KEY_ENV)
            .map(|(_, v)| SecretString::from(v.clone()));
        settings.demo_api_token = settings.demo.api_token.take().map(SecretString::from);
        settings.validate()?;
        Ok(settings)
    }

    /// Whether demo mode is on: `demo.enabled` when set; otherwise only when no `wabot.toml`
    /// was found and [`deployment_signals`](Self::deployment_signals) finds nothing, so a
    /// deployment configured by environment variables alone never gets the demo login.
    pub fn demo_enabled(&self) -> bool {
        self.demo
            .enabled
            .unwrap_or_else(|| self.source.is_none() && self.deployment_signals().is_empty())
    }

    /// What in these settings says "a real deployment, not a trial on this machine": a storage
    /// URL or any `auth` key given, a session key, a Google client, a master key, a
    /// non-loopback bind, PostgreSQL or an https public URL. Each entry names the setting.
    pub fn deployment_signals(&self) -> Vec<String> {
        let mut signals = self.deployment_keys.clone();
        signals.extend(self.demo_conflicts());
        let auth = &self.auth;
        if self.storage.url != StorageSettings::default().url
            && !signals.iter().any(|s| s == "storage.url")
        {
            signals.push("storage.url".into());
        }
        if auth.jwt_secret.is_some() {
            signals.push("auth.jwt_secret".into());
        }
        if auth.google_client_id.is_some() || auth.google_client_secret.is_some() {
            signals.push("auth.google_client_id".into());
        }
        if self.master_key.is_some() {
            signals.push(MASTER_KEY_ENV.into());
        }
        signals
    }

    /// The settings that demo mode (a password-less login) cannot run with, named with their
    /// values: a non-loopback bind, PostgreSQL, an https public URL.
    fn demo_conflicts(&self) -> Vec<String> {
        let mut conflicts = Vec::new();
        let bind = self.server.bind;
        if !crate::auth::is_loopback_ip(bind.ip()) {
            conflicts.push(format!("server.bind = {bind} (not a loopback address)"));
        }
        if self.storage.is_postgres() {
            conflicts.push("storage.url (PostgreSQL)".into());
        }
        for (key, url) in [
            ("server.public_url", &self.server.public_url),
            ("auth.public_url", &self.auth.public_url),
        ] {
            if let Some(url) = url
                && url.trim().to_ascii_lowercase().starts_with("https://")
            {
                conflicts.push(format!("{key} = {url} (https)"));
            }
        }
        conflicts
    }

    /// Refuses an explicit `demo.enabled = true` with settings of a public deployment: the demo
    /// login would be one request away for anyone who can reach the server.
    pub fn check_demo_mode(&self) -> Result<(), ConfigError> {
        if self.demo.enabled != Some(true) {
            return Ok(());
        }
        let conflicts = self.demo_conflicts();
        if conflicts.is_empty() {
            return Ok(());
        }
        Err(bad(
            "demo.enabled",
            format!(
                "= true cannot be combined with {}: demo mode signs anyone in without a \
                 password and is for a trial on this machine only. Remove demo.enabled \
                 (WABOT_DEMO__ENABLED), or bind 127.0.0.1 with SQLite and an http public URL",
                conflicts.join(", ")
            ),
        ))
    }

    /// The public URL (configured, or derived from the bind address).
    pub fn public_url(&self) -> String {
        match &self.server.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.server.bind),
        }
    }

    /// Chromium profiles directory.
    pub fn profiles_dir(&self) -> PathBuf {
        self.chromium
            .profiles_dir
            .clone()
            .unwrap_or_else(|| self.storage.data_dir.join("profiles"))
    }

    /// Checks values the types do not.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.storage.url.trim();
        let scheme_ok = url.starts_with("sqlite:")
            || url == "memory:"
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://");
        if !scheme_ok {
            return Err(bad(
                "storage.url",
                format!(
                    "= `{}` is not supported; use sqlite://path/to/file.db, \
                     postgres://user:password@host/database or memory:",
                    wabot_store::redact_url(url)
                ),
            ));
        }
        if let Some(public) = &self.server.public_url {
            let ok = url::Url::parse(public)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if !ok {
                return Err(bad(
                    "server.public_url",
                    format!("= `{public}` must be an http(s) URL like https://bots.example.com"),
                ));
            }
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(bad(
                "log.level",
                format!(
                    "= `{}` is not a log filter; use error, warn, info, debug, trace or \
                     directives like `info,wabot_core=debug`",
                    self.log.level
                ),
            ));
        }
        let e = &self.engine;
        if !(1..=200).contains(&e.history_messages) {
            return Err(bad("engine.history_messages", "must be between 1 and 200"));
        }
        if !(500..=200_000).contains(&e.history_chars) {
            return Err(bad(
                "engine.history_chars",
                "must be between 500 and 200000",
            ));
        }
        if !(1..=10).contains(&e.send_attempts) {
            return Err(bad("engine.send_attempts", "must be between 1 and 10"));
        }
        if e.restart_initial_ms == 0 || e.restart_initial_ms > e.restart_max_ms {
            return Err(bad(
                "engine.restart_initial_ms",
                "must be at least 1 and at most engine.restart_max_ms",
            ));
        }
        self.limits.validate()?;
        self.metrics.validate()?;
        self.network.validate()?;
        self.check_demo_mode()?;
        if let Some(token) = &self.demo_api_token {
            use secrecy::ExposeSecret;
            if token.expose_secret().len() < 24 {
                return Err(bad(
                    "demo.api_token",
                    "(WABOT_DEMO__API_TOKEN) must be at least 24 characters",
                ));
            }
        }
        Ok(())
    }

    /// Settings for tests: SQLite in `dir`, port 0, demo off, no pacing, loose rate limits,
    /// quiet.
    pub fn for_tests(dir: &Path) -> Self {
        let mut settings = Settings::default();
        settings.server.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        settings.server.shutdown_grace_secs = 5;
        settings.storage.url = format!("sqlite://{}", dir.join("wabot.db").display());
        settings.storage.data_dir = dir.to_path_buf();
        settings.demo.enabled = Some(false);
        settings.engine.pacing = false;
        settings.engine.restart_initial_ms = 10;
        settings.engine.restart_max_ms = 200;
        // Suites send many refused credentials from one loopback address on purpose (the
        // authorization matrix); the tests of the limits set their own low rates.
        settings.limits.auth_per_minute = 100_000;
        settings.limits.failed_credentials_per_minute = 100_000;
        settings.limits.bad_webhook_signatures_per_minute = 100_000;
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_without_file_are_sqlite_on_loopback_in_demo_mode() {
        let s = Settings::load_from(None, &[]).unwrap();
        assert_eq!(s.server.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.storage.url, "sqlite://data/wabot.db");
        assert!(s.demo_enabled() || s.source.is_some());
    }

    #[test]
    fn nested_env_overrides_switch_storage_and_log_format() {
        let s = Settings::load_from(
            None,
            &env(&[
                ("WABOT_STORAGE__URL", "postgres://u@h/db"),
                ("WABOT_LOG__FORMAT", "json"),
                ("WABOT_SERVER__BIND", "0.0.0.0:9000"),
                ("WABOT_MASTER_KEY", "k"),
            ]),
        )
        .unwrap();
        assert!(s.storage.is_postgres());
        assert_eq!(s.log.format, LogFormat::Json);
        assert_eq!(s.server.bind.port(), 9000);
        assert!(s.master_key.is_some());
    }

    #[test]
    fn bad_value_names_the_key_and_what_is_allowed() {
        let err = Settings::load_from(None, &env(&[("WABOT_LOG__FORMAT", "xml")])).unwrap_err();
        assert!(err.0.contains("log.format"), "{err}");
        assert!(err.0.contains("pretty"), "{err}");
        let err =
            Settings::load_from(None, &env(&[("WABOT_STORAGE__URL", "mysql://x")])).unwrap_err();
        assert!(err.0.contains("storage.url"), "{err}");
        let err =
            Settings::load_from(None, &env(&[("WABOT_SERVER__BIND", "nowhere")])).unwrap_err();
        assert!(err.0.contains("server.bind"), "{err}");
        let err =
            Settings::load_from(None, &env(&[("WABOT_ENGINE__SEND_ATTEMPTS", "0")])).unwrap_err();
        assert!(err.0.contains("engine.send_attempts"), "{err}");
    }

    #[test]
    fn secrets_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wabot.toml");
        std::fs::write(
            &path,
            "[demo]\napi_token = \"abcdefghijklmnopqrstuvwxyz\"\n",
        )
        .unwrap();
        let err = Settings::load_from(Some(&path), &[]).unwrap_err();
        assert!(err.0.contains("demo.api_token"), "{err}");
        std::fs::write(&path, "[server]\nbind = \"127.0.0.1:1234\"\n").unwrap();
        let s = Settings::load_from(Some(&path), &[]).unwrap();
        assert_eq!(s.server.bind.port(), 1234);
        assert!(!s.demo_enabled());
    }

    #[test]
    fn no_configuration_or_only_a_loopback_bind_starts_demo_mode() {
        assert!(Settings::load_from(None, &[]).unwrap().demo_enabled());
        for bind in ["127.0.0.1:9000", "[::1]:9000"] {
            let s = Settings::load_from(None, &env(&[("WABOT_SERVER__BIND", bind)])).unwrap();
            assert!(s.demo_enabled(), "{bind}");
        }
        let s = Settings::load_from(None, &env(&[("WABOT_LOG__LEVEL", "debug")])).unwrap();
        assert!(s.demo_enabled());
    }

    #[test]
    fn environment_only_deployment_settings_turn_demo_mode_off() {
        for pair in [
            ("WABOT_STORAGE__URL", "sqlite://prod/wabot.db"),
            ("WABOT_STORAGE__URL", "memory:"),
            ("WABOT_STORAGE__URL", "postgres://u@h/db"),
            ("WABOT_AUTH__JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            (
                "WABOT_AUTH__GOOGLE_CLIENT_ID",
                "client.apps.googleusercontent.com",
            ),
            ("WABOT_AUTH__OPEN_SIGNUP", "true"),
            ("WABOT_SERVER__BIND", "0.0.0.0:8080"),
            ("WABOT_SERVER__BIND", "[::]:8080"),
            ("WABOT_SERVER__PUBLIC_URL", "https://bots.example.com"),
            (
                MASTER_KEY_ENV,
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
        ] {
            let s = Settings::load_from(None, &env(&[pair])).unwrap();
            assert!(!s.demo_enabled(), "{pair:?} must turn demo mode off");
            assert!(!s.deployment_signals().is_empty(), "{pair:?}");
        }
    }

    #[test]
    fn explicit_demo_mode_with_public_deployment_settings_is_refused() {
        for pair in [
            ("WABOT_SERVER__BIND", "0.0.0.0:8080"),
            ("WABOT_STORAGE__URL", "postgres://u@h/db"),
            ("WABOT_SERVER__PUBLIC_URL", "https://bots.example.com"),
        ] {
            let err = Settings::load_from(None, &env(&[("WABOT_DEMO__ENABLED", "true"), pair]))
                .unwrap_err();
            assert!(err.0.contains("demo.enabled"), "{err}");
            assert!(
                err.0.contains(
                    pair.0
                        .trim_start_matches("WABOT_")
                        .split("__")
                        .next()
                        .unwrap()
                        .to_lowercase()
                        .as_str()
                ),
                "{err}"
            );
        }
        let s = Settings::load_from(
            None,
            &env(&[
                ("WABOT_DEMO__ENABLED", "true"),
                ("WABOT_AUTH__JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ]),
        )
        .unwrap();
        assert!(
            s.demo_enabled(),
            "an explicit demo on this machine is allowed"
        );
    }
}
