//! # wabot-whatsapp
//!
//! WhatsApp transports implementing [`wabot_core::ports::MessagingTransport`]:
//!
//! - [`web`]: WhatsApp Web driven in a headless Chromium through its internal modules, one
//!   browser and profile per bot.
//! - [`cloud`]: the official WhatsApp Business Cloud API (webhooks in, Graph API out).

pub mod cloud;
pub mod native;
pub mod web;
