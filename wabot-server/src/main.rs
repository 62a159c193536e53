//! The `wabot-server` binary: `serve` (default), `migrate`, `openapi`.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use wabot_server::{Application, Settings, app, telemetry};

/// Run many AI WhatsApp bots that capture leads: REST API, dashboard, WebSocket events.
///
/// Configuration comes from `wabot.toml` (optional) and `WABOT_SECTION__KEY` environment
/// variables, e.g. `WABOT_SERVER__BIND=0.0.0.0:8080`, `WABOT_STORAGE__URL=postgres://…`,
/// `WABOT_LOG__FORMAT=json`. Secrets come from the environment only: `WABOT_MASTER_KEY`,
/// `WABOT_AUTH__JWT_SECRET`, `WABOT_AUTH__GOOGLE_CLIENT_SECRET`. With no `wabot.toml` the server
/// starts in demo mode: SQLite under ./data, a demo workspace with a sandbox bot on the offline
/// model, local login from this machine.
#[derive(Debug, Parser)]
#[command(name = "wabot-server", version, about, long_about)]
struct Cli {
    /// The configuration file (default: ./wabot.toml when it exists).
    #[arg(long, short, global = true, env = "WABOT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the server (the default): API, dashboard, WebSocket, bots and scheduler.
    ///
    /// Stops gracefully on SIGINT/SIGTERM: no new connections, in-flight requests finish,
    /// bots stop cleanly.
    Serve,
    /// Create or upgrade the database schema, then exit.
    ///
    /// The server migrates on start too; run this to do it ahead of a deployment.
    Migrate,
    /// Print the OpenAPI document of the REST API (JSON) and exit.
    Openapi,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        println!("{}", wabot_server::api::spec_json());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("wabot-server: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => match app::open_store(&settings).await {
            Ok(_) => {
                tracing::info!(
                    storage = %wabot_store::redact_url(&settings.storage.url),
                    "database schema is up to date"
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::Serve => {
            let app = match Application::build(settings).await {
                Ok(app) => app,
                Err(e) => {
                    tracing::error!("cannot start: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match app.run_until_stopped().await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("server error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Openapi => unreachable!("handled above"),
    }
}
