//! The `web` engine end to end: a real Chromium driving a fake WhatsApp Web served at
//! `https://web.whatsapp.com/` by request interception; nothing leaves the machine.

mod e2e;
mod phone;
mod session;
mod support;
