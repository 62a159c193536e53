//! Security headers: a strict Content-Security-Policy on the dashboard (which has no inline
//! script or style to need anything looser), nosniff, Referrer-Policy, no framing, and HSTS
//! when the public URL is https.

use std::path::Path;

use wabot_core::domain::Role;

use crate::support::TestApp;

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn dashboard_pages_carry_a_strict_policy_and_the_security_headers() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;

    let login = app
        .http
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let api = app
        .http
        .get(format!("{}/api/v1/bots", app.base))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    let docs = app
        .http
        .get(format!("{}/api/docs", app.base))
        .send()
        .await
        .unwrap();

    assert_eq!(login.status(), 200);
    let csp = header(&login, "content-security-policy").expect("a CSP on the login page");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(header(&login, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&login, "referrer-policy"), Some("same-origin"));
    assert_eq!(header(&login, "x-frame-options"), Some("DENY"));
    assert_eq!(
        header(&login, "strict-transport-security"),
        None,
        "no HSTS over plain http"
    );
    assert_eq!(api.status(), 200);
    assert_eq!(header(&api, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&api, "content-security-policy"), None);
    let docs_csp = header(&docs, "content-security-policy").expect("a CSP on the API docs");
    assert!(docs_csp.contains("frame-ancestors 'none'"), "{docs_csp}");
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let app = TestApp::spawn_with(|s| {
        s.server.public_url = Some("https://bots.example.com".into());
    })
    .await;

    let r = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();

    assert_eq!(
        header(&r, "strict-transport-security"),
        Some("max-age=31536000")
    );
}

/// Every file under `assets/` with `ext`, as (path, text).
fn files(dir: &Path, ext: &str, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
}

#[test]
fn the_dashboard_has_no_inline_script_handlers_or_style_attributes() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let mut templates = Vec::new();
    files(&assets.join("templates"), "html", &mut templates);
    let mut scripts = Vec::new();
    files(&assets.join("js"), "js", &mut scripts);
    assert!(!templates.is_empty() && !scripts.is_empty());

    for (path, text) in &templates {
        let lower = text.to_ascii_lowercase();
        for (i, _) in lower.match_indices("<script") {
            let tag = &lower[i..i + lower[i..].find('>').unwrap()];
            assert!(
                tag.contains(" src=") || tag.contains("type=\"application/json\""),
                "{path}: an inline script ({tag}>) would be refused by the CSP; move it to a \
                 module under assets/js"
            );
        }
        assert!(!lower.contains("<style"), "{path}: inline <style>");
        assert!(!lower.contains(" style="), "{path}: a style attribute");
        assert!(!lower.contains("javascript:"), "{path}: a javascript: URL");
        let handler = regex_free_handler(&lower);
        assert!(handler.is_none(), "{path}: inline handler {handler:?}");
    }
    for (path, text) in &scripts {
        assert!(
            !text.contains("setAttribute('style'") && !text.contains("style: '"),
            "{path}: sets a style attribute; use el.style.… (the CSSOM) or a class"
        );
        assert!(!text.contains("eval("), "{path}: eval");
    }
}

/// The first ` on…=` attribute in `html`, if any.
fn regex_free_handler(html: &str) -> Option<String> {
    html.match_indices(" on").find_map(|(i, _)| {
        let rest = &html[i + 3..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        (!name.is_empty() && rest[name.len()..].starts_with('=')).then(|| format!("on{name}"))
    })
}
