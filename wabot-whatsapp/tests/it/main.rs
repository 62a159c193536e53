//! Integration tests of wabot-whatsapp, one module per engine.

mod cloud;
mod native;
mod web;
