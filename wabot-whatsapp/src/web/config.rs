//! Settings of the WhatsApp Web transport and the Chromium command line they produce.

use std::{path::PathBuf, time::Duration};

/// A current desktop Chrome user agent (WhatsApp Web refuses headless and unknown browsers).
pub const DEFAULT_USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";

/// Where Debian installs Chromium.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// The address of WhatsApp Web.
pub const WHATSAPP_WEB_URL: &str = "https://web.whatsapp.com/";

/// How the `web` transport runs WhatsApp Web.
///
/// One Chromium runs per bot, with its own profile (`user-data-dir`) at
/// `profiles_dir/<bot id>`: the login lives there, so a paired bot comes back without a QR after
/// a restart, and a logout deletes it.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The Chromium (or Chrome) executable.
    pub chromium_path: PathBuf,
    /// The directory holding one profile directory per bot (created when missing).
    pub profiles_dir: PathBuf,
    /// Run without a window (the default; a window needs a display).
    pub headless: bool,
    /// How many QR codes to show before giving up on a pairing (WhatsApp rotates about 6 per
    /// page load; the page is then asked for more until this cap).
    pub qr_max_retries: u32,
    /// How long WhatsApp Web may take to load (until `window.Debug.VERSION` exists) before the
    /// session fails with "auth timeout".
    pub auth_timeout: Duration,
    /// Deadline of one call into the page (send, typing, read receipt).
    pub command_timeout: Duration,
    /// Serve this `index.html` for `https://web.whatsapp.com/` instead of the live one, pinning
    /// a known-good WhatsApp Web build (its bundles still come from WhatsApp).
    pub pin_index_html: Option<String>,
    /// The browser's user agent.
    pub user_agent: String,
    /// More Chromium switches, without leading dashes (`"proxy-server=http://p:3128"`).
    pub extra_args: Vec<String>,
    /// Test support: a complete fake WhatsApp Web (see [`FakeWhatsApp`](super::FakeWhatsApp))
    /// served at `https://web.whatsapp.com/` by request interception. Every other request to
    /// that host is answered locally with 404, so nothing reaches WhatsApp. The transport runs
    /// exactly as in production otherwise.
    #[doc(hidden)]
    pub fake_site: Option<String>,
}

impl WebConfig {
    /// Defaults with profiles under `profiles_dir`: Debian's Chromium, headless, 6 QR codes,
    /// 60 s to load, 30 s per page call, no pinning.
    pub fn new(profiles_dir: impl Into<PathBuf>) -> Self {
        Self {
            chromium_path: PathBuf::from(DEFAULT_CHROMIUM),
            profiles_dir: profiles_dir.into(),
            headless: true,
            qr_max_retries: 6,
            auth_timeout: Duration::from_secs(60),
            command_timeout: Duration::from_secs(30),
            pin_index_html: None,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            extra_args: Vec::new(),
            fake_site: None,
        }
    }

    /// The HTML served for WhatsApp Web's document, if any, and whether every other request to
    /// the host must be answered locally too.
    pub(crate) fn served_site(&self) -> Option<(&str, bool)> {
        match (&self.fake_site, &self.pin_index_html) {
            (Some(fake), _) => Some((fake.as_str(), true)),
            (None, Some(pin)) => Some((pin.as_str(), false)),
            (None, None) => None,
        }
    }
}

/// Chromium switches (without leading dashes, as chromiumoxide wants them) for one WhatsApp Web
/// tab using little memory and no background traffic.
pub(crate) fn chromium_args(config: &WebConfig) -> Vec<(String, Option<String>)> {
    let kv = |k: &str, v: &str| (k.to_string(), Some(v.to_string()));
    let key = |k: &str| (k.to_string(), None);
    let mut args = vec![
        // What chromiumoxide would add by default, minus `enable-automation`.
        key("disable-background-networking"),
        key("disable-background-timer-throttling"),
        key("disable-backgrounding-occluded-windows"),
        key("disable-breakpad"),
        key("disable-client-side-phishing-detection"),
        key("disable-component-extensions-with-background-pages"),
        key("disable-component-update"),
        key("disable-default-apps"),
        key("disable-dev-shm-usage"),
        key("disable-hang-monitor"),
        key("disable-ipc-flooding-protection"),
        key("disable-popup-blocking"),
        key("disable-prompt-on-repost"),
        key("disable-renderer-backgrounding"),
        key("disable-sync"),
        key("disable-extensions"),
        key("disable-domain-reliability"),
        key("metrics-recording-only"),
        key("no-first-run"),
        key("no-default-browser-check"),
        key("no-pings"),
        kv("password-store", "basic"),
        key("use-mock-keychain"),
        kv("lang", "en-US"),
        // Look like a normal browser (navigator.webdriver stays false).
        kv("disable-blink-features", "AutomationControlled"),
        kv("user-agent", &config.user_agent),
        // Memory: no GPU, zygote or spare-renderer processes, one renderer, the network
        // service inside the browser process, no preloaded browser-UI pages (new headless mode
        // preloads the omnibox popup WebUI in a renderer of its own), a small V8 heap and disk
        // cache.
        key("disable-gpu"),
        key("disable-software-rasterizer"),
        key("in-process-gpu"),
        key("no-zygote"),
        kv("renderer-process-limit", "1"),
        key("disable-site-isolation-trials"),
        kv("enable-features", "NetworkServiceInProcess2"),
        kv(
            "disable-features",
            "WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,\
             SpareRendererForSitePerProcess,Translate,TranslateUI,OptimizationHints,\
             OptimizationGuideModelDownloading,MediaRouter,DialMediaRouteProvider,\
             AcceptCHFrame,AutofillServerCommunication,CertificateTransparencyComponentUpdater,\
             InterestFeedContentSuggestions,SafeBrowsing,IsolateOrigins,site-per-process,\
             BackForwardCache,HttpsUpgrades,PaintHolding,LensOverlay",
        ),
        kv("js-flags", "--max-old-space-size=256"),
        kv("disk-cache-size", "33554432"),
        kv("media-cache-size", "1"),
    ];
    // Headless mode, the sandbox switches and the window size are set through chromiumoxide's
    // builder (it adds its own switches for them).
    for extra in &config.extra_args {
        let extra = extra.trim_start_matches('-');
        let (k, v) = match extra.split_once('=') {
            Some((k, v)) => kv(k, v),
            None => key(extra),
        };
        // Replace rather than append: chromiumoxide joins repeated switches with commas, which
        // is wrong for `js-flags` and `user-agent`.
        match args.iter_mut().find(|(existing, _)| *existing == k) {
            Some(slot) => slot.1 = v,
            None => args.push((k, v)),
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_have_no_leading_dashes_and_carry_the_user_agent() {
        let mut config = WebConfig::new("/tmp/p");
        config.extra_args = vec![
            "--proxy-server=http://p:3128".into(),
            "js-flags=--max-old-space-size=128".into(),
        ];
        let args = chromium_args(&config);
        assert!(args.iter().all(|(k, _)| !k.starts_with('-')));
        assert!(args.contains(&("user-agent".into(), Some(DEFAULT_USER_AGENT.into()))));
        assert!(args.contains(&("proxy-server".into(), Some("http://p:3128".into()))));
        assert_eq!(
            args.iter()
                .filter(|(k, _)| k == "js-flags")
                .collect::<Vec<_>>(),
            vec![&(
                "js-flags".to_string(),
                Some("--max-old-space-size=128".to_string())
            )]
        );
        assert!(!args.iter().any(|(k, _)| k == "enable-automation"));
    }

    #[test]
    fn the_fake_site_wins_over_the_pin_and_intercepts_everything() {
        let mut config = WebConfig::new("/tmp/p");
        assert_eq!(config.served_site(), None);
        config.pin_index_html = Some("pin".into());
        assert_eq!(config.served_site(), Some(("pin", false)));
        config.fake_site = Some("fake".into());
        assert_eq!(config.served_site(), Some(("fake", true)));
    }
}
