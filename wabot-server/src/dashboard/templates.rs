//! The page templates (minijinja, HTML auto-escaping on), compiled into the binary.

use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment};

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/templates/", $name)))),+]
    };
}

static TEMPLATES: &[(&str, &str)] = templates![
    "layout.html",
    "login.html",
    "bots.html",
    "bot_settings.html",
    "pairing.html",
    "simulator.html",
    "leads.html",
    "conversation.html",
    "schedules.html",
    "insights.html",
    "team.html",
    "not_found.html",
];

/// The template environment, built once.
pub(super) fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                // A template error is a bug caught by the unit test below.
                tracing::error!("dashboard template {name}: {e}");
            }
        }
        env
    })
}

/// Renders `name` with `ctx`; a rendering error is logged and shown as a short message.
pub(super) fn render(name: &str, ctx: minijinja::Value) -> Result<String, String> {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| {
            tracing::error!("rendering dashboard page {name}: {e:#}");
            "the page could not be rendered; the error has been logged".to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for (name, source) in TEMPLATES {
            let mut env = Environment::new();
            for (n, s) in TEMPLATES {
                env.add_template(n, s).expect("parse");
            }
            env.get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!source.is_empty());
        }
    }

    #[test]
    fn user_content_is_escaped() {
        let ctx = minijinja::context! {
            page => "bots", title => "Bots", active => "bots",
            user => minijinja::context! { name => "<script>x</script>", email => "a@b.c" },
            role => "owner", boot => minijinja::context! { name => "</script><b>" },
        };
        let html = render("bots.html", ctx).expect("render");
        assert!(!html.contains("<script>x</script>"));
        assert!(!html.contains("</script><b>"));
    }
}
