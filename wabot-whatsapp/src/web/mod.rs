//! WhatsApp Web transport in headless Chromium.
