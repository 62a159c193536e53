//! `/bots`: a bot's wire types ([`body`]: `BotBody` and the request bodies, parsed into domain
//! types with a 422 naming the field) and its operations, split by concern: [`crud`] (list,
//! create, read, update, delete), [`runtime`] (start, stop, status), [`secrets`] (model key,
//! Cloud API credentials, through [`BotSecrets`](crate::bot_secrets::BotSecrets)) and [`qr`]
//! (the pairing QR code).

pub mod body;
pub mod crud;
pub mod features;
pub mod qr;
pub mod runtime;
pub mod secrets;

/// The bot operations, one API per concern.
pub type BotsApis = (
    crud::BotsCrudApi,
    runtime::BotsRuntimeApi,
    secrets::BotsSecretsApi,
    qr::BotsQrApi,
);
