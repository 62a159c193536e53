//! WhatsApp Business Cloud API transport.
